"""Slash-command ack latency of `grouppush run` (the real Bolt app over HTTP on loopback, in its
own process as in production), fed signed requests by the test suite's helpers, its Web API a
stand-in, while a large push runs from Slack."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.report import Row, percentile, verdict
from bench.world import APP, SLACK_GROUP, World, team_name
from engine.service import quoted
from tests.slack.conftest import SECRET, Bot
from tests.slack.standin import BOT_TOKEN, Call, SlackStandIn, message_text

ACK_TARGET_MS = 300.0
PUSH_TIMEOUT = 1800.0
START_TIMEOUT = 300.0
ROOT = Path(__file__).resolve().parent.parent


def commands(count: int, teams: int) -> list[str]:
    """A mix of read commands, as many as asked (each does real work after its ack)."""
    mix = ["list " + APP, 'info "{team}" on ' + APP, "search Team 00", "help", "audit 10",
           "rule list"]
    return [mix[n % len(mix)].format(team=team_name(n % max(1, teams))) for n in range(count)]


@dataclass
class BotProcess:
    """A running `grouppush run` and a client that talks to it as Slack does."""

    client: Bot
    pid: int
    worker_pid: int | None

    def peak_mb(self, pid: int | None) -> float | None:
        """A process's peak RSS (VmHWM) so far, in MB, where /proc tells it."""
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None


