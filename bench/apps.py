"""`python -m bench.apps`: one push of N members into Box and into Microsoft 365, against the
test suite's stand-ins (tests/standins/box.py, graph.py), next to the floor.

    .venv/bin/python -m bench.apps                   # 50,000 members
    .venv/bin/python -m bench.apps --members 2500    # a smoke run

The push is `service.push` (what `push GROUP to APP` runs) with the app user cache cold, so
it finds every login in the app. Requests are counted by the app client's event hooks, by
kind. The floor sends the very same requests with a bare httpx client (the token fetched
once, no engine, no retries), the runs the engine sent several at once (Box's memberships
and searches, Graph's `$filter` lookups before batching) `concurrency` at a time.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlmodel import select

from bench.meter import RequestLog, Sent
from bench.report import Row, Stopwatch, print_table, ratio, seconds, verdict
from bench.world import ACTOR, APP, login, user_id
from engine.bootstrap import build_service
from engine.config import load_config
from storage.models import PushMapping
from tests.standins import StandIn
from tests.standins.box import BoxStandIn
from tests.standins.graph import GraphStandIn

CONCURRENCY = 4
CONCURRENT_KINDS = {"POST /2.0/group_memberships", "GET /2.0/users (search)",
                    "GET /v1.0/users ($filter)"}
"""Kinds the engine sends `concurrency` at a time (the floor does too)."""
_ID = re.compile(r"/(?:[0-9a-f]{8}-[0-9a-f-]{27}|\d+)(?=/|$)")


def kind(sent: Sent) -> str:
    """Method and path, ids left out; user searches, listings and filters told apart."""
    url = httpx.URL(sent.url)
    path = _ID.sub("/{id}", url.path)
    if path.endswith("/oauth2/token") or path.endswith("/oauth2/v2.0/token"):
        path = "token"
    elif path == "/2.0/users":
        path += " (search)" if "filter_term" in url.params else " (list)"
    elif path == "/v1.0/users":
        path += " ($filter)" if "$filter" in url.params else " (list)"
    return f"{sent.method} {path}"


@dataclass
class Vendor:
    """One app type: its stand-in, its grouppush.yml section, how to read a group's size."""

    name: str
    server: StandIn
    options: dict[str, Any]

    def members(self, group_id: str) -> int:
        """Members of an app group in the stand-in."""
        if isinstance(self.server, BoxStandIn):
            return len(self.server.member_ids(group_id))
        assert isinstance(self.server, GraphStandIn)
        return len(self.server.members[group_id])


def vendor(name: str, users: int) -> Vendor:
    """The stand-in with `users` app users, and the app's options."""
    if name == "box":
        box = BoxStandIn(rate_limit=None)  # the wall without Box's 1000/min (shown apart)
        for i in range(users):
            box.add_user(login(i))
        return Vendor(name, box, {
            "type": "box", "client_id": box.client_id, "client_secret": "${BENCH_SECRET}",
            "enterprise_id": box.enterprise_id, "api_url": box.api_url,
            "token_url": box.token_url, "requests_per_minute": None,
            "concurrency": CONCURRENCY, "timeout": 600})
    graph = GraphStandIn(page_size=999)
    for i in range(users):
        graph.add_user(login(i))
    return Vendor(name, graph, {
        "type": "microsoft365", "tenant_id": graph.tenant, "client_id": graph.client_id,
        "client_secret": "${BENCH_SECRET}", "api_url": graph.api_url, "login_url": graph.base,
        "concurrency": CONCURRENCY, "timeout": 600})


@contextmanager
def pushed_world(name: str, members: int, extra: int) -> Iterator[tuple[Any, Vendor, Path]]:
    """A folder with directory.yml (one group of `members`), the service and the stand-in."""
    app = vendor(name, members + extra)
    secret = getattr(app.server, "client_secret")  # noqa: B009
    os.environ["BENCH_SECRET"] = secret
    with tempfile.TemporaryDirectory(prefix="grouppush-bench-apps-") as tmp:
        folder = Path(tmp)
        with (folder / "directory.yml").open("w", encoding="utf-8") as out:
            out.write("users:\n")
            for i in range(members):
                out.write(f"- {{id: {user_id(i)}, login: {login(i)}, status: ACTIVE}}\n")
            out.write("groups:\n")
            ids = ", ".join(user_id(i) for i in range(members))
            out.write(f"- {{id: g-all, name: \"Everyone {members}\", members: [{ids}]}}\n")
        (folder / "grouppush.yml").write_text(yaml.safe_dump({
            "directory": {"type": "file", "path": "directory.yml", "settle_seconds": 0},
            "apps": {APP: app.options},
            "slack": {"alerts_channel": "C0ALERTS", "operators": [], "approvers": ["U0A"],
                      "allow_self_approval": False, "approval_ttl_minutes": 60},
            "schedule": {"sync_seconds": 86400, "drift_check_seconds": 86400}},
            sort_keys=False))
        service = build_service(load_config(folder / "grouppush.yml"),
                                f"sqlite:///{folder / 'bench.db'}")
        try:
            yield service, app, folder
        finally:
            for connector in service.apps.values():
                connector.close()
            service.db.close()
            app.server.stop()


