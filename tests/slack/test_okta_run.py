"""`grouppush run` with an Okta directory: Okta's event hook reaches /okta/events, and a
membership added in Okta reaches the app within seconds, with no sync interval passing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.servers import ScimTenant
from tests.slack.conftest import small_directory, write_world
from tests.slack.standin import SlackStandIn, message_text
from tests.slack.test_run import edit_config, running
from tests.standins.okta import OktaStandIn

pytestmark = pytest.mark.slow
HOOK_SECRET = "okta-hook-secret-for-run-tests"


def test_an_okta_membership_reaches_the_app_by_the_event_hook(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn, okta: OktaStandIn) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    scim_tenant.create_users(["alice@acme.test", "bob@acme.test", "carol@acme.test"])
    ids = {p: okta.add_user(f"{p}@acme.test") for p in ("alice", "bob", "carol")}
    sales = okta.add_group("Sales", [ids["alice"]])
    edit_config(tmp_path, lambda c: c.update(
        directory={"type": "okta", "org_url": okta.org_url, "token": okta.token,
                   "event_hook_secret": HOOK_SECRET},
        schedule={"sync_seconds": 3600, "drift_check_seconds": 3600}))
    with running(tmp_path, slack, scim_tenant) as run:
        url = run.bot.url.replace("/slack/events", "/okta/events")
        okta.register_hook(url, HOOK_SECRET)  # Okta's one-time verification, answered
        assert run.bot.command("push Sales to box").status_code == 200
        slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c), timeout=20)

        okta.add_member(sales, ids["bob"])
        deadline = time.monotonic() + 15
        while "bob@acme.test" not in scim_tenant.member_logins("Sales"):
            assert time.monotonic() < deadline, "the hook's sync never pushed bob"
            time.sleep(0.1)

        okta.deliver = False
        event = okta.add_member(sales, ids["carol"])
        assert okta.post_events([event], authorization="not the secret").status_code == 401
        time.sleep(3)  # longer than the hook's pause: nothing may have happened
        assert scim_tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test"}
    assert run.proc.returncode == 0