@contextmanager
def bot_process(world: World, slack: SlackStandIn) -> Iterator[BotProcess]:
    """`grouppush run` on a loopback port, answering Slack at /slack/events."""
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.api_url, "DATABASE_URL": world.database_url}
    env.pop("SLACK_APP_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(world.config_path),
                             "run",
                             "--host", "127.0.0.1", "--port", "0"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        url, worker = _listening_url(proc)
        client = Bot(url, world.service, slack, world.tenant)
        warm_up(client)
        yield BotProcess(client, proc.pid, worker)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def warm_up(client: Bot) -> None:
    """One command that reads the directory, answered before anything is measured: the bot
    reads directory.yml at its first command, not at start."""
    before = len(client.slack.called("response_url"))
    response = client.command("search Team 00001")
    if response.status_code != 200:
        raise RuntimeError(f"the bot did not ack a first command: HTTP {response.status_code}")
    client.slack.wait_for("response_url", lambda c: c in client.slack.called()[before:],
                          timeout=START_TIMEOUT)


def _listening_url(proc: subprocess.Popen[str]) -> tuple[str, int | None]:
    """Wait for `grouppush: listening on URL`, noting the worker's pid on the way; keep
    draining stderr afterwards."""
    assert proc.stderr is not None
    stream = proc.stderr
    seen: deque[str] = deque(maxlen=20)
    found: list[str] = []
    worker: list[int] = []
    ready = threading.Event()

    def drain() -> None:
        for line in stream:
            seen.append(line.rstrip())
            if not worker and "worker process " in line:
                worker.append(int(line.split("worker process ", 1)[1].split()[0]))
            if not found and "listening on " in line:
                found.append(line.split("listening on ", 1)[1].strip())
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(START_TIMEOUT) or not found:
        raise RuntimeError("grouppush run did not start: " + " | ".join(seen))
    return found[0], (worker[0] if worker else None)


@dataclass
class Round:
    """Ack latencies (ms) of commands sent at once, and why the others got no answer."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def __iadd__(self, other: Round) -> Round:
        self.latencies += other.latencies
        self.failures += other.failures
        return self

    @property
    def sent(self) -> int:
        """Commands sent."""
        return len(self.latencies) + len(self.failures)


def one_round(client: Bot, texts: list[str]) -> Round:
    """Send the commands all at once; each one's ack latency, or why it failed."""
    start = threading.Barrier(len(texts))

    def send(text: str) -> float | str:
        body = client.command_body(text)
        start.wait()
        began = time.perf_counter()
        try:
            response = client.post(body, "application/x-www-form-urlencoded")
        except httpx.TransportError as error:
            return f"{type(error).__name__}: {error}"
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        return (time.perf_counter() - began) * 1000

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        results = list(pool.map(send, texts))
    return Round([r for r in results if isinstance(r, float)],
                 [r for r in results if isinstance(r, str)])


def finished(call: Call) -> bool:
    """Whether a chat.update is the large push's result (the only long work sent)."""
    return call.method == "chat.update" and "working..." not in str(call.args.get("text", ""))


def acks(world: World) -> list[Row]:
    """Ack p50/p99 of rounds of concurrent commands sent while a large push runs from Slack."""
    sizes = world.sizes
    texts = commands(sizes.commands, sizes.groups)
    slack = SlackStandIn()
    measured, during = Round(), 0
    try:
        with bot_process(world, slack) as bot:
            client = bot.client
            answered_before = len(slack.called("response_url"))
            began, clock = time.perf_counter(), time.monotonic()
            first = client.command(f'push "{SLACK_GROUP}" to {APP}')
            push_ack = (time.perf_counter() - began) * 1000
            if first.status_code != 200:
                raise RuntimeError(f"the push was not acked: HTTP {first.status_code}")
            working = slack.wait_for("chat.postMessage", lambda c: SLACK_GROUP in
                                     message_text(c))  # the push has started
            for _ in range(sizes.rounds):
                measured += one_round(client, texts)
                if not any(finished(c) for c in slack.called("chat.update")):
                    during += len(texts)  # the push was still running when the round ended
            done = slack.wait_for("chat.update", lambda c: finished(c) and c.args["ts"]
                                  == working.result["ts"], timeout=PUSH_TIMEOUT)
            if f"Pushed {quoted(SLACK_GROUP)}" not in message_text(done):
                raise RuntimeError(f"the push from Slack failed: {message_text(done)}")
            answers = wait_for_answers(slack, answered_before, len(measured.latencies))
            slack.quiet(1.0)
            peaks = (bot.peak_mb(bot.pid), bot.peak_mb(bot.worker_pid))
    finally:
        slack.stop()
    return ack_rows(world, measured, during, push_ack, done.at - clock,
                    (answers[0], answers[1] - clock), peaks)


def wait_for_answers(slack: SlackStandIn, before: int, expected: int) -> tuple[int, float]:
    """How many acked commands got their answer (each answers on its response_url), and
    when the last one came."""
    deadline = time.monotonic() + PUSH_TIMEOUT
    while True:
        calls = slack.called("response_url")[before:]
        if len(calls) >= expected or time.monotonic() > deadline:
            return len(calls), max((c.at for c in calls), default=time.monotonic())
        time.sleep(0.1)


def ack_rows(world: World, measured: Round, during: int, push_ack: float,
             push_seconds: float, answers: tuple[int, float],
             peaks: tuple[float | None, float | None]) -> list[Row]:
    """The table rows of the ack measurement."""
    sizes = world.sizes
    latencies = measured.latencies + [math.inf] * len(measured.failures)
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    scenario = (f"slash-command acks: {sizes.rounds} × {sizes.commands} commands at once to "
                f"`grouppush run` while it pushes {sizes.slack_push:,} members")
    why = sorted({f.split(":")[0] for f in measured.failures})
    rows = [
        Row(scenario, "ack p50", f"{p50:.0f} ms"),
        Row(scenario, "ack p99", f"{p99:.0f} ms", f"< {ACK_TARGET_MS:.0f} ms",
            f"{p99 / ACK_TARGET_MS:.2f}×", verdict(p99 < ACK_TARGET_MS)),
        Row(scenario, "ack max / the push command's own ack",
            f"{max(latencies):.0f} ms / {push_ack:.0f} ms"),
        Row(scenario, "commands with no answer", f"{len(measured.failures)} of {measured.sent}"
            + (f" ({', '.join(why)})" if why else ""), "0", "",
            verdict(not measured.failures)),
        Row(scenario, "commands sent while the push ran",
            f"{during} of {measured.sent} (the push took {push_seconds:.0f} s)"),
    ]
    answered, last = answers
    rows.append(Row(scenario, "answers posted after the acks (response_url)",
                    f"{answered} of {len(measured.latencies)}, the last {last:.1f} s after the "
                    "first command", str(len(measured.latencies)), "",
                    verdict(answered >= len(measured.latencies))))
    front, worker = peaks
    if front is not None:
        rows.append(Row(scenario, "peak RSS of grouppush run (VmHWM): front / worker",
                        f"{front:.0f} MB / " + (f"{worker:.0f} MB" if worker else "?")))
    return rows
