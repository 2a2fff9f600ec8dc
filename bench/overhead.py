"""What metrics and JSON logs cost: the Slack ack p99 and a 10,000-member push, each with
them (metrics on, JSON logs at INFO) and without (GROUPPUSH_METRICS=off, text logs at
WARNING), alternated so drift of the machine hits both alike."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.report import Row, percentile, ratio, verdict
from bench.slack import bot_process, commands, one_round
from bench.world import ACTOR, APP, World, push_group_name
from bot.logs import TEXT_FORMAT, JsonFormatter
from storage import repo
from telemetry import metrics
from tests.slack.standin import SlackStandIn

TARGET = 1.05
VARIANTS = {"without": {"GROUPPUSH_METRICS": "off", "GROUPPUSH_LOG": "WARNING",
                        "GROUPPUSH_LOG_FORMAT": "text"},
            "with": {"GROUPPUSH_METRICS": "on", "GROUPPUSH_LOG": "INFO",
                     "GROUPPUSH_LOG_FORMAT": "json"}}
METRIC_NAMES = ("PUSHES", "SYNCS", "MEMBERS_ADDED", "MEMBERS_REMOVED", "REQUESTS", "LAST_SYNC",
                "WORKER_RESTARTS", "ACK_SECONDS")


@contextmanager
def observed(variant: str, log_file: Path) -> Iterator[None]:
    """This process as `grouppush run`'s worker would be in that variant."""
    saved = {name: getattr(metrics, name) for name in METRIC_NAMES}
    root = logging.getLogger()
    handler = logging.FileHandler(log_file)
    level = root.level
    if variant == "without":
        for name in METRIC_NAMES:
            setattr(metrics, name, metrics._Off())
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        root.setLevel(logging.WARNING)
    else:
        handler.setFormatter(JsonFormatter())
        root.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(level)
        for name, value in saved.items():
            setattr(metrics, name, value)


def push_once(world: World, size: int) -> float:
    """Push the group of `size` members (user cache warm), then take it out of the app."""
    name = push_group_name(size)
    began = time.perf_counter()
    reply = world.service.push(name, APP, ACTOR)
    wall = time.perf_counter() - began
    if not reply.ok:
        raise RuntimeError(f"the push failed: {reply}")
    with world.service.db.session() as session:
        group = world.service.snapshot().group_named(name)
        assert group is not None
        mapping = repo.find_mapping(session, group.id, APP)
        assert mapping is not None and mapping.app_group_id
        world.app.delete_group(mapping.app_group_id)
        repo.forget_mapping(session, mapping)
    return wall


def push_overhead(world: World, size: int, repeats: int) -> list[Row]:
    """Median wall of the push with and without, after one unmeasured push (warms caches)."""
    log_file = world.folder / "bench-push.log"
    push_once(world, size)
    walls: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(repeats):
        for variant in walls:
            with observed(variant, log_file):
                walls[variant].append(push_once(world, size))
    bare, full = (percentile(walls[v], 0.5) for v in ("without", "with"))
    scenario = (f"metrics and JSON logs: a {size:,}-member push, median of {repeats} each, "
                "alternated")
    return [Row(scenario, "push without / with", f"{bare:.2f} s / {full:.2f} s",
                f"≤ {TARGET:.2f}×", ratio(full, bare), verdict(full <= TARGET * bare))]


def ack_overhead(world: World, rounds: int, per_round: int) -> list[Row]:
    """Ack p99 of rounds of concurrent slash commands to `grouppush run`, started once in
    each variant, twice, alternated."""
    latencies: dict[str, list[float]] = {"without": [], "with": []}
    texts = commands(per_round, world.sizes.groups)
    for _ in range(2):
        for variant, env in VARIANTS.items():
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            slack = SlackStandIn()
            try:
                with bot_process(world, slack) as bot:
                    for _ in range(rounds):
                        measured = one_round(bot.client, texts)
                        if measured.failures:
                            raise RuntimeError(f"commands failed: {measured.failures[:3]}")
                        latencies[variant] += measured.latencies
                        slack.quiet(0.5)
            finally:
                slack.stop()
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
    bare, full = (percentile(latencies[v], 0.99) for v in ("without", "with"))
    scenario = (f"metrics and JSON logs: Slack ack p99 of {2 * rounds} × {per_round} "
                "commands at once to `grouppush run`, per variant")
    return [Row(scenario, "ack p99 without / with", f"{bare:.0f} ms / {full:.0f} ms",
                f"≤ {TARGET:.2f}×", ratio(full, bare), verdict(full <= TARGET * bare))]
