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
from connectors.settings import ConfigProblems, closest, read_settings

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
    full_read_seconds: float = 86400.0
    """How often the kept directory is read whole (deltas and event hooks in between)."""
    lease_seconds: float = 60.0
    """How long a silent leader keeps the jobs before another instance takes over."""


@dataclass(frozen=True)
class SafetySettings:
    """When a sync's removals hold for approval: more than a share of one group's members,
    or more memberships in total than max_removals_per_sync."""

    max_removal_share: float = 0.5
    min_group_size: int = 20
    max_removals_per_sync: int = 500
    """Memberships one sync may remove in total (every group on every app it syncs); more
    wait as one approval request while additions go ahead."""
    max_directory_loss: float = 0.1
    """A directory read that lost more than this share of the pushed groups, or of their
    active memberships, since the last good read holds every removal
    (engine/approvals/directory_loss.py)."""
    protected_groups: list[str] = field(default_factory=list)
    """Group name patterns (* and ?, any case) never linked, overwritten, emptied or deleted."""


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


def _expand(value: Any, key: str, problems: list[ConfigError]) -> Any:
    """${VAR} replaced from the environment; each variable missing is one problem."""
    if isinstance(value, dict):
        return {k: _expand(v, f"{key}.{k}" if key else str(k), problems)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{key}[{i}]", problems) for i, v in enumerate(value)]
    if isinstance(value, str):
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                problems.append(ConfigError(key, f"environment variable {name} is not set"))
                return ""
            return os.environ[name]

        return _VAR.sub(substitute, value)
    return value


def _section(cls: type[Any], name: str, data: dict[str, Any],
             problems: list[ConfigError]) -> Any:
    """A settings section from its good keys (its problems are kept), so the values given
    are checked even when a key next to them is unknown."""
    section = data.get(name) or {}
    if not isinstance(section, dict):
        problems.append(ConfigError(name, f"must be a mapping of settings, not {section!r}"))
        return cls()
    settings, found = read_settings(cls, name, section)
    problems.extend(found)
    return settings if settings is not None else cls()


def value_problems(config: Config) -> list[ConfigError]:
    """Values of the right type that still cannot work: zero intervals, shares outside
    (0, 1], a directory file that is not there."""
    problems = []
    for name, seconds in vars(config.schedule).items():
        if name.endswith("_seconds") and seconds <= 0:
            problems.append(ConfigError(f"schedule.{name}",
                                        f"must be more than 0, not {seconds:g}"))
    shares = {"safety.max_removal_share": config.safety.max_removal_share,
              "directory.max_rate_share": config.directory.get("max_rate_share", 1)}
    for key, share in shares.items():
        if not isinstance(share, int | float) or isinstance(share, bool) or not 0 < share <= 1:
            problems.append(ConfigError(key, f"must be a share within (0, 1], such as 0.5, "
                                        f"not {share!r}"))
    loss = config.safety.max_directory_loss
    if not 0 <= loss <= 1:
        problems.append(ConfigError("safety.max_directory_loss", "must be a share within "
                                    f"[0, 1], such as 0.1, not {loss!r}"))
    if config.directory.get("type", "file") == "file" and config.directory.get("path"):
        path = config.base_dir / str(config.directory["path"])
        if path.is_dir():
            problems.append(ConfigError("directory.path", f"{path} is a folder, not a file"))
        elif not path.is_file():
            problems.append(ConfigError("directory.path", f"{path} does not exist"))
    return problems


def read_config(data: Any, path: Path) -> tuple[Config | None, list[ConfigError]]:
    """The config and every problem found in it (None when it cannot be built at all)."""
    if not isinstance(data, dict):
        return None, [ConfigError("(file)", "must be a mapping with directory: and apps:")]
    problems: list[ConfigError] = []
    for key in data:
        if key not in TOP_KEYS:
            near = closest(str(key), TOP_KEYS)
            problems.append(ConfigError(str(key), "unknown key" + (
                f" (did you mean {near[0]}?)" if near else "")))
    data = _expand(data, "", problems)
    secrets.register_settings(data)  # from here on, no message, log line or row shows them
    secrets.register_environment()
    directory = data.get("directory")
    if not isinstance(directory, dict):
        problems.append(ConfigError("directory", "is required: a mapping with type and path"))
        directory = {}
    apps = data.get("apps") or {}
    if not isinstance(apps, dict):
        problems.append(ConfigError("apps", "must be a mapping of app names to their settings"))
        apps = {}
    for name, options in apps.items():
        if not isinstance(options, dict) or "type" not in options:
            problems.append(ConfigError(f"apps.{name}", "needs a `type` (scim, box, "
                                        "microsoft365, active_directory, okta_group_push)"))
        elif options.get("type") == "okta_group_push" and isinstance(directory, dict) \
                and directory.get("type", "file") != "okta":
            problems.append(ConfigError(f"apps.{name}.type", "an okta_group_push app needs "
                                        "directory.type: okta (Okta pushes its groups)"))
    config = Config(
        path=path, directory=directory,
        apps={str(k): v for k, v in apps.items() if isinstance(v, dict) and "type" in v},
        slack=_section(SlackSettings, "slack", data, problems),
        schedule=_section(ScheduleSettings, "schedule", data, problems),
        safety=_section(SafetySettings, "safety", data, problems),
    )
    return config, problems + (value_problems(config) if directory else [])


def parse_config(data: Any, path: Path) -> Config:
    """Check a parsed config; raise ConfigProblems naming every bad key at once."""
    config, problems = read_config(data, path)
    if problems or config is None:
        raise ConfigProblems(problems)
    return config


def read_yaml(path: str | os.PathLike[str]) -> tuple[Path, Any]:
    """The resolved path of grouppush.yml and its parsed content."""
    file = Path(path).resolve()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("(file)", f"cannot read {file}: there is no such file. Name yours "
                          "with --config FILE or GROUPPUSH_CONFIG, start from one in the "
                          "checkout's examples/ (grouppush.scim.yml), or try `grouppush "
                          "demo`, which needs none") from None
    except OSError as exc:
        raise ConfigError("(file)", f"cannot read {file}: {exc.strerror}") from None
    try:
        return file, yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError("(file)", f"{file} is not valid YAML: {exc}") from None


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read grouppush.yml."""
    file, data = read_yaml(path)
    return parse_config(data, file)
