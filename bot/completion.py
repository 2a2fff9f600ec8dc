"""Tab completion for the console: command words, then group and app names (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from engine.grammar import normalise
from engine.words import typeable

APP_AFTER = ("to", "on", "from")
"""The words after which an APP comes."""
APP_FIRST = ("list", "sync", "check", "rule list", "bulk deactivate", "bulk delete")
"""Verbs whose next word is an APP."""
NO_GROUP = ("help", "apps", "search", "rule add", "rule remove", "repush", "approve", "deny",
            "audit", "rule")


def complete(line: str, verbs: Iterable[str], groups: Iterable[str],
             apps: Iterable[str]) -> list[str]:
    """Whole lines that `line` (as typed so far) can become at its end."""
    line = normalise(line)
    verbs = sorted(verbs)
    words = line.split(" ")
    typed_verb = " ".join(words[:-1]).strip().lower()
    if not typed_verb or typed_verb in ("rule", "bulk"):
        return [f"{v} " for v in verbs if v.startswith(line.lstrip().lower())]
    verb = next((v for v in sorted(verbs, key=len, reverse=True)
                 if typed_verb == v or typed_verb.startswith(v + " ")), "")
    head, last = line[: len(line) - len(words[-1])], words[-1]
    if words[-2].lower() in APP_AFTER or (verb in APP_FIRST and typed_verb == verb):
        return [f"{head}{a} " for a in sorted(apps) if a.lower().startswith(last.lower())]
    if not verb or verb in NO_GROUP:
        return []
    start = len(verb) + 1 + (len(line) - len(line.lstrip()))
    if verb.startswith("bulk "):  # each group is a word of its own, quoted if it has spaces
        start = line.rfind('"') if line.count('"') % 2 else len(head)
    typed = line[start:].lstrip()
    partial = typed.lstrip("\"'").casefold()
    names = [g for g in sorted(set(groups)) if g.casefold().startswith(partial)]
    quote = typed[:1] if typed[:1] in "\"'" else ""
    lines = [f"{line[:start]}{_quoted(g, quote)} " for g in names]
    if len(lines) < 2 or all(c.startswith(line) for c in lines):
        return lines
    # readline replaces the line by what its matches share: each must extend what was typed
    if not verb.startswith("bulk "):  # a bare name runs to the `to`/`on`/`from`
        return [f"{line}{g[len(typed):]} " for g in names]
    return [f'{line[:len(line) - len(typed)]}"{typed}']


def _quoted(name: str, quote: str) -> str:
    """The name in the quotes the person opened, else as a command reads it back."""
    return f"{quote}{name}{quote}" if quote and quote not in name else typeable(name)
