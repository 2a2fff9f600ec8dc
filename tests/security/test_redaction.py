"""Configured secrets are redacted by value, in the forms an app echoes them, everywhere."""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from connectors import secrets
from tests.proxy import Answer, ScimProxy, Seen
from tests.servers import ScimTenant
from tests.workspace import Workspace

WEIRD = "Tok!en:s3cr/et%xyz+1=Q"
"""A token with the characters that half-redacted it before: ! : / % + =."""


def echoed_forms(secret: str, user: str = "svc") -> list[str]:
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return [secret, quote(secret, safe=""), quote_plus(secret), basic]


def revoked(seen: Seen) -> Answer:
    """A 401 that echoes the token it was sent, as some apps do."""
    token = seen.headers.get("Authorization", "").removeprefix("Bearer ")
    detail = (f"credential {token} is revoked; sent as {quote(token, safe='')} "
              f"and {quote_plus(token)}")
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401",
            "detail": detail}
    return 401, {"Content-Type": "application/scim+json"}, json.dumps(body).encode()


@pytest.fixture
def proxy(scim_tenant: ScimTenant) -> Iterator[ScimProxy]:
    proxy = ScimProxy(scim_tenant.url, upstream_token=scim_tenant.token)
    yield proxy
    proxy.stop()


def leaks(text: str) -> list[str]:
    return [form for form in echoed_forms(WEIRD) if form in text]


def echoing(ws: Workspace, proxy: ScimProxy, monkeypatch: pytest.MonkeyPatch, token: str,
            answer: Callable[[Seen], Answer]) -> None:
    """Sales pushed to box through the proxy with this token; from then on box answers
    `answer`, and Sales has changed in the directory."""
    monkeypatch.setenv("TEST_SCIM_TOKEN", token)
    ws.config["apps"]["box"]["url"] = proxy.url
    ws.write()
    assert ws.exec("push Sales to box").code == 0
    proxy.behaviour.respond = answer
    ws.set_members("g-sales", ["alice", "bob"])


def stored(ws: Workspace) -> str:
    """Everything in the workspace's database, as SQL."""
    with sqlite3.connect(ws.folder / "grouppush.db") as db:
        return "\n".join(db.iterdump())


