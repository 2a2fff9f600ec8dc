"""Text bound for a terminal: control characters shown escaped, so a name or an app's message
can neither move the cursor, recolour, retitle the window nor reorder text (ANSI escapes,
C1 controls, bidirectional overrides). Line breaks and tabs of the text itself are kept."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """The text with every control character but newline and tab written as an escape."""
    return _CONTROL.sub(_escaped, text)
