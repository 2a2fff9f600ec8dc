"""The Information modal of one pushed group: what `info` shows, the group type, where the
push came from, skipped members, drift, and the last error with a Retry button (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.views.text import Block, clip, context, escape, escape_reply, mention, plain, section
from engine.core import quote
from engine.push.tab import Information
from engine.words import okta_pushes

INFORMATION = "information"
"""callback_id of the modal."""
RETRY = "information_retry"
EXPLAIN, EXPLAINED = "information_explain", "information_explained"
"""The "Explain a person" field (action and block id), and the block of its answer."""
NAMES_SHOWN = 40


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC" if at else "never"


def _names(names: Sequence[str], budget: int = 1400) -> str:
    """Names, as many as fit the budget of characters, then how many more."""
    shown: list[str] = []
    for name in names[:NAMES_SHOWN]:
        text = clip(escape(name), 200)
        if sum(len(s) + 2 for s in shown) + len(text) > budget:
            break
        shown.append(text)
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    return ", ".join(shown) + more


def _fields(pairs: list[tuple[str, str]]) -> Block:
    return {"type": "section", "fields": [
        {"type": "mrkdwn", "text": clip(f"*{label}*\n{value}", 2000)} for label, value in pairs]}


def _details(info: Information) -> list[Block]:
    how = f"by rule {escape(info.rule)}" if info.rule is not None else \
        "in Okta's admin console (outside grouppush)" if info.origin == "okta" else "by name"
    members = okta_pushes(info.active_members) if info.by_okta else \
        f"{info.members_pushed:,} pushed of {info.active_members:,} active in the directory" \
        if info.active_members is not None else f"{info.members_pushed:,} pushed"
    first = [("Group type", escape(info.group_type)),
             ("App group", escape(info.app_group)),
             ("Status", "Active" if info.active else "Inactive (push paused)"),
             ("Push memberships immediately", "yes" if info.memberships else "no"),
             ("Origin", "linked an existing app group" if info.linked
              else "created by grouppush")]
    second = [("Pushed by", f"{mention(info.created_by) if info.created_by else 'unknown'}, "
                            f"{_when(info.created_at)}, {how}"),
              ("Last push", _when(info.last_push_at)),
              ("Members", members)]
    okta = [_fields([(label, escape(text)) for label, text in info.okta])] if info.okta else []
    return [_fields(first), _fields(second), *okta]


def _skipped(info: Information) -> Block:
    if not info.skipped:
        return section("*Skipped members*: none")
    why = escape_reply(f"`explain {quote(info.skipped[0])} in {quote(info.group)} on "
                       f"{quote(info.app)}`, or *Explain a person* below, says why")
    return section(clip(f"*Skipped members* ({len(info.skipped)}) — "
                        f"{escape(info.skipped_reason)}:\n{_names(info.skipped)}\n{why}", 3000))


def explain_field() -> Block:
    """Explain a person: a login, then Enter; the answer shows in the modal."""
    return {"type": "input", "block_id": EXPLAIN, "dispatch_action": True, "optional": True,
            "label": plain("Explain a person"),
            "hint": plain("Why is this person (not) in the app group? Type a login, then press "
                          "Enter."),
            "element": {"type": "plain_text_input", "action_id": EXPLAIN, "max_length": 200,
                        "placeholder": plain("alice@example.com"),
                        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]}}}


def with_explanation(view: dict[str, Any], text: str) -> dict[str, Any]:
    """The Information modal as shown, with the answer to Explain a person under its field."""
    blocks = [b for b in view.get("blocks", []) if b.get("block_id") != EXPLAINED]
    at = next((i + 1 for i, b in enumerate(blocks) if b.get("block_id") == EXPLAIN),
              len(blocks))
    answer = {**section(clip(escape_reply(text), 3000)), "block_id": EXPLAINED}
    keep = ("type", "callback_id", "title", "close", "private_metadata", "external_id")
    return {**{k: view[k] for k in keep if k in view},
            "blocks": [*blocks[:at], answer, *blocks[at:]]}


def _drift(info: Information) -> Block:
    report = info.drift
    if report is None and not info.drift_ignored_by:
        return section("*Drift*: none found at the last check")
    lines = ["*Drift*" + (f" — ignored by {mention(info.drift_ignored_by)} (the app's changes "
                          "are kept)" if info.drift_ignored_by else " — found at the last check")]
    if report is not None:
        if report.group_gone:
            lines.append("The group was deleted in the app.")
        if report.renamed_to:
            lines.append(f"The group was renamed in the app to {escape(report.renamed_to)}.")
        if report.missing:
            lines.append(f"Missing ({len(report.missing)}): {_names(report.missing)}")
        if report.unexpected:
            lines.append(f"Unexpected ({len(report.unexpected)}): "
                         f"{_names(report.unexpected)}")
    return section(clip("\n".join(lines), 3000))


def _error(info: Information) -> list[Block]:
    error = info.error
    if error is None:
        return [section("*Last error*: none")]
    status = f"HTTP {error.status}" if error.status and error.status >= 100 else "—"
    return [
        section(clip(f":warning: *Last error* — {escape(error.operation)} failed "
                     f"{_when(error.at)} (app status {status})\n{escape(error.message)}", 3000)),
        section(clip(f"*Troubleshooting*\n{escape(error.hint or 'Check the app and retry.')}",
                     3000)),
        {"type": "actions", "block_id": "information_retry", "elements": [
            {"type": "button", "action_id": RETRY, "value": str(info.mapping_id),
             "text": plain("Retry"), "style": "primary"}]},
    ]


def information_modal(info: Information) -> dict[str, Any]:
    """The modal Information opens."""
    gone = "" if info.in_directory else " · no longer in the directory"
    blocks: list[Block] = [
        section(f"*{escape(info.group)}* on *{escape(info.app)}* ({escape(info.app_type)})"),
        context(f"Directory group id {escape(info.group_id)}{gone} · in chat, "
                + escape_reply(f"`info {quote(info.group)} on {quote(info.app)}` "
                               "shows the same")),
        *_details(info), {"type": "divider"}, _skipped(info), _drift(info), explain_field(),
        {"type": "divider"}, *_error(info),
    ]
    return {"type": "modal", "callback_id": INFORMATION, "title": plain("Information", 24),
            "close": plain("Close"), "private_metadata": str(info.mapping_id),
            "blocks": blocks}


def loading_modal(external_id: str) -> dict[str, Any]:
    """The modal as it opens, at once, while its details are read."""
    return {"type": "modal", "callback_id": INFORMATION, "external_id": external_id,
            "title": plain("Information", 24), "close": plain("Close"),
            "blocks": [section(":hourglass_flowing_sand: Reading the details…")]}


def refused_modal(text: str, title: str = "Information") -> dict[str, Any]:
    """A modal saying why Information (or another dialog) cannot be shown."""
    return {"type": "modal", "callback_id": INFORMATION, "title": plain(title, 24),
            "close": plain("Close"), "blocks": [section(clip(escape(text), 3000))]}
