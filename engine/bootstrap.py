"""Building the service from grouppush.yml and DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from connectors.base import App
from connectors.registry import build_app, build_directory
from engine.config import Config, load_config
from engine.service import GroupPushService
from storage.db import Database

DEFAULT_CONFIG = "grouppush.yml"


def default_database(config: Config) -> Path:
    """The SQLite file used when DATABASE_URL is not set: named after the config, next to it
    when one is there already (as `grouppush demo --dir` keeps it), else in the working
    directory (the config's own folder may be a checkout's examples/ or a read-only
    /etc/grouppush; two configs keep their data apart)."""
    beside = config.base_dir / f"{config.path.stem}.db"
    return beside if beside.is_file() else Path.cwd() / f"{config.path.stem}.db"


def database_url(config: Config) -> str:
    """DATABASE_URL, or the default SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{default_database(config)}"


def build_service(config: Config, db_url: str | None = None) -> GroupPushService:
    """Connect the directory, the apps and the database named by the config."""
    directory = build_directory(config.directory, config.base_dir)
    apps: dict[str, App] = {name: build_app(name, options, directory=config.directory)
                            for name, options in config.apps.items()}
    return GroupPushService(config, Database(db_url or database_url(config)), directory, apps)


def service_from_env(config_path: str | None = None,
                     tell: Callable[[str], None] | None = None) -> GroupPushService:
    """The service for GROUPPUSH_CONFIG (default ./grouppush.yml) and DATABASE_URL; `tell`
    hears where the data is kept when the default SQLite file is made."""
    path = Path(config_path or os.environ.get("GROUPPUSH_CONFIG") or DEFAULT_CONFIG)
    config = load_config(path)
    new_file = None if os.environ.get("DATABASE_URL") else default_database(config)
    if new_file is not None and new_file.exists():
        new_file = None
    service = build_service(config)
    if new_file is not None and tell is not None:
        tell(f"grouppush keeps its data in {new_file.name}, a new SQLite file in this folder "
             "(set DATABASE_URL to keep it elsewhere).")
    return service
