"""Which connector serves which `type:` of grouppush.yml."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import httpx

from connectors.base import App, Directory
from connectors.errors import ConfigError
from connectors.settings import closest

APP_TYPES = {
    "scim": "connectors.scim",
    "box": "connectors.box",
    "microsoft365": "connectors.microsoft365",
    "active_directory": "connectors.active_directory",
    "okta_group_push": "connectors.okta_group_push",
}
DIRECTORY_TYPES = {"file", "okta"}
SETTLE_SECONDS = 1.0
"""A changed directory file is read once it has not changed for this long."""


def build_app(name: str, options: dict[str, Any], client: httpx.Client | None = None,
              directory: dict[str, Any] | None = None) -> App:
    """The connector of one `apps.NAME` section (its module has `build(name, options, client)`;
    an okta_group_push app also takes the `directory:` section, whose Okta org it drives)."""
    kind = str(options.get("type", ""))
    if kind not in APP_TYPES:
        near = closest(kind, APP_TYPES)
        tip = f"did you mean {near[0]}?" if near else f"one of {', '.join(APP_TYPES)}"
        raise ConfigError(f"apps.{name}.type", f"unknown app type {kind!r} ({tip})")
    module = importlib.import_module(APP_TYPES[kind])
    app: App = (module.build(name, options, client, directory) if kind == "okta_group_push"
                else module.build(name, options, client))
    return app


def build_directory(options: dict[str, Any], base_dir: Path,
                    client: httpx.Client | None = None) -> Directory:
    """The directory of the `directory:` section."""
    kind = str(options.get("type", "file"))
    if kind == "file":
        from connectors.directory_file import FileDirectory

        if "path" not in options:
            raise ConfigError("directory.path", "is required for a file directory")
        path = Path(str(options["path"]))
        settle = options.get("settle_seconds", SETTLE_SECONDS)
        if isinstance(settle, bool) or not isinstance(settle, int | float) or settle < 0:
            raise ConfigError("directory.settle_seconds",
                              f"must be a number of seconds (0 or more), not {settle!r}")
        return FileDirectory(path if path.is_absolute() else base_dir / path, float(settle))
    if kind == "okta":
        module = importlib.import_module("connectors.okta")
        directory: Directory = module.build(options, client)
        return directory
    near = closest(kind, DIRECTORY_TYPES)
    tip = f"did you mean {near[0]}?" if near else "file or okta"
    raise ConfigError("directory.type", f"unknown directory type {kind!r} ({tip})")
