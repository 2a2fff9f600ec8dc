"""A token the app echoes never reaches Slack: not the reply, not the alerts channel."""

from __future__ import annotations

import threading
from pathlib import Path

import yaml

from bot.app import http_server
from bot.bolt import build_app
from bot.listeners import Services
from tests.proxy import ScimProxy
from tests.security.test_redaction import WEIRD, leaks, revoked
from tests.servers import ScimTenant
from tests.slack.conftest import PEOPLE, SECRET, Bot, small_directory, write_world
from tests.slack.standin import BOT_TOKEN, SlackStandIn, message_text
from tests.slack.test_scheduler import ALERTS, scheduler_for


def test_an_echoed_token_is_redacted_in_replies_and_alerts(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn) -> None:
    proxy = ScimProxy(scim_tenant.url, upstream_token=scim_tenant.token)
    scim_tenant.create_users([f"{p}@acme.test" for p in PEOPLE])
    service = write_world(tmp_path, ScimTenant(proxy.url, WEIRD), small_directory())
    app = build_app(service, token=BOT_TOKEN, signing_secret=SECRET, api_url=slack.api_url,
                    services=Services(service))
    server = http_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bot = Bot(f"http://127.0.0.1:{server.server_port}/slack/events", service, slack,
              scim_tenant)
    try:
        bot.command("push Sales to box")
        slack.wait_for("chat.update", lambda c: "Pushed Sales " in message_text(c))
        proxy.behaviour.respond = revoked
        bot.command("now Sales on box")
        slack.wait_for("chat.update", lambda c: "is revoked" in message_text(c))
        # the command's thread tells the alerts channel after its answer: wait for it before
        # a sync can fix the failure (a failure fixed before it was told is not posted)
        slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == ALERTS
                       and "Push failed" in message_text(c))
        scheduler_for(bot).sync_job()
        directory = small_directory()
        directory["groups"][0]["members"].append("u-dan")
        (tmp_path / "directory.yml").write_text(yaml.safe_dump(directory))
        scheduler_for(bot).sync_job()
        slack.quiet()
        for call in slack.called():
            assert leaks(str(call.args)) == [], call
    finally:
        slack.quiet()
        server.shutdown()
        server.server_close()
        proxy.stop()