def floor(sent: list[Sent], group_id: str) -> tuple[float, int]:
    """The same requests by a bare httpx client, into a new group. (seconds, refused)."""
    token_request = next(s for s in sent if kind(s) == "POST token")
    refused = 0
    with httpx.Client(timeout=600) as client:
        started = time.perf_counter()
        token = client.post(token_request.url, content=token_request.content, headers={
            "Content-Type": token_request.content_type}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        new_id = group_id

        def send(request: Sent) -> httpx.Response:
            content = request.content.replace(group_id.encode(), new_id.encode())
            headers = {"Content-Type": request.content_type} if request.content_type else {}
            if request.method == "GET":
                headers["ConsistencyLevel"] = "eventual"  # what Graph's /users/$count needs
            return client.request(request.method, request.url.replace(group_id, new_id),
                                  content=content, headers=headers)

        api = [s for s in sent if kind(s) != "POST token"]
        for name, run in groupby(api, key=kind):
            requests = list(run)
            if name in ("POST /2.0/groups", "POST /v1.0/groups"):
                for request in requests:
                    body = request.content.replace(b"Everyone", b"Floor")
                    new_id = str(client.request("POST", request.url, content=body, headers={
                        "Content-Type": request.content_type}).json()["id"])
                continue
            at_once = CONCURRENCY if name in CONCURRENT_KINDS else 1
            with ThreadPoolExecutor(max_workers=at_once) as pool:
                refused += sum(r.status_code >= 300 for r in pool.map(send, requests))
        return time.perf_counter() - started, refused


def run(name: str, members: int, extra: int, say: Any) -> list[Row]:
    """Push `members` into one app of type `name`; its rows."""
    say(f"{name}: {members + extra:,} app users, a group of {members:,}")
    with pushed_world(name, members, extra) as (service, app, _folder):
        log = RequestLog()
        log.attach(service.apps[APP].client)
        started = time.perf_counter()
        service.push(f"Everyone {members}", APP, ACTOR)
        wall = time.perf_counter() - started
        sent = list(log.sent)
        kinds = Counter(kind(s) for s in sent)
        throttled = getattr(app.server, "throttled", 0)
        with service.db.session() as session:
            [mapping] = session.exec(select(PushMapping)).all()
            group_id = str(mapping.app_group_id)
        in_app = app.members(group_id)
        if isinstance(app.server, GraphStandIn):
            app.server.limits = {}  # the floor is what the server allows, unthrottled
        say(f"{name}: pushed in {wall:.1f} s; the floor")
        floor_wall, refused = floor(sent, group_id)
    scenario = f"{name}: push {members:,} members (user cache cold)"
    total = sum(kinds.values())
    rows = [Row(scenario, "members in the app group", f"{in_app:,}", f"{members:,}",
                verdict=verdict(in_app == members))]
    if name == "box":
        listing = kinds["GET /2.0/users (list)"] + kinds["GET /2.0/users (search)"]
        rows.append(Row(scenario, "user lookups", f"{listing:,}", "≤ 60",
                        verdict=verdict(listing <= 60)))
        adds = kinds["POST /2.0/group_memberships"]
        rows.append(Row(scenario, "membership requests", f"{adds:,}", f"{members:,}",
                        verdict=verdict(adds == members)))
    rows.append(Row(scenario, "requests in all", f"{total:,}",
                    "≤ 250" if name == "m365" else "",
                    verdict=verdict(total <= 250) if name == "m365" else ""))
    rows += [Row(scenario, f"  {k}", f"{n:,}") for k, n in sorted(kinds.items())]
    rows.append(Row(scenario, "429s from the stand-in", f"{throttled:,}"))
    rows.append(Row(scenario, "wall", seconds(wall), ratio=ratio(wall, floor_wall)))
    rows.append(Row(scenario, "floor (bare httpx, same requests)", seconds(floor_wall),
                    ratio=f"{refused} refused" if refused else ""))
    if name == "box":
        rows.append(Row(scenario, "at Box's 1000 requests/min", seconds(total * 60 / 1000)))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pushes and print the table."""
    p = argparse.ArgumentParser(prog="python -m bench.apps", description=__doc__.split("\n")[0])
    p.add_argument("--members", type=int, default=50_000)
    p.add_argument("--extra-users", type=int, default=1_000,
                   help="app users who are not in the group")
    p.add_argument("--apps", default="box,m365")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    watch = Stopwatch()
    rows: list[Row] = []
    for name in args.apps.split(","):
        rows += run(name, args.members, args.extra_users, watch.say)
    print_table(rows, watch, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
