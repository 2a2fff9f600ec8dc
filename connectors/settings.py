"""Turning an app's section of grouppush.yml into its connector's typed settings."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from typing import Any, TypeVar

from connectors.errors import ConfigError

T = TypeVar("T")
COMMON_KEYS = {"type"}


def closest(word: str, choices: typing.Iterable[str], n: int = 3) -> list[str]:
    """The choices nearest to a word, best first."""
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.5)


def _coerce(key: str, value: Any, hint: Any) -> Any:
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in kinds:
        return None
    for kind in kinds:
        if kind is bool and isinstance(value, bool):
            return value
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            if value < 1:
                raise ConfigError(key, f"must be a positive number, not {value}")
            return value
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if kind is str and isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        if typing.get_origin(kind) is list and isinstance(value, list):
            return [str(v) for v in value]
    names = " or ".join(getattr(k, "__name__", str(k)) for k in kinds if k is not type(None))
    raise ConfigError(key, f"must be {names}, not {value!r}")


class ConfigProblems(ConfigError):
    """Every problem found at once; reads as one line per problem, and as a ConfigError
    naming the first."""

    def __init__(self, problems: list[ConfigError]) -> None:
        self.problems = problems or [ConfigError("(file)", "is not a valid configuration")]
        super().__init__(self.problems[0].key, self.problems[0].reason)
        self.args = ("\n".join(str(problem) for problem in self.problems),)


def settings_from(cls: type[T], prefix: str, options: dict[str, Any]) -> T:
    """Build a settings dataclass from a config section; every unknown, missing or bad key
    is named (ConfigProblems)."""
    settings, problems = read_settings(cls, prefix, options)
    if problems or settings is None:
        raise ConfigProblems(problems)
    return settings


def read_settings(cls: type[T], prefix: str,
                  options: dict[str, Any]) -> tuple[T | None, list[ConfigError]]:
    """A settings dataclass from the section's good keys (None when a required one is
    missing or bad) and every unknown, missing or bad key, so values can be checked too."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    problems = []
    for key in options:
        if key not in fields and key not in COMMON_KEYS:
            near = closest(key, fields)
            tip = f" (did you mean {near[0]}?)" if near else f" (known: {', '.join(fields)})"
            problems.append(ConfigError(f"{prefix}.{key}", f"unknown key{tip}"))
    values = {}
    for name, field in fields.items():
        if name in options:
            try:
                values[name] = _coerce(f"{prefix}.{name}", options[name], hints[name])
            except ConfigError as bad:
                problems.append(bad)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            problems.append(ConfigError(f"{prefix}.{name}", "is required"))
    required = [n for n, f in fields.items() if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING]
    if any(name not in values for name in required):
        return None, problems
    return cls(**values), problems
