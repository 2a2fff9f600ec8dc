"""`grouppush config check [--online]`: every problem of grouppush.yml and the directory file
at once, without starting anything; online, each part signed in to, changing nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from connectors.base import App, Directory
from connectors.errors import ConfigError, ConnectorError
from connectors.registry import build_app, build_directory
from connectors.settings import ConfigProblems
from engine.config import Config, read_config, read_yaml
from engine.protected import found_in


@dataclass(frozen=True)
class PartCheck:
    """How one part (the directory, an app, Slack) answered an online check."""

    part: str
    ok: bool
    detail: str


@dataclass
class CheckedConfig:
    """The config as far as it could be read, the parts built from it, and every problem."""

    config: Config | None
    directory: Directory | None
    apps: dict[str, App]
    problems: list[ConfigError]


def _problems(error: ConfigError) -> list[ConfigError]:
    return error.problems if isinstance(error, ConfigProblems) else [error]


def check_config(path: str | os.PathLike[str]) -> CheckedConfig:
    """Read the config, build (without connecting) the directory and each app, and read a
    directory file: every problem found, each naming its key."""
    try:
        file, data = read_yaml(path)
    except ConfigError as error:
        return CheckedConfig(None, None, {}, [error])
    config, problems = read_config(data, file)
    if config is None:
        return CheckedConfig(None, None, {}, problems)
    directory: Directory | None = None
    try:
        directory = build_directory(config.directory, config.base_dir) if config.directory \
            else None
    except ConfigError as error:
        problems += _problems(error)
    if directory is not None and config.directory.get("type", "file") == "file" \
            and Path(config.base_dir / str(config.directory.get("path", ""))).is_file():
        try:
            directory.full_read()  # a directory file: parsed whole
        except ConnectorError as error:
            problems.append(ConfigError("directory.path", error.describe()))
    apps: dict[str, App] = {}
    for name, options in config.apps.items():
        try:
            apps[name] = build_app(name, options, directory=config.directory)
        except ConfigError as error:
            problems += _problems(error)
    return CheckedConfig(config, directory, apps, _unset_first(problems))


def config_warnings(config: Config) -> list[str]:
    """Settings that are valid but leave something nobody can do."""
    if not config.slack.approvers:
        return ["config `slack.approvers` is empty: unlink and bulk delete make approval "
                "requests nobody can approve; list the Slack user IDs who may approve"]
    return []


UNSET = "environment variable "


def _unset_first(problems: list[ConfigError]) -> list[ConfigError]:
    """The problems without those that only follow from a ${VAR} left unset (a `token` that
    looks empty is the variable's problem, said once)."""
    unset = [p.key for p in problems if p.reason.startswith(UNSET)]

    def follows(problem: ConfigError) -> bool:
        section = problem.key.rpartition(".")[0]
        if problem.reason.startswith((UNSET, "unknown key")):
            return False
        return any(
            problem.key == key or (section == key.rpartition(".")[0]
                                   and key.rpartition(".")[2] in problem.reason)
            for key in unset)
    return [p for p in problems if not follows(p)]


def check_online(checked: CheckedConfig) -> list[PartCheck]:
    """Sign in to the directory and to each app, reading only."""
    parts = []
    if checked.directory is not None:
        try:
            found = checked.directory.search_groups("", limit=1)
            parts.append(PartCheck("directory", True, f"signed in ({len(found)} group read)"))
        except ConnectorError as error:
            parts.append(PartCheck("directory", False, error.describe()))
    for name, app in checked.apps.items():
        try:
            health = app.health()
            guarded = found_in(checked.config, app) if checked.config is not None else ""
            parts.append(PartCheck(f"apps.{name}", True,
                                   f"{health}; {guarded}" if guarded else health))
        except ConnectorError as error:
            parts.append(PartCheck(f"apps.{name}", False, error.describe()))
        finally:
            app.close()
    return parts
