"""The real Bolt app served over HTTP on loopback, a stand-in Slack Web API, a real SCIM app."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml

from bot.app import http_server
from bot.bolt import build_app
from bot.home_viewers import HomeTab
from bot.listeners import Services
from engine.bootstrap import build_service
from engine.config import load_config
from engine.service import GroupPushService
from tests.servers import ScimTenant
from tests.slack.standin import BOT_TOKEN, TEAM_ID, SlackStandIn

SECRET = "signing-secret-not-a-secret"
CHANNEL = "C0OPS"
OPERATOR, APPROVER, APPROVER2, READER = "U0OPS", "U0APPROVER", "U0APPROVER2", "U0READER"
TRICKY = "<!channel> *x*"
PEOPLE = ["alice", "bob", "carol", "dan", "erin"]


def small_directory() -> dict[str, Any]:
    """A few people and groups, one of them with a name that tries to ping the channel."""
    users = [{"id": f"u-{p}", "login": f"{p}@acme.test", "status": "ACTIVE"} for p in PEOPLE]
    users.append({"id": "u-sam", "login": "sam@acme.test", "status": "SUSPENDED"})
    groups = [
        {"id": "g-sales", "name": "Sales", "members": ["u-alice", "u-bob", "u-carol", "u-sam"]},
        {"id": "g-sales-ops", "name": "Sales Ops", "members": ["u-dan"]},
        {"id": "g-marketing", "name": "Marketing", "members": ["u-erin", "u-alice"]},
        {"id": "g-tricky", "name": TRICKY, "members": ["u-bob"]},
        {"id": "g-it", "name": "IT", "members": ["u-dan"]},
    ]
    return {"users": users, "groups": groups, "assignments": {"box": ["g-it"]}}


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    """X-Slack-Signature v0 of a request body."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Bot:
    """The bot under test and ways to talk to it as Slack does."""

    url: str
    service: GroupPushService
    slack: SlackStandIn
    tenant: ScimTenant
    services: Services | None = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    _ids: Any = field(default_factory=lambda: iter(range(1, 10**9)))

    def post(self, body: bytes, content_type: str, *, timestamp: int | None = None,
             secret: str = SECRET, headers: dict[str, str] | None = None) -> httpx.Response:
        """A signed POST to /slack/events."""
        ts = int(time.time()) if timestamp is None else timestamp
        return self.http.post(self.url, content=body, headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(body, ts, secret), **(headers or {})})

    def trigger(self) -> str:
        """A fresh trigger_id."""
        return f"{next(self._ids)}.1234.abcdef"

    def command_body(self, text: str, user: str = OPERATOR, channel: str = CHANNEL,
                     trigger_id: str | None = None) -> bytes:
        """A slash command as Slack sends it (form-encoded; &, <, > escaped in text)."""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return urlencode({
            "token": "verification-token", "team_id": TEAM_ID, "team_domain": "acme",
            "channel_id": channel, "channel_name": "ops", "user_id": user,
            "user_name": user.lower(), "command": "/grouppush", "text": escaped,
            "api_app_id": "A0APP", "is_enterprise_install": "false",
            "response_url": self.slack.response_url(),
            "trigger_id": trigger_id or self.trigger()}).encode()

    def command(self, text: str, user: str = OPERATOR, channel: str = CHANNEL,
                **kwargs: Any) -> httpx.Response:
        """Type /grouppush TEXT."""
        return self.post(self.command_body(text, user, channel),
                         "application/x-www-form-urlencoded", **kwargs)

    def interact(self, payload: dict[str, Any], **kwargs: Any) -> httpx.Response:
        """An interactivity request: payload=JSON, form-encoded."""
        payload = {"team": {"id": TEAM_ID, "domain": "acme"}, "api_app_id": "A0APP",
                   "token": "verification-token", **payload}
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(),
                         "application/x-www-form-urlencoded", **kwargs)

    def click(self, action_id: str, value: str, user: str, *, message_ts: str = "",
              channel: str = CHANNEL, block_id: str = "b", view: dict[str, Any] | None = None,
              trigger_id: str | None = None) -> httpx.Response:
        """A button click, in a message (with a response_url) or in a view."""
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": user, "username": user.lower(),
                                              "team_id": TEAM_ID},
            "trigger_id": trigger_id or self.trigger(),
            "actions": [{"action_id": action_id, "block_id": block_id, "value": value,
                         "type": "button", "action_ts": f"{time.time():.6f}"}],
        }
        if view is None:
            payload.update(container={"type": "message", "message_ts": message_ts,
                                      "channel_id": channel, "is_ephemeral": False},
                           channel={"id": channel, "name": "ops"},
                           message={"ts": message_ts, "type": "message"},
                           response_url=self.slack.response_url())
        else:
            payload.update(container={"type": "view", "view_id": view["id"]}, view=view)
        return self.interact(payload)

    def event(self, event: dict[str, Any], event_id: str = "Ev0001",
              **kwargs: Any) -> httpx.Response:
        """An Events API delivery (event_callback JSON)."""
        body = {"token": "verification-token", "team_id": TEAM_ID, "api_app_id": "A0APP",
                "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
                "event": event, "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT",
                                                    "is_bot": True}]}
        return self.post(json.dumps(body).encode(), "application/json", **kwargs)


def write_world(folder: Path, tenant: ScimTenant, directory: dict[str, Any],
                progress_interval: float = 0.0,
                edit: Callable[[dict[str, Any]], None] | None = None) -> GroupPushService:
    """directory.yml and grouppush.yml in a folder (the config changed by `edit` first); the
    service built from them."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    (folder / "directory.yml").write_text(yaml.dump(directory, Dumper=dumper, sort_keys=False))
    config = {
        "directory": {"type": "file", "path": "directory.yml"},
        "apps": {"box": {"type": "scim", "url": tenant.url, "token": tenant.token},
                 "wiki": {"type": "scim", "url": tenant.url, "token": tenant.token}},
        "slack": {"alerts_channel": "C0ALERTS", "operators": [OPERATOR, APPROVER, APPROVER2],
                  "approvers": [APPROVER, APPROVER2], "allow_self_approval": False,
                  "approval_ttl_minutes": 60},
    }
    if edit is not None:
        edit(config)
    (folder / "grouppush.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return build_service(load_config(folder / "grouppush.yml"), f"sqlite:///{folder / 'x.db'}")


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    yield standin
    standin.stop()


@pytest.fixture
def make_bot(tmp_path: Path, scim_tenant: ScimTenant,
             slack: SlackStandIn) -> Iterator[Callable[..., Bot]]:
    servers = []
    bots: list[HomeTab] = []

    def make(directory: dict[str, Any] | None = None, app_users: list[str] | None = None,
             progress_interval: float = 0.0,
             edit: Callable[[dict[str, Any]], None] | None = None) -> Bot:
        service = write_world(tmp_path, scim_tenant, directory or small_directory(),
                              edit=edit)
        scim_tenant.create_users(app_users if app_users is not None
                                 else [f"{p}@acme.test" for p in PEOPLE])
        services = Services(service, progress_interval=progress_interval)
        bots.append(services.home)
        app = build_app(service, token=BOT_TOKEN, signing_secret=SECRET,
                        api_url=slack.api_url, services=services)
        server = http_server(app, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return Bot(f"http://127.0.0.1:{server.server_port}/slack/events", service, slack,
                   scim_tenant, services)

    yield make
    slack.quiet()
    for made in bots:
        made.stop()
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bot(make_bot: Callable[..., Bot]) -> Bot:
    return make_bot()
