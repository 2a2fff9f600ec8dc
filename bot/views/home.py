"""The App Home tab: a dashboard per app, rules, and pending approvals with their buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.views.approvals import decision_buttons
from bot.views.text import Block, chunks, context, escape, mention, plain, section
from storage.models import PushMapping, PushRule

MAX_BLOCKS = 100
"""A Home tab holds at most 100 blocks."""


@dataclass(frozen=True)
class HomeData:
    """What the Home tab shows, read from storage by the listener."""

    apps: Sequence[tuple[str, str]]  # (name, type)
    mappings: Sequence[PushMapping] = ()
    rules: Sequence[PushRule] = ()
    pending: Sequence[dict[str, Any]] = field(default_factory=list)
    now: datetime | None = None


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "never"


def mapping_line(mapping: PushMapping) -> str:
    """One pushed group: status, members, last push, errors and drift."""
    status = ":large_green_circle: active" if mapping.status == "active" \
        else ":double_vertical_bar: deactivated"
    line = (f"*{escape(mapping.group_name)}* — {status} · {mapping.members_pushed:,} members · "
            f"last push {_when(mapping.last_push_at)}")
    if mapping.created_via.startswith("rule:"):
        line += f" · by rule {escape(mapping.created_via[5:])}"
    if mapping.error_message:
        line += (f"\n      :warning: {escape(mapping.error_operation or 'push')} failed "
                 f"{_when(mapping.error_at)}: {escape(mapping.error_message)}")
    if mapping.drift_fingerprint:
        line += ("\n      :mag: drift ignored by " + mention(mapping.drift_ignored_by)
                 if mapping.drift_ignored_by else
                 "\n      :mag: drift found: the app changed behind grouppush (`info` shows it)")
    return line


def _app_blocks(name: str, kind: str, mappings: Sequence[PushMapping],
                rules: Sequence[PushRule]) -> list[Block]:
    errors = sum(1 for m in mappings if m.error_message)
    drift = sum(1 for m in mappings if m.drift_fingerprint and not m.drift_ignored_by)
    blocks: list[Block] = [
        {"type": "header", "text": plain(f"{name} ({kind})", 150)},
        context(f"{len(mappings)} pushed groups · {errors} with errors · {drift} drifted · "
                f"{len(rules)} rules"),
    ]
    if mappings:
        blocks += [section(p) for p in chunks("\n".join(mapping_line(m) for m in mappings))]
    else:
        blocks.append(section(f"Nothing pushed to {escape(name)} yet: `/grouppush push` "
                              "opens the push dialog."))
    if rules:
        lines = [f"• *{escape(r.name)}*: --{r.kind} {escape(r.pattern)} (by "
                 f"{mention(r.created_by)})" for r in rules]
        blocks += [section(p) for p in chunks("*Rules*\n" + "\n".join(lines))]
    return blocks


def _pending_blocks(pending: Sequence[dict[str, Any]]) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain("Waiting for approval")}]
    for approval in pending:
        blocks += [section(f":lock: {mention(approval['requested_by'])} asks to "
                           f"{escape(str(approval['summary']))}."),
                   context(f"Request {approval['id']} · expires "
                           f"{escape(str(approval['expires_at']))}"),
                   decision_buttons(approval)]
    return blocks


def home_view(data: HomeData) -> dict[str, Any]:
    """The Home tab view."""
    blocks: list[Block] = [
        {"type": "header", "text": plain("grouppush")},
        context(f"Pushed groups per app · updated {_when(data.now)} · `/grouppush help` "
                "lists the commands"),
    ]
    if data.pending:
        blocks += _pending_blocks(data.pending)
    for name, kind in data.apps:
        blocks.append({"type": "divider"})
        blocks += _app_blocks(name, kind, [m for m in data.mappings if m.app == name],
                              [r for r in data.rules if r.app == name])
    if not data.apps:
        blocks.append(section("No apps are configured; add them under `apps:` in "
                              "grouppush.yml."))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1],
                  context("… more than a Home tab can hold; `/grouppush list` shows all.")]
    return {"type": "home", "blocks": blocks}
