"""`grouppush demo`: a sample directory, a local SCIM app served in-process, the console."""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import yaml

FIRST = ["Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Ken", "Laura", "Mallory", "Niaj", "Olivia", "Peggy", "Quentin", "Rupert", "Sybil",
         "Trent", "Uma", "Victor", "Wendy", "Xavier", "Yara", "Zoe"]
LAST = ["Doe", "Smith", "Jones", "Brown", "Garcia", "Miller", "Davis", "Lopez", "Wilson",
        "Moore", "Taylor", "Clark"]
TEAMS = ["Sales", "Sales Ops", "Sales EMEA", "Sales APAC", "Marketing", "Engineering",
         "Engineering Platform", "Engineering Mobile", "Design", "Support", "Support Tier 2",
         "Finance", "Legal", "HR", "IT", "Security", "Data", "Product", "Research",
         "Operations", "Facilities", "Recruiting", "Partners", "Customer Success",
         "Project Apollo", "Project Gemini", "Project Mercury", "Contractors", "Interns",
         "Managers", "Executives", "Board", "All Hands London", "All Hands Berlin",
         "All Hands NYC", "Book Club"]
INACTIVE = ["SUSPENDED", "DEPROVISIONED", "STAGED", "PROVISIONED"]
APP = "demo-scim"
"""The demo's one app: a SCIM 2.0 app served in this process (named for what it is, not a
connector type such as box)."""


def sample_directory(users: int = 300, seed: int = 7) -> dict[str, object]:
    """A directory of `users` people and dozens of groups, the same every time."""
    rng = random.Random(seed)
    people = []
    for i in range(users):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        status = rng.choice(INACTIVE) if rng.random() < 0.08 else \
            rng.choice(["ACTIVE"] * 12 + ["LOCKED_OUT", "PASSWORD_EXPIRED", "RECOVERY"])
        people.append({"id": f"u{i:04d}", "login": f"{first}.{last}{i}@acme.test".lower(),
                       "status": status, "first_name": first, "last_name": last})
    groups = []
    for n, team in enumerate(TEAMS):
        size = 45 if team == "Sales" else rng.randint(8, 60)
        members = sorted(rng.sample([p["id"] for p in people], size))
        groups.append({"id": f"g{n:03d}", "name": team, "description": f"{team} team",
                       "members": members})
    return {"users": people, "groups": groups, "assignments": {APP: ["g014"]}}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep the console clean of access logs."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def local_scim_app(token: str) -> Iterator[str]:
    """A scim2-server application served on loopback in this process; yields its base URL."""
    from scim2_models import ScimProvider
    from scim2_server.memory import InMemoryStorage
    from scim2_server.service import ScimService
    from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
    from scim2_server.utils import (
        load_default_resource_types,
        load_default_schemas,
        load_default_service_provider_config,
    )

    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(load_default_schemas().values(),
                                           load_default_resource_types().values(), config=config)
    app = BearerTokenApplication(InMemoryStorage(), provider,
                                 service=ScimService(provider, secret=secrets.token_urlsafe(32)),
                                 bearer_tokens=[token])
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingServer,
                         handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v2"
    finally:
        server.shutdown()
        server.server_close()


def seed_app_users(url: str, token: str, logins: list[str]) -> None:
    """Create the app's users (people need an account in the app before groups matter)."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        for login in logins:
            client.post("/Users", json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": login,
            }).raise_for_status()


MARK = "# written by `grouppush demo`: rewritten at each demo start\n"


class NotADemoFolder(Exception):
    """The folder holds a grouppush.yml the demo did not write (never overwritten)."""


def write_demo_files(folder: Path, url: str, token: str, kept: bool = False) -> Path:
    """directory.yml (kept when a kept folder has one) and grouppush.yml for the demo;
    returns the config path. A kept folder's config holds the app's token itself, so other
    terminals need no variable (the file is its owner's only)."""
    path = folder / "grouppush.yml"
    if kept and path.exists() and not path.read_text().startswith(MARK):
        raise NotADemoFolder(f"{path} was not written by grouppush demo; choose an empty or "
                             "new folder for --dir (the demo rewrites its grouppush.yml)")
    if not (kept and (folder / "directory.yml").exists()):
        (folder / "directory.yml").write_text(yaml.safe_dump(sample_directory(),
                                                             sort_keys=False))
    config = {
        "directory": {"type": "file", "path": "directory.yml"},
        "apps": {APP: {"type": "scim", "url": url,
                       "token": token if kept else "${GROUPPUSH_DEMO_TOKEN}",
                       "enhanced_group_push": False}},
        "slack": {"alerts_channel": "", "operators": [], "approvers": ["console"],
                  "allow_self_approval": True, "approval_ttl_minutes": 60},
        "schedule": {"sync_seconds": 300, "drift_check_seconds": 3600},
    }
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(MARK + yaml.safe_dump(config, sort_keys=False))
    return path


def demo_logins(directory: dict[str, object]) -> list[str]:
    """Everyone but a handful has an account in the demo app, so `info` can show skipped."""
    users = directory["users"]
    assert isinstance(users, list)
    return [u["login"] for i, u in enumerate(users) if i % 20 != 3]


@contextmanager
def demo_world(folder: Path) -> Iterator[Path]:
    """The demo's world in a folder (sample directory, a local SCIM app `box` with the
    people's accounts); yields the path of its grouppush.yml."""
    import os

    token = secrets.token_urlsafe(24)
    os.environ["GROUPPUSH_DEMO_TOKEN"] = token
    with local_scim_app(token) as url:
        path = write_demo_files(folder, url, token)
        seed_app_users(url, token, demo_logins(sample_directory()))
        yield path
