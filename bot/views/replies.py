"""Messages for command results: ephemeral answers, channel results, working and progress."""

from __future__ import annotations

from typing import Any

from bot.views.alerts import RETRY
from bot.views.text import (
    Block,
    context,
    escape,
    escape_code,
    escape_reply,
    fallback,
    mention,
    plain,
    section,
    text_sections,
)
from bot.views.words import render
from engine.core import Reply

Message = dict[str, Any]

ICONS = {"done": ":white_check_mark:", "refused": ":no_entry_sign:", "failed": ":warning:",
         "usage": ":grey_question:"}
SLACK_HELP = ("In Slack: `/grouppush push` with nothing after it opens the push dialog, "
              "`/grouppush rule add` with nothing after it opens the rule dialog (with a "
              "preview of the groups it matches).")


def _who(actor: str, command: str) -> str:
    return f"{mention(actor)} · /grouppush {escape(command)}"


def answer(reply: Reply) -> Message:
    """An ephemeral answer to the person who typed: a read-only result, a refusal, usage."""
    icon = "" if reply.ok else ICONS.get(reply.status, "") + " "
    words = render(reply)
    text = f"{icon}{escape_reply(words)}"
    return {"text": fallback(words),
            "blocks": [*text_sections(text, escaped=True), *retry_button(reply)]}


def help_message(text: str) -> Message:
    """The help text, as a code block so it reads as typed."""
    return {"text": "grouppush commands",
            "blocks": [section(f"```{escape_code(text)}```"), context(SLACK_HELP)]}


def result(reply: Reply, actor: str, command: str) -> Message:
    """A change's result for the channel, saying who did it."""
    icon = ICONS.get(reply.status, "")
    words = render(reply)
    blocks: list[Block] = [context(_who(actor, command)),
                           *text_sections(f"{icon} {escape_reply(words)}", escaped=True),
                           *retry_button(reply)]
    return {"text": f"{mention(actor)}: {fallback(words)}", "blocks": blocks}


def retry_button(reply: Reply) -> list[Block]:
    """A Retry button under a failed push's answer (the same as on its alert)."""
    mapping_id = getattr(reply.outcome, "retry_mapping", None)
    if not isinstance(mapping_id, int) or not mapping_id:
        return []
    return [{"type": "actions", "block_id": f"retry:{mapping_id}", "elements": [
        {"type": "button", "action_id": RETRY, "value": str(mapping_id),
         "text": plain("Retry"), "style": "primary"}]}]


def working(actor: str, command: str, done: int | None = None,
            total: int | None = None) -> Message:
    """The channel message of long work while it runs, with progress when known."""
    if done is not None and total:
        share = int(done * 100 / total)
        bar = "▰" * (share // 10) + "▱" * (10 - share // 10)
        line = f":hourglass_flowing_sand: working... {bar} {done:,} of {total:,} members " \
               f"pushed ({share}%)"
    else:
        line = ":hourglass_flowing_sand: working..."
    return {"text": f"{mention(actor)}: working...",
            "blocks": [context(_who(actor, command)), section(line)]}


def asked(reply: Reply, channel: str) -> Message:
    """To whoever asked from the Home tab: their request waits, and where approvers see it."""
    approval = reply.data.get("approval") or {}
    where = f" in <#{channel}>" if channel else " on their Home tab"
    text = (f":lock: Request {escape(str(approval.get('id', '')))} is waiting for an approver: "
            f"{escape(str(approval.get('summary', '')))}. Nothing changes until it is "
            f"approved; the approvers were asked{where}.")
    return {"text": fallback(f"Request {approval.get('id', '')} is waiting for an approver"),
            "blocks": [section(text)]}
