"""Publishing the Push Groups tab at the size of a real org: the real Bolt app over HTTP on
loopback, its Web API the test suite's stand-in (which checks Slack's limits on every view),
the app holding every pushed group of the run (1,000 teams at full size)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.report import Row, percentile, seconds, verdict
from bench.world import APP, World
from bot.app import http_server
from bot.bolt import build_app
from bot.listeners import Services
from bot.views import home
from storage import pages
from tests.slack.conftest import SECRET, TEAM_ID, Bot
from tests.slack.standin import BOT_TOKEN, Call, SlackStandIn

PUBLISH_TARGET_S = 1.0
USER = "U0BENCH"


def _publish_after(bot: Bot, send: Callable[[], Any]) -> tuple[float, Call]:
    """Seconds from sending one request to the tab's views.publish, and that call."""
    before = len(bot.slack.called("views.publish"))
    began = time.monotonic()
    send()
    call = bot.slack.wait_for("views.publish",
                              lambda c: bot.slack.called("views.publish").index(c) >= before,
                              timeout=60)
    if not call.result.get("ok"):
        raise RuntimeError(f"Slack would refuse the tab: {call.result}")
    return call.at - began, call


def _click(bot: Bot, call: Call, action: dict[str, Any]) -> Callable[[], Any]:
    view = {**call.args["view"], "id": call.result["view"]["id"]}
    payload = {"type": "block_actions", "user": {"id": USER, "team_id": TEAM_ID},
               "trigger_id": bot.trigger(), "container": {"type": "view",
                                                          "view_id": view["id"]},
               "view": view, "actions": [{"block_id": "b", "action_ts": f"{time.time():.6f}",
                                          **action}]}
    return lambda: bot.interact(payload)


def _walk(bot: Bot, total: int) -> tuple[list[float], list[Call]]:
    """Open the tab, then the middle page, the last page, a search and a status filter."""
    event = {"type": "app_home_opened", "user": USER, "channel": "D0BENCH", "tab": "home",
             "event_ts": f"{time.time():.6f}"}
    took, call = _publish_after(bot, lambda: bot.event(event, event_id="EvBench"))
    times, calls = [took], [call]
    last = max(0, -(-total // 20) - 1)
    for action in ({"action_id": home.NEXT, "type": "button", "value": str(last // 2)},
                   {"action_id": home.NEXT, "type": "button", "value": str(last)},
                   {"action_id": home.SEARCH, "type": "plain_text_input", "value": "Team 00"},
                   {"action_id": home.STATUS_FILTER, "type": "static_select",
                    "selected_option": {"value": "active",
                                        "text": {"type": "plain_text", "text": "Active"}}}):
        took, call = _publish_after(bot, _click(bot, calls[-1], action))
        times.append(took)
        calls.append(call)
    return times, calls


def _floor(slack: SlackStandIn, calls: list[Call]) -> float:
    """The same views sent to the stand-in by a bare httpx client: the wire's share."""
    with httpx.Client(timeout=30) as client:
        began = time.monotonic()
        for call in calls:
            client.post(f"{slack.api_url}views.publish", json=call.args,
                        headers={"Authorization": f"Bearer {BOT_TOKEN}"})
        return (time.monotonic() - began) / len(calls)


def home_tab(world: World) -> list[Row]:
    """Open the tab and move through it; each publish against the 1 s target."""
    slack = SlackStandIn()
    services = Services(world.service)
    app = build_app(world.service, token=BOT_TOKEN, signing_secret=SECRET,
                    api_url=slack.api_url, services=services)
    server = http_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bot = Bot(f"http://127.0.0.1:{server.server_port}/slack/events", world.service, slack,
                  world.tenant, services)
        with world.service.db.session() as session:
            total = pages.count(session, pages.PushFilter(app=APP))
        times, calls = _walk(bot, total)
        floor = _floor(slack, calls)
    finally:
        services.home.stop()
        server.shutdown()
        server.server_close()
        slack.stop()
    scenario = f"Home tab: {total:,} pushed groups on one app (open, middle, last, search, " \
        "filter)"
    worst, typical = max(times), percentile(times, 0.5)
    blocks = max(len(c.args["view"]["blocks"]) for c in calls)
    return [
        Row(scenario, "publish a page p50", seconds(typical), f"< {PUBLISH_TARGET_S:.0f} s",
            f"{typical / floor:.1f}× floor" if floor else "", verdict(typical < 1.0)),
        Row(scenario, "publish a page max", seconds(worst), f"< {PUBLISH_TARGET_S:.0f} s", "",
            verdict(worst < PUBLISH_TARGET_S)),
        Row(scenario, "floor: httpx POST of the same views", seconds(floor)),
        Row(scenario, "blocks per view (max)", str(blocks), "≤ 100", "", verdict(blocks <= 100)),
    ]
