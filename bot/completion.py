"""Tab completion for the console: command words, then group and app names (pure), read from
the operations' usages, so a new command completes as its usage is written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from engine.core import quote
from engine.grammar import normalise
from engine.registry import OPERATIONS


@dataclass(frozen=True)
class Grammar:
    """What completion needs of the commands, derived from their usages."""

    verbs: tuple[str, ...]
    app_after: frozenset[str]
    """The words after which an APP comes (`push GROUP to APP`: to)."""
    app_first: frozenset[str]
    """Verbs whose next word is an APP."""
    no_group: frozenset[str]
    """Verbs that take no GROUP."""
    families: frozenset[str]
    """First words of two-word verbs (rule, bulk)."""


@cache
def grammar() -> Grammar:
    """The typed operations' usages, read once."""
    usages = {verb: cls.spec.usage.split()[len(verb.split()):]
              for verb, cls in OPERATIONS.items() if cls.spec.typed}

    def named(word: str) -> str:
        return word.strip("[].")

    return Grammar(
        verbs=tuple(sorted(usages)),
        app_after=frozenset(words[i - 1] for words in usages.values()
                            for i, word in enumerate(words) if i and named(word) == "APP"),
        app_first=frozenset(v for v, words in usages.items()
                            if words and named(words[0]) == "APP"),
        no_group=frozenset(v for v, words in usages.items()
                           if not any(named(w) == "GROUP" for w in words)),
        families=frozenset(v.split()[0] for v in usages if " " in v))


def complete(line: str, groups: Iterable[str], apps: Iterable[str]) -> list[str]:
    """Whole lines that `line` (as typed so far) can become at its end."""
    known = grammar()
    line = normalise(line)
    words = line.split(" ")
    typed_verb = " ".join(words[:-1]).strip().lower()
    if not typed_verb or typed_verb in known.families:
        return [f"{v} " for v in known.verbs if v.startswith(line.lstrip().lower())]
    verb = next((v for v in sorted(known.verbs, key=len, reverse=True)
                 if typed_verb == v or typed_verb.startswith(v + " ")), "")
    head, last = line[: len(line) - len(words[-1])], words[-1]
    if words[-2].lower() in known.app_after or (verb in known.app_first and typed_verb == verb):
        return [f"{head}{a} " for a in sorted(apps) if a.lower().startswith(last.lower())]
    if not verb or verb in known.no_group:
        return []
    start = len(verb) + 1 + (len(line) - len(line.lstrip()))
    if verb.startswith("bulk "):  # each group is a word of its own, quoted if it has spaces
        start = line.rfind('"') if line.count('"') % 2 else len(head)
    typed = line[start:].lstrip()
    partial = typed.lstrip("\"'").casefold()
    names = [g for g in sorted(set(groups)) if g.casefold().startswith(partial)]
    opened = typed[:1] if typed[:1] in "\"'" else ""
    lines = [f"{line[:start]}{_quoted(g, opened)} " for g in names]
    if len(lines) < 2 or all(c.startswith(line) for c in lines):
        return lines
    # readline replaces the line by what its matches share: each must extend what was typed
    if not verb.startswith("bulk "):  # a bare name runs to the `to`/`on`/`from`
        return [f"{line}{g[len(typed):]} " for g in names]
    return [f'{line[:len(line) - len(typed)]}"{typed}']


def _quoted(name: str, opened: str) -> str:
    """The name in the quotes the person opened, else as a command reads it back."""
    return f"{opened}{name}{opened}" if opened and opened not in name else quote(name)
