"""Text for Slack: mrkdwn escaping, mentions, text objects and size limits (pure)."""

from __future__ import annotations

import re
from typing import Any

from engine.grammar import normalise

Block = dict[str, Any]

ZWSP = "\u200b"
SECTION_LIMIT = 2900
"""A section's text may hold 3000 characters; keep a margin for what wraps it."""
MAX_SECTIONS = 40
"""A message may hold 50 blocks; long answers are cut before that."""
_FORMATTING = re.compile(r"(?<![^\W_])[*_~`]|[*_~`](?![^\W_])")
"""A formatting mark that could open or close bold, italic, strike or code: not one between
two letters or digits (as in enhanced_group_push), which Slack leaves alone."""
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"(?<![\w@<`])[UW](?=[A-Z0-9]*\d)[A-Z0-9]{8,11}(?![\w>`])")
"""A Slack user id in running text: U or W, then 8 to 11 capitals and digits, a digit among
them (so words like UTC or WORKSPACES stay words)."""
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def escape(text: str) -> str:
    """Text shown as written in mrkdwn: no mentions, links or bold/italic/strike/code."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _FORMATTING.sub(lambda m: f"{ZWSP}{m.group(0)}{ZWSP}", text)


def escape_reply(text: str) -> str:
    """grouppush's own words for mrkdwn: its `command` spans stay code (copied as typed, no
    zero-width characters in them), everything else is escaped as text, and Slack user ids
    become mentions."""
    pieces = []
    for n, piece in enumerate(_CODE_SPAN.split(text)):
        if n % 2:
            pieces.append("`" + _html(piece) + "`")
            continue
        ids = _USER_ID.findall(piece)
        for at, found in enumerate(ids):
            piece = piece.replace(found, f"\0{at}\0", 1)
        piece = escape(piece)
        for at, found in enumerate(ids):
            piece = piece.replace(f"\0{at}\0", f"<@{found}>", 1)
        pieces.append(piece)
    return "".join(pieces)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_code(text: str) -> str:
    """Text for inside a ``` block: only the control characters need escaping there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("```", f"`{ZWSP}``")


def unescape_command(text: str) -> str:
    """What a person typed after /grouppush: Slack's &amp; &lt; &gt; and smart quotes undone."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return normalise(text).strip()


def mention(actor: str) -> str:
    """A Slack user mention for a Slack user id; anyone else (console, cli) as escaped text."""
    return f"<@{actor}>" if _SLACK_ID.match(actor) else escape(actor)


def plain(text: str, limit: int = 3000) -> Block:
    """A plain_text object, cut to the limit."""
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": True}


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object (the caller escapes what came from outside)."""
    return {"type": "mrkdwn", "text": clip(text or " ", 3000)}


def section(text: str) -> Block:
    """A section of mrkdwn."""
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> Block:
    """A small grey line of mrkdwn."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def clip(text: str, limit: int) -> str:
    """The text cut to `limit` characters, marked with … when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """The text split on line ends into pieces of at most `limit` characters."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def text_sections(text: str, escaped: bool = False) -> list[Block]:
    """Sections holding a (possibly long) engine text, escaped, cut to what a message holds."""
    body = text if escaped else escape_reply(text)
    pieces = chunks(body)
    if len(pieces) > MAX_SECTIONS:
        rest = sum(p.count("\n") + 1 for p in pieces[MAX_SECTIONS - 1:])
        pieces = [*pieces[: MAX_SECTIONS - 1], f"… and {rest} more lines (the console and "
                  "`grouppush exec` show everything)."]
    return [section(p) for p in pieces]


def fallback(text: str, limit: int = 300) -> str:
    """The notification text of a message: its first line, escaped and short."""
    first = text.strip().split("\n", 1)[0]
    return escape_reply(clip(first, limit))
