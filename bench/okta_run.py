"""`python -m bench.okta_run`: the Okta scenarios (bench/okta.py) on one world, as a table."""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import yaml

from bench import okta
from bench.meter import RequestLog
from bench.okta_org import TOKEN, OrgSizes, org_process
from bench.report import Row, Stopwatch, print_table
from bench.world import login
from bot.okta_hook import PATH, OktaEventHook
from bot.web import Router
from engine.bootstrap import build_service
from engine.config import load_config
from engine.hooks import HookSync
from tests.servers import ScimServerProcess

SECRET = "bench-okta-event-hook-secret-0123456789"
QUICK = OrgSizes(users=5_000, groups=500, pushed=50, app_users=2_000)


def parser() -> argparse.ArgumentParser:
    """The options; each size defaults to the full run (or to --quick's)."""
    p = argparse.ArgumentParser(prog="python -m bench.okta_run", description=(
        "Measure grouppush against a large Okta org (the Okta stand-in) and a real "
        "scim2-server: a full read, a restart, commands, delta syncs and event hooks."))
    p.add_argument("--quick", action="store_true", help="a small smoke run")
    p.add_argument("--users", type=int, help="users in the org (default 100000)")
    p.add_argument("--groups", type=int, help="groups in the org (default 10000)")
    p.add_argument("--pushed", type=int, help="groups pushed (default 1000)")
    p.add_argument("--app-users", type=int, help="users also in the app (default 20000)")
    p.add_argument("--events", type=int, help="event hook deliveries timed (default 100)")
    p.add_argument("--database-url", default=None, help="default: a SQLite file")
    p.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    return p


def run(sizes: OrgSizes, events: int, database_url: str | None, say: okta.Say) -> list[Row]:
    """Every Okta scenario, in order, on one world."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="grouppush-okta-bench-") as folder, \
            org_process(sizes) as org:
        say(f"the org is up: {sizes.users:,} users, {sizes.groups:,} groups")
        scim = ScimServerProcess()
        try:
            tenant = scim.tenant()
            tenant.bulk_create_users((login(i) for i in range(sizes.app_users)), 1000)
            config = write_config(Path(folder), org.url, tenant)
            url = database_url or f"sqlite:///{Path(folder) / 'grouppush.db'}"

            def make_service() -> okta.GroupPushService:
                return build_service(load_config(config), url)

            service = make_service()
            log = RequestLog()
            w = okta.OktaWorld(org, service, make_service, log, tenant)
            log.attach(w.app.http.client)
            for name, step in (("full read", okta.full_read), ("restart", okta.restart),
                               ("commands", okta.commands), ("setup", okta.push_pushed),
                               ("full read, pushed", okta.full_read_pushed),
                               ("quiet sync", okta.sync_quiet),
                               ("changed sync", okta.sync_changed)):
                say(name)
                rows += step(w)
            say("event hook deliveries")
            rows += with_hook(w, events)
        finally:
            scim.stop()
    return rows


def with_hook(w: okta.OktaWorld, events: int) -> list[Row]:
    """The hook endpoint on loopback (its work in this process, 2 s pause as in production)."""
    hooks = HookSync(w.service)
    router = Router({PATH: OktaEventHook(SECRET, lambda p: hooks.receive(p["events"]))})
    server = make_server("127.0.0.1", 0, router, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return okta.hook_latency(w, events, f"http://127.0.0.1:{server.server_port}{PATH}",
                                 SECRET)
    finally:
        server.shutdown()
        hooks.stop()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """No access lines."""


def write_config(folder: Path, org_url: str, tenant: object) -> Path:
    """grouppush.yml: the org as an Okta directory, the tenant as the SCIM app `bench`."""
    config = {"directory": {"type": "okta", "org_url": org_url, "token": TOKEN,
                            "event_hook_secret": SECRET, "max_rate_share": okta.SHARE},
              "apps": {okta.APP: {"type": "scim", "url": tenant.url,  # type: ignore[attr-defined]
                                  "token": tenant.token,  # type: ignore[attr-defined]
                                  "max_members_per_request": 1000, "concurrency": 4}},
              # its syncs remove hundreds of memberships on purpose: no approval wait
              "safety": {"max_removals_per_sync": 10_000_000}}
    path = folder / "grouppush.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the Okta benchmarks and print the table (never fails on the figures)."""
    args = parser().parse_args(argv)
    base = QUICK if args.quick else OrgSizes()
    given = {k: v for k, v in (("users", args.users), ("groups", args.groups),
                               ("pushed", args.pushed), ("app_users", args.app_users))
             if v is not None}
    sizes = replace(base, **given)
    events = args.events or (10 if args.quick else 100)
    watch = Stopwatch()
    print(f"grouppush Okta bench: {os.cpu_count()} CPUs, database "
          f"{'DATABASE_URL given' if args.database_url else 'SQLite (temporary file)'}\n"
          f"sizes: {sizes.users:,} users, {sizes.groups:,} groups of {sizes.min_size} to "
          f"{sizes.max_size:,}, {sizes.pushed:,} pushed, {sizes.app_users:,} users in the app, "
          f"{events} hook events", flush=True)
    print_table(run(sizes, events, args.database_url, watch.say), watch, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
