"""Building the service from grouppush.yml and DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path

from connectors.base import App
from connectors.registry import build_app, build_directory
from engine.config import Config, load_config
from engine.service import GroupPushService
from storage.db import Database

DEFAULT_CONFIG = "grouppush.yml"


def database_url(config: Config) -> str:
    """DATABASE_URL, or a SQLite file next to the config."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{config.base_dir / 'grouppush.db'}"


def build_service(config: Config, db_url: str | None = None) -> GroupPushService:
    """Connect the directory, the apps and the database named by the config."""
    directory = build_directory(config.directory, config.base_dir)
    apps: dict[str, App] = {name: build_app(name, options)
                            for name, options in config.apps.items()}
    return GroupPushService(config, Database(db_url or database_url(config)), directory, apps)


def service_from_env(config_path: str | None = None) -> GroupPushService:
    """The service for GROUPPUSH_CONFIG (default ./grouppush.yml) and DATABASE_URL."""
    path = Path(config_path or os.environ.get("GROUPPUSH_CONFIG") or DEFAULT_CONFIG)
    return build_service(load_config(path))
