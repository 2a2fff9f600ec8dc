"""Drift: what an app group holds that grouppush did not push, and what it lost."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from engine.core import quote


@dataclass(frozen=True)
class DriftReport:
    """The difference between an app group and what was last pushed to it."""

    group: str
    app: str
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    group_gone: bool = False
    renamed_to: str | None = None

    @property
    def drifted(self) -> bool:
        """Whether the app group differs at all."""
        return bool(self.missing or self.unexpected or self.group_gone or self.renamed_to)

    @property
    def fingerprint(self) -> str:
        """Identifies this exact drift, so the same drift is reported once."""
        if not self.drifted:
            return ""
        text = "|".join([str(self.group_gone), self.renamed_to or "", *self.missing, "/",
                         *self.unexpected])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def report_to_json(report: DriftReport) -> str:
    """A drift report as stored with its mapping."""
    return json.dumps({"group": report.group, "app": report.app, "missing": report.missing,
                       "unexpected": report.unexpected, "group_gone": report.group_gone,
                       "renamed_to": report.renamed_to})


def report_from_json(text: str) -> DriftReport:
    """A stored drift report."""
    data = json.loads(text)
    return DriftReport(group=data["group"], app=data["app"], missing=tuple(data["missing"]),
                       unexpected=tuple(data["unexpected"]), group_gone=data["group_gone"],
                       renamed_to=data["renamed_to"])


def compare_members(
    group: str,
    app: str,
    pushed: Mapping[str, str],
    in_app: Mapping[str, str | None],
    logins_by_id: Mapping[str, str],
) -> DriftReport:
    """Compare last pushed members (login -> id) with the app's (id -> login or None)."""
    pushed_ids = set(pushed.values())
    missing = tuple(sorted(login for login, uid in pushed.items() if uid not in in_app))
    unexpected = tuple(sorted(
        logins_by_id.get(uid) or in_app[uid] or uid for uid in in_app if uid not in pushed_ids
    ))
    return DriftReport(group=group, app=app, missing=missing, unexpected=unexpected)


def drift_summary(report: DriftReport, shown: int = 10) -> str:
    """What differs, in words: deleted, renamed, members missing and unexpected."""
    if report.group_gone:
        return "the group was deleted in the app."
    parts = [f"renamed in the app to {quote(report.renamed_to)}"] if report.renamed_to else []
    for label, names in (("missing", report.missing), ("unexpected", report.unexpected)):
        if names:
            more = " …" if len(names) > shown else ""
            parts.append(f"{len(names)} {label} ({', '.join(names[:shown])}{more})")
    return "; ".join(parts) or "no difference"
