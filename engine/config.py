"""grouppush.yml: read, ${VAR} expanded, checked; a bad file fails with the key and the reason."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connectors import secrets
from connectors.errors import ConfigError
from connectors.settings import closest, settings_from

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
TOP_KEYS = ("directory", "apps", "slack", "schedule", "safety")


@dataclass(frozen=True)
class SlackSettings:
    """Who may change, who may approve, where alerts go."""

    alerts_channel: str = ""
    operators: list[str] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    allow_self_approval: bool = False
    approval_ttl_minutes: int = 60


@dataclass(frozen=True)
class ScheduleSettings:
    """How often the sync and the drift check run inside `grouppush run`."""

    sync_seconds: float = 300.0
    drift_check_seconds: float = 3600.0
    lease_seconds: float = 60.0
    """How long a silent leader keeps the jobs before another instance takes over."""


@dataclass(frozen=True)
class SafetySettings:
    """A sync removing more than this share of a group's members holds for approval."""

    max_removal_share: float = 0.5
    min_group_size: int = 20


@dataclass(frozen=True)
class Config:
    """The whole configuration, with secrets already expanded (never printed)."""

    path: Path
    directory: dict[str, Any]
    apps: dict[str, dict[str, Any]]
    slack: SlackSettings = SlackSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    safety: SafetySettings = SafetySettings()

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the config are taken from."""
        return self.path.parent


def _expand(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{key}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(key, f"environment variable {name} is not set")
            return os.environ[name]

        return _VAR.sub(substitute, value)
    return value


def parse_config(data: Any, path: Path) -> Config:
    """Check a parsed config; raise ConfigError naming the first bad key."""
    if not isinstance(data, dict):
        raise ConfigError("(file)", "must be a mapping with directory: and apps:")
    for key in data:
        if key not in TOP_KEYS:
            near = closest(str(key), TOP_KEYS)
            raise ConfigError(str(key), "unknown key" + (f" (did you mean {near[0]}?)"
                                                         if near else ""))
    data = _expand(data, "")
    secrets.register_settings(data)  # from here on, no message, log line or row shows them
    secrets.register_environment()
    directory = data.get("directory")
    if not isinstance(directory, dict):
        raise ConfigError("directory", "is required: a mapping with type and path")
    apps = data.get("apps") or {}
    if not isinstance(apps, dict):
        raise ConfigError("apps", "must be a mapping of app names to their settings")
    for name, options in apps.items():
        if not isinstance(options, dict) or "type" not in options:
            raise ConfigError(f"apps.{name}", "needs a `type` (scim, box, microsoft365, "
                              "active_directory)")
    return Config(
        path=path,
        directory=directory,
        apps={str(k): v for k, v in apps.items()},
        slack=settings_from(SlackSettings, "slack", data.get("slack") or {}),
        schedule=settings_from(ScheduleSettings, "schedule", data.get("schedule") or {}),
        safety=settings_from(SafetySettings, "safety", data.get("safety") or {}),
    )


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read grouppush.yml."""
    file = Path(path).resolve()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("(file)", f"cannot read {file}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError("(file)", f"{file} is not valid YAML: {exc}") from None
    return parse_config(data, file)
