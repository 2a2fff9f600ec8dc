"""The command line of `python -m bench`: sizes in, a table of figures out."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

from bench import home, scenarios, slack
from bench.report import Row, Stopwatch, print_table
from bench.slow_app import slow_app
from bench.world import QUICK, Say, Sizes, world


def sizes_list(text: str) -> tuple[int, ...]:
    """`1000,10000,50000` -> (1000, 10000, 50000)."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None


def parser() -> argparse.ArgumentParser:
    """The options; each size defaults to the full run (or to --quick's)."""
    p = argparse.ArgumentParser(prog="python -m bench", description=(
        "Measure pushing, syncing, drift checking and Slack acks against a real "
        "scim2-server on loopback, next to the floor of the same requests sent by httpx."))
    p.add_argument("--quick", action="store_true",
                   help="a small smoke run of about a minute")
    p.add_argument("--users", type=int, help="users in the directory (default 100000)")
    p.add_argument("--push-sizes", type=sizes_list,
                   help="members of the single-group pushes (default 1000,10000,50000)")
    p.add_argument("--groups", type=int, help="pushed groups synced and checked (default 1000)")
    p.add_argument("--group-size", type=int, help="members of each of them (default 100)")
    p.add_argument("--changed", type=float,
                   help="share of their memberships changed before the sync (default 0.01)")
    p.add_argument("--batch", type=int, help="max_members_per_request (default 1000)")
    p.add_argument("--concurrency", type=int, help="groups at once per app (default 4)")
    p.add_argument("--commands", type=int,
                   help="slash commands sent at once per round (default 50)")
    p.add_argument("--rounds", type=int, help="rounds of those commands (default 4)")
    p.add_argument("--slack-push", type=int,
                   help="members of the group pushed from Slack meanwhile (default 10000)")
    p.add_argument("--seed", type=int, help="random seed of the directory (default 7)")
    p.add_argument("--database-url", default=None,
                   help="grouppush's database (default: a SQLite file in a temporary folder)")
    p.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    return p


def sizes_from(args: argparse.Namespace) -> Sizes:
    """The sizes asked for: --quick's or the defaults, then each option given."""
    base = QUICK if args.quick else Sizes()
    names = ("users", "push_sizes", "groups", "group_size", "changed", "batch", "concurrency",
             "commands", "rounds", "slack_push", "seed")
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    return replace(base, **given)


def describe(sizes: Sizes, database_url: str | None) -> str:
    """The first lines of the output: the machine, the versions and the sizes."""
    return (f"grouppush bench: Python {platform.python_version()}, scim2-server "
            f"{version('scim2-server')}, httpx {version('httpx')}, {os.cpu_count()} CPUs, "
            f"database {'SQLite (temporary file)' if not database_url else 'DATABASE_URL given'}\n"
            f"sizes: {sizes.users:,} directory users ({sizes.app_users:,} in the app), pushes of "
            f"{', '.join(f'{n:,}' for n in sizes.push_sizes)}, {sizes.groups:,} groups of "
            f"{sizes.group_size}, {sizes.changed:.0%} changed, batch {sizes.batch}, concurrency "
            f"{sizes.concurrency}, {sizes.rounds}×{sizes.commands} commands while pushing "
            f"{sizes.slack_push:,}")


def run(sizes: Sizes, database_url: str | None = None,
        say: Say = lambda _text: None) -> list[Row]:
    """Every scenario, in order, on one world; the rows of the table."""
    rows: list[Row] = []
    with world(sizes, database_url, say) as w:
        say("reading directory.yml")
        rows += scenarios.directory_read(w)
        say("warming the app user cache")
        rows += scenarios.warm_user_cache(w)
        for n, size in enumerate(sizes.push_sizes):
            say(f"pushing {size:,} members, then the httpx floor")
            rows += scenarios.push(w, size, first=n == 0)
        say(f"pushing {sizes.push_sizes[0]:,} members again, in a process that pushed before")
        rows += scenarios.push(w, sizes.push_sizes[0], again=True)
        say(f"pushing {sizes.groups:,} groups of {sizes.group_size}")
        rows += scenarios.push_teams(w)
        say("syncing after the directory changed, then the httpx floor")
        rows += scenarios.sync(w)
        say("syncing with nothing changed, over every team and over 10")
        rows += scenarios.quiet_sync(w)
        say("drift check, then the httpx floor")
        rows += scenarios.drift_check(w)
        say("publishing the Home tab over every pushed group")
        rows += home.home_tab(w)
        say("slash-command acks while a large push runs")
        rows += slack.acks(w)
        say("a slow app, then one that times out the first write of each group")
        rows += slow_app(w)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the table; exit 0 whatever the figures (never fails CI)."""
    args = parser().parse_args(argv)
    sizes = sizes_from(args)
    try:
        sizes.check()
    except ValueError as error:
        print(f"python -m bench: {error}", file=sys.stderr)
        return 2
    watch = Stopwatch()
    print(describe(sizes, args.database_url), flush=True)
    print_table(run(sizes, args.database_url, watch.say), watch, args.json)
    return 0
