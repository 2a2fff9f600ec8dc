"""Reading a command's words: the pieces every operation's grammar is written with."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from contextlib import suppress

from connectors.settings import closest
from engine.core import join


class UsageError(ValueError):
    """The text is not a command; the message says what was wrong and how to write it."""

    def __init__(self, message: str, verb: str | None = None, usage: str = "") -> None:
        super().__init__(f"{message}\nUsage: {usage}" if usage else message)
        self.verb = verb
        self.usage = usage


_TYPED = str.maketrans({
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", ""),  # zero-width: copied, not typed
    **dict.fromkeys("\u00a0\u2007\u202f", " "),  # non-breaking spaces
    **dict.fromkeys("\u201c\u201d\u201e\u00ab\u00bb", '"'),  # smart quotes
    **dict.fromkeys("\u2018\u2019\u201a", "'")})


def normalise(text: str) -> str:
    """A line as the person meant it: no zero-width characters, plain spaces and quotes
    (what copying from chat or a word processor brings along)."""
    return text.translate(_TYPED)


AS_TYPED = re.compile(r"(?:^|\s)--regex(?:\s+|$)")
"""The flag after which the rest of the line is one word, backslashes kept (a pattern)."""
TRAILING = re.compile(r"\s--dry-run\s*$")


def split(text: str) -> list[str]:
    """The words of a command line, quotes honoured, after `normalise`; everything after
    `--regex` is one word as typed (a pattern wholly in quotes loses only its quotes)."""
    text = normalise(text)
    tail: list[str] = []
    flag = AS_TYPED.search(text)
    if flag:
        text, pattern = text[:flag.start()], text[flag.end():].strip()
        dry = TRAILING.search(" " + pattern)
        if dry:
            pattern = (" " + pattern)[:dry.start()].strip()
        tail = ["--regex", *([_unquoted(pattern)] if pattern else []),
                *(["--dry-run"] if dry else [])]
    try:
        return shlex.split(text) + tail
    except ValueError as exc:
        raise UsageError(f"Cannot read the command: {exc} (a quote is not closed?).") from None


def _unquoted(pattern: str) -> str:
    """A pattern as typed, or without its quotes when it is one quoted word."""
    if pattern[:1] in "'\"":
        with suppress(ValueError):
            words = shlex.split(pattern)
            if len(words) == 1:
                return words[0]
    return pattern


PREPOSITIONS = ("to", "on", "from", "in", "into", "at", "for")
"""Words people put before the app; each command takes one of them."""


class Words:
    """The words after a command's verb, consumed by its grammar; errors name the usage."""

    def __init__(self, verb: str, usage: str, words: list[str]) -> None:
        self.verb, self.usage, self.rest = verb, usage, list(words)

    def error(self, message: str) -> UsageError:
        """A usage error of this command."""
        return UsageError(message, self.verb, self.usage)

    def around(self, keyword: str, what: str = "a group and an app") -> tuple[str, str]:
        """NAME KEYWORD APP: the name may be several unquoted words; APP is one word."""
        positions = [i for i, w in enumerate(self.rest) if w.lower() == keyword]
        if not positions:
            self._wrong_word(keyword)
        if not positions or positions[-1] == 0 or positions[-1] + 1 >= len(self.rest):
            raise self.error(f"`{self.verb}` needs {what}.")
        at = positions[-1]
        name, app = " ".join(self.rest[:at]), self.rest[at + 1]
        self.rest = self.rest[at + 2:]
        return name, app

    def _wrong_word(self, keyword: str) -> None:
        """`push Sales on box`: say which word goes before the app, with the line fixed."""
        for at in range(len(self.rest) - 2, 0, -1):
            if self.rest[at].lower() in PREPOSITIONS:
                fixed = [*self.rest[:at], keyword, *self.rest[at + 1:]]
                raise self.error(f"`{self.verb}` takes `{keyword}` before the app, not "
                                 f"`{self.rest[at]}`: `{self.verb} {join(fixed)}`.")

    def flag(self, name: str) -> bool:
        """Whether a boolean flag was given (consumed)."""
        found = name in self.rest
        self.rest = [w for w in self.rest if w != name]
        return found

    def value(self, name: str) -> str | None:
        """The value after a flag (both consumed), or None when the flag is not there."""
        if name not in self.rest:
            return None
        at = self.rest.index(name)
        if at + 1 >= len(self.rest) or self.rest[at + 1].startswith("--"):
            raise self.error(f"`{name}` needs a value after it.")
        value = self.rest[at + 1]
        del self.rest[at:at + 2]
        return value

    def optional(self) -> str | None:
        """At most one more word (not a flag)."""
        words = [w for w in self.rest if not w.startswith("--")]
        if len(words) > 1:
            raise self.error(f"`{self.verb}` takes at most one name here, not "
                             f"{join(words)}.")
        self.rest = [w for w in self.rest if w.startswith("--")]
        return words[0] if words else None

    def one(self, what: str) -> str:
        """Exactly one more word."""
        words = [w for w in self.rest if not w.startswith("--")]
        if len(words) != 1:
            raise self.error(f"`{self.verb}` needs one {what}.")
        self.rest.remove(words[0])
        return words[0]

    def text(self, what: str) -> str:
        """All the words left, as one text (at least one)."""
        words = [w for w in self.rest if not w.startswith("--")]
        if not words:
            raise self.error(f"`{self.verb}` needs {what}.")
        self.rest = [w for w in self.rest if w.startswith("--")]
        return " ".join(words)

    def done(self, allowed: Iterable[str] = ()) -> None:
        """No word may be left; an unknown flag is named with the closest valid one."""
        for word in self.rest:
            near = closest(word, list(allowed))
            tip = f" Did you mean {near[0]}?" if near else ""
            raise self.error(f"Unexpected `{word}`.{tip}")