def test_a_token_the_app_echoes_is_in_no_reply_record_row_or_log(
        ws: Workspace, proxy: ScimProxy, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    echoing(ws, proxy, monkeypatch, WEIRD, revoked)
    caplog.set_level(logging.DEBUG)
    failed = ws.exec("sync box")
    assert failed.code == 1 and "HTTP 401" in failed.out and "is revoked" in failed.out
    outputs = [failed.out, failed.err, ws.exec("info Sales on box").out,
               ws.exec("list").out, ws.exec("audit").out, caplog.text]
    logging.getLogger("connectors.scim").warning("the app said %s", proxy.seen[-1].headers)
    outputs.append(caplog.text)
    assert "Error:" in outputs[2] and "is revoked" in outputs[2]
    outputs.append(stored(ws))
    assert "is revoked" in outputs[-1]  # the error is recorded, its token taken out
    for output in outputs:
        assert leaks(output) == [], output


@pytest.mark.parametrize("text", [
    "box did not answer getting an access token: ReadTimeout",
    "m365 refused the app's credentials (HTTP 401) — password: expired for svc",
    "the token: was not accepted",
])
def test_prose_about_tokens_keeps_its_reason(text: str) -> None:
    assert secrets.redact(text) == text


@pytest.mark.parametrize(("text", "kept"), [
    ("Authorization: Bearer eyJhbGciOi.J9x_y", "Authorization: Bearer [redacted]"),
    ("GET /x?access_token=abc123&b=1", "GET /x?access_token=[redacted]&b=1"),
    ('{"client_secret": "s3cr3t!"}', '{"client_secret": "[redacted]"}'),
    ("SSWS 00aBcD-eFg", "SSWS [redacted]"),
])
def test_credentials_by_shape_are_still_redacted(text: str, kept: str) -> None:
    assert secrets.redact(text) == kept


def test_every_configured_secret_is_redacted_by_value_in_every_form(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.config import parse_config

    values = {"okta": "00okta-Tok/en%1", "hook": "hook:Secret+2", "scim": "scim!Tok en",
              "ad": "P@ss:w0rd/ad", "m365": "m365~Secret.3", "box": "box$Secret=4",
              "slack_bot": "xoxb-1-2-abcdef", "signing": "8f742231b10e8888abcd",
              "slack_app": "xapp-1-A0-xyz", "db": "pg p@ss", "pgpassword": "libpq:Pw#5"}
    env = {"SLACK_BOT_TOKEN": values["slack_bot"], "SLACK_SIGNING_SECRET": values["signing"],
           "SLACK_APP_TOKEN": values["slack_app"],
           "DATABASE_URL": f"postgresql+psycopg://gp:{quote(values['db'])}@db/gp",
           "PGPASSWORD": values["pgpassword"]}  # compose.yaml passes the password this way
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    parse_config({
        "directory": {"type": "okta", "org_url": "https://acme.okta.com",
                      "token": values["okta"], "event_hook_secret": values["hook"]},
        "apps": {"s": {"type": "scim", "url": "http://x", "token": values["scim"]},
                 "ad": {"type": "active_directory", "user": "svc@acme.test",
                        "password": values["ad"]},
                 "m": {"type": "microsoft365", "client_id": "cid-1",
                       "client_secret": values["m365"]},
                 "b": {"type": "box", "client_id": "bid-2", "client_secret": values["box"]}},
    }, tmp_path / "grouppush.yml")
    users = {"ad": "svc@acme.test", "m365": "cid-1", "box": "bid-2"}
    for name, value in values.items():
        for form in echoed_forms(value, users.get(name, "x"))[:3]:
            assert secrets.redact(f"app said <{form}>.") == "app said <[redacted]>.", (name, form)
        if name in users:
            basic = echoed_forms(value, users[name])[3]
            assert basic not in secrets.redact(f"Basic {basic} and {basic.rstrip('=')}")


LONG = "gpT0k3n-9fQx2LmZ7vRb4KsW8yNc1HdJ5eAq6UoZ"
"""A token long enough to be echoed in part."""


def echoed_otherwise(token: str) -> list[str]:
    """How the attack pass's app echoed it: base64'd, its first 24 characters, upper-cased."""
    return [base64.b64encode(token.encode()).decode(), token[:24], token.upper()]


def garbled(seen: Seen) -> Answer:
    """A 400 whose SCIM detail, and whose extra fields, echo the token in other forms."""
    token = seen.headers.get("Authorization", "").removeprefix("Bearer ")
    b64, first, upper = echoed_otherwise(token)
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400",
            "scimType": "invalidValue",
            "detail": f"bad credential {b64} (starts {first}; as sent: {upper})",
            "debug": {"headers": dict(seen.headers)}}
    return 400, {"Content-Type": "application/scim+json"}, json.dumps(body).encode()


def test_a_token_echoed_base64d_cut_short_or_upper_cased_leaks_nowhere(
        ws: Workspace, proxy: ScimProxy, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    echoing(ws, proxy, monkeypatch, LONG, garbled)
    caplog.set_level(logging.DEBUG)
    pushed = ws.exec("push Engineering to box")
    synced = ws.exec("sync box")
    assert synced.code == 1 and "HTTP 400" in synced.out, synced.out
    assert "invalidValue: bad credential [redacted]" in synced.out  # the person's words kept
    outputs = [pushed.out, pushed.err, synced.out, synced.err,
               ws.exec("push Engineering Platform to box", as_json=True).out,
               ws.exec("sync box", as_json=True).out, ws.exec("info Sales on box").out,
               ws.exec("info Sales on box", as_json=True).out, ws.exec("list").out,
               ws.exec("list", as_json=True).out, ws.exec("audit").out, caplog.text,
               stored(ws)]
    assert "bad credential" in outputs[-1]  # the error is recorded, its token taken out
    assert "debug" not in synced.out  # the body itself is never echoed
    for output in outputs:
        for form in [*echoed_otherwise(LONG), LONG[:8], LONG[-10:].lower()]:
            assert form.lower() not in output.lower(), (form, output)


def test_a_secret_is_redacted_in_any_case_base64_and_any_run_of_eight() -> None:
    secrets.register(LONG)
    inner = base64.b64encode(f"user:{LONG}:tail".encode()).decode()
    for text in [*echoed_otherwise(LONG), LONG[5:13], LONG.lower()[10:30], inner,
                 base64.urlsafe_b64encode(LONG.encode()).decode()]:
        kept = secrets.redact(f"app said <{text}>.")
        assert kept.startswith("app said <") and "[redacted]" in kept, kept
        assert LONG[:8].lower() not in kept.lower() and LONG[20:28] not in kept, kept
    assert secrets.redact("app said <gpT0k3n>.") == "app said <gpT0k3n>."  # 7: too short
