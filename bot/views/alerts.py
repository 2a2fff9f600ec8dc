"""Alerts in the alerts channel: drift with Push now / Ignore, errors with Retry (pure)."""

from __future__ import annotations

from typing import Any

from bot.views.text import Block, context, escape, escape_reply, mention, plain, section
from engine.alerts import ErrorAlert
from engine.drift import DriftReport
from engine.words import concrete

PUSH_NOW = "drift_push_now"
IGNORE = "drift_ignore"
RETRY = "error_retry"
RETRY_ALL = "error_retry_all"
Message = dict[str, Any]


def _names(names: tuple[str, ...], limit: int = 20) -> str:
    shown = ", ".join(escape(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def drift_fields(report: DriftReport) -> list[Block]:
    """The drift itself: group, app, members missing and unexpected."""
    head = f"*{escape(report.group)}* on *{escape(report.app)}*"
    lines = []
    if report.group_gone:
        lines.append("The group was *deleted in the app*.")
    if report.renamed_to:
        lines.append(f"The group was *renamed in the app* to {escape(report.renamed_to)}.")
    if report.missing:
        lines.append(f"*Missing* ({len(report.missing)}): {_names(report.missing)}")
    if report.unexpected:
        lines.append(f"*Unexpected* ({len(report.unexpected)}): {_names(report.unexpected)}")
    return [section(f":mag: Drift in {head}\n" + "\n".join(lines))]


def drift_alert(report: DriftReport, mapping_id: int) -> Message:
    """New drift, with the choice people make: Push now (overwrite) or Ignore (keep)."""
    buttons: Block = {"type": "actions", "block_id": f"drift:{mapping_id}", "elements": [
        {"type": "button", "action_id": PUSH_NOW, "value": str(mapping_id),
         "text": plain("Push now"), "style": "primary"},
        {"type": "button", "action_id": IGNORE, "value": str(mapping_id),
         "text": plain("Ignore")},
    ]}
    return {"text": f"Drift in {report.group} on {report.app}",
            "blocks": [*drift_fields(report), buttons,
                       context("Push now makes the app group match the directory; Ignore "
                               "keeps the app's changes and stops reporting this drift.")]}


def drift_closed(report: DriftReport | None, how: str, actor: str = "") -> Message:
    """The drift alert once decided or gone: who did what, no buttons."""
    who = f" by {mention(actor)}" if actor else ""
    blocks = drift_fields(report) if report is not None else []
    lines = {"push now": f":white_check_mark: Fixed{who} with *Push now*.",
             "ignored": f":see_no_evil: Ignored{who}: the app's changes are kept.",
             "resolved": ":white_check_mark: The drift is gone: the app group matches "
                         "again.",
             "changed": ":arrows_counterclockwise: The drift changed; see the newer alert."}
    return {"text": lines[how].replace("*", ""),
            "blocks": [*blocks, section(lines[how])]}


def error_alert(error: ErrorAlert) -> Message:
    """A failed push with its Information details and a Retry button."""
    status = f"HTTP {error.status}" if error.status and error.status >= 100 else "—"
    fields = [("Group", error.group), ("App", error.app), ("Operation", error.operation),
              ("Time", error.at), ("App status", status)]
    return {"text": f"Push failed: {error.group} on {error.app}", "blocks": [
        section(f":warning: *Push failed*: *{escape(error.group)}* on *{escape(error.app)}*"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{escape(v)}"}
                                       for k, v in fields]},
        section(f"*The app's error*\n{escape(error.message)}"),
        section("*Troubleshooting*\n" + escape_reply(
            concrete(error.hint or "`info GROUP on APP` shows the push and its last error.",
                     error.group, error.app))),
        {"type": "actions", "block_id": f"error:{error.mapping_id}", "elements": [
            {"type": "button", "action_id": RETRY, "value": str(error.mapping_id),
             "text": plain("Retry"), "style": "primary"},
            *([retry_all_button(RETRY_ALL, error.app, error.app_errors)]
              if error.app_errors > 1 else [])]},
    ]}


def retry_all_button(action_id: str, app: str, count: int) -> Block:
    """Retry all (N): every push of the app with an error (Okta's "Retry All Groups")."""
    return {"type": "button", "action_id": action_id, "value": app,
            "text": plain(f"Retry all ({count})")}


def error_closed(error: ErrorAlert, text: str) -> Message:
    """The error alert once the push works again."""
    return {"text": f"Fixed: {error.group} on {error.app}", "blocks": [
        section(f":white_check_mark: *{escape(error.group)}* on *{escape(error.app)}* works "
                f"again. {escape_reply(text)}")]}
