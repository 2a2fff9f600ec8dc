"""`python -m bench.ops`: what running grouppush in production costs and gains — metrics and
JSON logs on the ack p99 and on a 10,000-member push, and two instances sharing 4 apps."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from bench import instances, overhead
from bench.report import Row, Stopwatch, print_table
from bench.world import Sizes, world


def run(push: int, repeats: int, rounds: int, commands: int, groups: int, size: int,
        database_url: str | None, say: Callable[[str], None] = lambda _text: None,
        shared_only: bool = False) -> list[Row]:
    """Every row: the push and ack overhead, then (on PostgreSQL) the shared work."""
    rows: list[Row] = []
    sizes = Sizes(users=push, push_sizes=(push,), groups=max(2, groups), group_size=2,
                  commands=commands, rounds=rounds, slack_push=push)
    if not shared_only:
        with world(sizes, None, say) as w:
            say(f"pushing {push:,} members with and without metrics and JSON logs")
            rows += overhead.push_overhead(w, push, repeats)
            say("slash-command acks with and without metrics and JSON logs")
            rows += overhead.ack_overhead(w, rounds, commands)
    if database_url:
        say("one round of syncs of 4 apps: one instance, then two")
        rows += instances.shared_work(database_url, groups, size, users=10 * size, share=0.1)
    else:
        say("no PostgreSQL (--database-url): the shared-work run is left out")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run both benchmarks and print the table (never fails on the figures)."""
    p = argparse.ArgumentParser(prog="python -m bench.ops", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    p.add_argument("--database-url", default=os.environ.get("GROUPPUSH_TEST_POSTGRES_URL"),
                   help="a PostgreSQL server for the shared-work run, where it makes a "
                        "database of its own (default: $GROUPPUSH_TEST_POSTGRES_URL)")
    p.add_argument("--shared-only", action="store_true",
                   help="only the shared-work run (one instance, then two)")
    args = p.parse_args(argv)
    watch = Stopwatch()
    if args.quick:
        rows = run(1_000, 2, 2, 20, 8, 50, args.database_url, watch.say, args.shared_only)
    else:
        rows = run(10_000, 5, 5, 20, 40, 200, args.database_url, watch.say,
                   args.shared_only)
    print_table(rows, watch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
