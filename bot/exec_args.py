"""`grouppush exec push Finance to app --dry-run`: the command's own flags, unquoted, are
part of its text; only exec's options (--as, --json, --config, --help) are exec's."""

from __future__ import annotations

import shlex

EXEC_OPTIONS = {"--as": True, "--config": True, "--json": False, "-h": False, "--help": False}
"""exec's own options, and whether each takes a value."""


def exec_argv(argv: list[str]) -> list[str]:
    """argv with the words of `exec`'s command after `--`, so argparse takes every one of
    them (flags too) as the command's text, in the order typed."""
    at = next((i for i, word in enumerate(argv) if not word.startswith("-") and
               (i == 0 or argv[i - 1] != "--config")), None)
    if at is None or argv[at] != "exec" or "--" in argv[at:]:
        return argv
    own: list[str] = []
    text: list[str] = []
    rest = argv[at + 1:]
    while rest:
        word = rest.pop(0)
        name = word.split("=", 1)[0]
        if name in EXEC_OPTIONS and text[-1:] != ["--regex"]:
            own.append(word)
            if EXEC_OPTIONS[name] and "=" not in word and rest:
                own.append(rest.pop(0))
        else:
            text.append(word)
    return [*argv[:at + 1], *own, "--", *text] if text else argv


def exec_text(words: list[str]) -> str:
    """The command line `exec`'s words stand for: `exec "info Sales on box"` as given, `exec
    info "Sales Team" on box` quoted back; the words after `--regex` as typed (a pattern)."""
    if len(words) == 1:
        return words[0]
    at = words.index("--regex") + 1 if "--regex" in words else len(words)
    return " ".join([shlex.join(words[:at]), *words[at:]])
