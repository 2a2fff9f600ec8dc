"""No 500 for what a caller sends: arbitrary signed Slack bodies at the running bot, and
arbitrary authenticated Okta deliveries at the event hook endpoint, are answered 4xx (or 200
with nothing done) and change nothing. Property-based (hypothesis), with a fixed seed and a
bounded number of examples so CI stays fast and repeatable."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.okta_hook import OktaEventHook
from engine.hooks import hints
from storage import repo
from tests.slack.conftest import Bot, sign

FORM = "application/x-www-form-urlencoded"
SLACK_KEYS = ["type", "actions", "view", "user", "team", "channel", "container", "message",
              "trigger_id", "response_url", "callback_id", "state", "values", "action_id",
              "block_id", "value", "private_metadata", "event", "authorizations", "id",
              "selected_option", "enterprise", "api_app_id", "response_urls", "submission"]
TYPES = ["block_actions", "view_submission", "view_closed", "shortcut", "message_action",
         "block_suggestion", "event_callback", "url_verification", "interactive_message"]
ONCE = settings(derandomize=True, max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(
    max_size=20)
keys = st.sampled_from(SLACK_KEYS) | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(keys, inner, max_size=4), max_leaves=12)
payloads = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES) | values},
    optional={k: values for k in SLACK_KEYS if k not in ("type", "user")}
    | {"user": st.just({"id": "U0STRANGER"}) | values})
deep = st.integers(min_value=41, max_value=5000).map(lambda n: "[" * n + "]" * n)


def body_of(kind: str, payload: Any) -> tuple[bytes, str]:
    """A Slack request body: an interaction's payload= form, or an Events API JSON body."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    if kind == "form":
        return urlencode({"payload": text}).encode(), FORM
    return text.encode(), "application/json"


def changed(bot: Bot) -> tuple[object, ...]:
    with bot.service.db.session() as session:
        return (bot.tenant.groups(), len(repo.list_mappings(session)),
                len(repo.pending_requests(session)))


@ONCE
@given(kind=st.sampled_from(["form", "json"]), payload=payloads | deep)
@example(kind="form", payload={"type": "block_actions", "actions": "x"})  # the attack pass's
@example(kind="form", payload={"type": "view_submission", "view": "x"})
@example(kind="form", payload="[" * 100_000)
def test_a_signed_slack_body_of_any_shape_is_never_a_500(bot: Bot, kind: str,
                                                        payload: Any) -> None:
    before = changed(bot)
    body, content_type = body_of(kind, payload)
    timestamp = str(int(time.time()))
    answer = bot.http.post(bot.url, content=body, headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp)})
    assert answer.status_code < 500, (answer.status_code, answer.text, body[:300])
    assert changed(bot) == before


okta_events = st.lists(st.fixed_dictionaries({}, optional={
    "uuid": values, "eventType": st.sampled_from(["group.user_membership.add",
                                                  "user.lifecycle.deactivate"]) | values,
    "target": values | st.lists(st.fixed_dictionaries({}, optional={
        "id": values, "type": st.sampled_from(["UserGroup", "User"]) | values}), max_size=3),
}) | values, max_size=4)
deliveries = (st.fixed_dictionaries({"data": st.fixed_dictionaries({"events": okta_events})
                                     | values}) | values).map(json.dumps) | deep


@ONCE
@given(delivery=deliveries)
@example(delivery=json.dumps({"data": {"events": [{"eventType": "x", "target": 5}]}}))
@example(delivery=json.dumps({"data": {"events": [{"eventType": "x", "target": True}]}}))
@example(delivery='{"data": ' * 100_000)
def test_an_authenticated_okta_delivery_of_any_shape_is_never_a_500(delivery: str) -> None:
    submitted: list[dict[str, Any]] = []
    hook = OktaEventHook("s3cret-hook-value", submitted.append)
    with httpx.Client(transport=httpx.WSGITransport(app=hook), base_url="http://hook") as http:
        answer = http.post("/okta/events", content=delivery.encode(),
                           headers={"Authorization": "s3cret-hook-value"})
    assert answer.status_code in (200, 400), (answer.status_code, answer.text)
    for job in submitted:  # what the worker is handed it reads without failing
        groups, users = hints(job["events"])
        assert all(isinstance(g, str) for g in groups | users)
