"""What planning many pushes at once reads (engine/push/member_plans.py): a few queries for
all of them, each over at most BATCH ids."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from storage.db import execute
from storage.models import PushedMember, PushMapping, PushRun

BATCH = 500


def _parts(ids: Iterable[int]) -> list[list[int]]:
    unique = list(dict.fromkeys(ids))
    return [unique[start:start + BATCH] for start in range(0, len(unique), BATCH)]


def mappings(session: Session, mapping_ids: Iterable[int]) -> dict[int, PushMapping]:
    """id -> the push's row (pushes removed meanwhile are left out)."""
    out: dict[int, PushMapping] = {}
    for part in _parts(mapping_ids):
        out.update((int(m.id or 0), m) for m in session.exec(
            select(PushMapping).where(col(PushMapping.id).in_(part))))
    return out


def last_runs(session: Session, mapping_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """push id -> (id, outcome) of its newest run (pushes never run are left out)."""
    out: dict[int, tuple[int, str]] = {}
    for part in _parts(mapping_ids):
        newest = (select(func.max(PushRun.id).label("id"))
                  .where(col(PushRun.mapping_id).in_(part))
                  .group_by(col(PushRun.mapping_id)).subquery())
        rows = session.exec(select(PushRun.mapping_id, PushRun.id, PushRun.outcome)
                            .join(newest, col(PushRun.id) == newest.c.id))
        out.update((int(mapping_id or 0), (int(run_id or 0), outcome))
                   for mapping_id, run_id, outcome in rows)
    return out


def pushed_members_of(session: Session, mapping_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """push id -> login -> app user id, as last pushed (every push asked for is in it)."""
    out: dict[int, dict[str, str]] = {}
    for part in _parts(mapping_ids):
        out.update((mapping_id, {}) for mapping_id in part)
        rows = execute(session, _pushed_members(), {"b_ids": part})
        for mapping_id, login, uid in rows:
            out[mapping_id][login] = uid
    return out


@cache
def _pushed_members() -> Any:
    return select(col(PushedMember.mapping_id), col(PushedMember.login),
                  col(PushedMember.app_user_id)).where(
        col(PushedMember.mapping_id).in_(bindparam("b_ids", expanding=True)))
