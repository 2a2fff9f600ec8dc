"""A grouppush workspace for tests: grouppush.yml + directory.yml on disk, a real SCIM app."""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.cli import main
from engine.bootstrap import build_service
from engine.config import load_config
from engine.core import Outcome
from engine.executor import run_line
from engine.service import GroupPushService
from tests.servers import ScimTenant


@dataclass
class Result:
    """What `grouppush exec` printed and returned."""

    code: int
    out: str
    err: str = ""

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def field_value(self, name: str) -> str:
        """One `  Name: value` line of a text answer (as `info` prints them)."""
        for line in self.out.splitlines():
            if line.strip().startswith(f"{name}:"):
                return line.split(":", 1)[1].strip()
        raise AssertionError(f"no {name} in {self.out}")


@dataclass
class Workspace:
    """Files and servers for one test; `exec` runs `grouppush exec` in this process."""

    folder: Path
    app: ScimTenant
    users: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    assignments: dict[str, list[str]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    database: str | None = None

    @property
    def config_path(self) -> Path:
        return self.folder / "grouppush.yml"

    @property
    def db_url(self) -> str:
        return self.database or f"sqlite:///{self.folder / 'grouppush.db'}"

    def add_user(self, uid: str, status: str = "ACTIVE", in_app: bool = True) -> str:
        login = f"{uid}@acme.test"
        self.users.append({"id": uid, "login": login, "status": status,
                           "first_name": uid.title(), "last_name": "Test"})
        if in_app:
            self.app.create_users([login])
        return login

    def add_group(self, gid: str, name: str, members: Iterable[str]) -> None:
        self.groups.append({"id": gid, "name": name, "description": f"{name} team",
                            "members": list(members)})

    def set_status(self, uid: str, status: str) -> None:
        for user in self.users:
            if user["id"] == uid:
                user["status"] = status
        self.write()

    def set_members(self, gid: str, members: Iterable[str]) -> None:
        for group in self.groups:
            if group["id"] == gid:
                group["members"] = list(members)
        self.write()

    def write(self) -> None:
        (self.folder / "directory.yml").write_text(yaml.safe_dump(
            {"users": self.users, "groups": self.groups, "assignments": self.assignments},
            sort_keys=False))
        self.config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        # the directory file is re-read when its mtime or size changes, once it has not
        # changed for directory.settle_seconds: date it a few seconds back (each write differs)
        stat = (self.folder / "directory.yml").stat()
        os.utime(self.folder / "directory.yml", ns=(stat.st_atime_ns,
                                                    time.time_ns() - 5_000_000_000))

    def exec(self, text: str, as_user: str = "console", as_json: bool = False) -> Result:
        args = ["exec", text, "--as", as_user]
        if as_json:
            args.append("--json")
        return self.cli(*args)

    def run(self, text: str, as_user: str = "console") -> Outcome:
        """Run one command line through the executor in this process; its typed outcome."""
        return run_line(self.service(), text, as_user).outcome

    def cli(self, *args: str) -> Result:
        """`grouppush --config ... ARGS` in this process, on this workspace's database."""
        out, err = io.StringIO(), io.StringIO()
        env_before = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = self.db_url
        try:
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    code = main(["--config", str(self.config_path), *args])
                except SystemExit as exit_:
                    code = int(exit_.code or 0)
        finally:
            if env_before is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = env_before
        return Result(code, out.getvalue(), err.getvalue())

    def service(self) -> GroupPushService:
        return build_service(load_config(self.config_path), self.db_url)


def make_workspace(folder: Path, app: ScimTenant, **slack: Any) -> Workspace:
    """A workspace with a `box` SCIM app and the given slack settings."""
    ws = Workspace(folder=folder, app=app)
    ws.config = {
        "directory": {"type": "file", "path": "directory.yml"},
        "apps": {"box": {"type": "scim", "url": app.url, "token": "${TEST_SCIM_TOKEN}",
                         "enhanced_group_push": False}},
        "slack": {"alerts_channel": "C0ALERTS", "operators": [],
                  "approvers": ["U0APPROVER"], "allow_self_approval": False,
                  "approval_ttl_minutes": 60, **slack},
        "schedule": {"sync_seconds": 300, "drift_check_seconds": 3600},
    }
    os.environ["TEST_SCIM_TOKEN"] = app.token
    return ws
