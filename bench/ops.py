"""`python -m bench.ops`: what running grouppush in production costs and gains — metrics and
JSON logs on the ack p99 and on a 10,000-member push, and two instances sharing 4 apps."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from bench import instances, overhead
from bench.report import Row, render
from bench.world import Sizes, world


def main(argv: Sequence[str] | None = None) -> int:
    """Run both benchmarks and print the table (never fails on the figures)."""
    p = argparse.ArgumentParser(prog="python -m bench.ops", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    p.add_argument("--database-url", default=os.environ.get("GROUPPUSH_TEST_POSTGRES_URL"),
                   help="an empty PostgreSQL database for the shared-work run (default: "
                        "$GROUPPUSH_TEST_POSTGRES_URL)")
    args = p.parse_args(argv)
    push = 1_000 if args.quick else 10_000
    began = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - began:6.0f} s] {text}", file=sys.stderr, flush=True)

    rows: list[Row] = []
    sizes = Sizes(users=push, push_sizes=(push,), groups=20, group_size=20, commands=20,
                  rounds=2 if args.quick else 5, slack_push=push)
    with world(sizes, None, say) as w:
        say(f"pushing {push:,} members with and without metrics and JSON logs")
        rows += overhead.push_overhead(w, push, 2 if args.quick else 5)
        say("slash-command acks with and without metrics and JSON logs")
        rows += overhead.ack_overhead(w, sizes.rounds, sizes.commands)
    if args.database_url:
        say("one round of syncs of 4 apps: one instance, then two")
        groups, size = (8, 50) if args.quick else (40, 200)
        rows += instances.shared_work(args.database_url, groups, size, users=2 * size * 5,
                                      share=0.1)
    else:
        say("no PostgreSQL (--database-url): the shared-work run is left out")
    print(render(rows))
    print(f"\ntotal {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
