"""`grouppush run` as people start it: HTTP at /slack/events, with the scheduler inside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.servers import ScimTenant, free_port
from tests.slack.conftest import SECRET, Bot, small_directory, write_world
from tests.slack.standin import BOT_TOKEN, SlackStandIn, message_text

pytestmark = pytest.mark.slow


def test_run_serves_slack_and_syncs_on_schedule(tmp_path: Path, scim_tenant: ScimTenant,
                                                slack: SlackStandIn) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    scim_tenant.create_users(["alice@acme.test", "bob@acme.test", "carol@acme.test",
                              "dan@acme.test"])
    edit_config(tmp_path, lambda c: c.update(schedule={
        "sync_seconds": 0.3, "drift_check_seconds": 3600, "lease_seconds": 5}))
    with running(tmp_path, slack, scim_tenant) as run:
        assert run.bot.command("push Sales to box").status_code == 200
        slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c))
        assert run.bot.command("help", secret="wrong").status_code == 401

        directory = small_directory()
        directory["groups"][0]["members"].append("u-dan")
        (tmp_path / "directory.yml").write_text(yaml.safe_dump(directory))
        deadline = time.monotonic() + 20
        while "dan@acme.test" not in scim_tenant.member_logins("Sales"):
            assert time.monotonic() < deadline, "the scheduled sync never pushed dan"
            time.sleep(0.1)
    assert run.proc.returncode == 0
    wait_gone(run.worker)


@dataclass
class Running:
    """`grouppush run` as an operator starts it: its process, its worker's process id and a
    client that talks to it as Slack does."""

    proc: subprocess.Popen[str]
    worker: int
    bot: Bot


@contextmanager
def running(tmp_path: Path, slack: SlackStandIn, tenant: ScimTenant,
            more_env: dict[str, str] | None = None) -> Iterator[Running]:
    """`grouppush run` on a free port for the world in tmp_path; terminated at the end."""
    port = free_port()
    env = {**os.environ, "GROUPPUSH_CONFIG": str(tmp_path / "grouppush.yml"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url, **(more_env or {})}
    env.pop("SLACK_APP_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        yield Running(proc, worker_pid(proc),
                      Bot(f"http://127.0.0.1:{port}/slack/events", None,  # type: ignore[arg-type]
                          slack, tenant, httpx.Client(timeout=10)))
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def edit_config(folder: Path, change: Callable[[dict[str, Any]], object]) -> None:
    """Change grouppush.yml in the folder."""
    path = folder / "grouppush.yml"
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config))


def worker_pid(proc: subprocess.Popen[str]) -> int:
    """The worker's process id, from what `grouppush run` prints until it listens."""
    assert proc.stderr is not None
    pid = None
    while "listening on" not in (line := proc.stderr.readline()):
        assert line, "grouppush run ended before listening"
        if "worker process" in line:
            pid = int(line.split("worker process ")[1].split()[0])
    assert pid is not None and pid != proc.pid
    return pid


def alive(pid: int) -> bool:
    """Whether a process with this id runs (a zombie counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_gone(pid: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while alive(pid):
        assert time.monotonic() < deadline, f"process {pid} is still running"
        time.sleep(0.05)


def test_a_worker_that_dies_is_replaced_and_commands_still_run(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    scim_tenant.create_users(["alice@acme.test", "bob@acme.test", "carol@acme.test"])
    with running(tmp_path, slack, scim_tenant) as run:
        os.kill(run.worker, signal.SIGKILL)
        wait_gone(run.worker)
        asked = time.monotonic()
        assert run.bot.command("push").status_code == 200  # the dialog: opened by the front
        opened = slack.wait_for("views.open", timeout=10)
        assert opened.at - asked < 1.5, "the dialog waited for the next worker"
        assert run.bot.command("push Sales to box").status_code == 200
        slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c), timeout=20)
        assert scim_tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                      "carol@acme.test"}  # sam is suspended
        assert run.proc.poll() is None


def test_a_front_killed_outright_takes_its_worker_with_it(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    with running(tmp_path, slack, scim_tenant) as run:
        assert alive(run.worker)
        run.proc.kill()
        run.proc.wait(10)
    wait_gone(run.worker)


def test_a_command_a_dying_worker_leaves_unfinished_is_told_and_the_push_converges(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn) -> None:
    directory = small_directory()
    big = [{"id": f"u{i}", "login": f"user{i}@acme.test", "status": "ACTIVE"}
           for i in range(1500)]
    directory["users"] += big
    directory["groups"].append({"id": "g-big", "name": "Big", "members": [u["id"] for u in big]})
    write_world(tmp_path, scim_tenant, directory)
    scim_tenant.bulk_create_users(u["login"] for u in big)
    edit_config(tmp_path, lambda c: c["apps"]["box"].update(
        max_members_per_request=10))  # 150 PATCHes: time to kill it
    with running(tmp_path, slack, scim_tenant) as run:
        assert run.bot.command("push Big to box").status_code == 200
        deadline = time.monotonic() + 30
        while not ("Big" in scim_tenant.groups() and scim_tenant.member_logins("Big")):
            assert time.monotonic() < deadline, "the push never started"
            time.sleep(0.05)
        os.kill(run.worker, signal.SIGKILL)
        told = slack.wait_for("response_url", lambda c: "worker stopped" in message_text(c))
        assert "/grouppush push Big to box" in message_text(told)
        assert told.args.get("response_type") == "ephemeral"
        assert 0 < len(scim_tenant.member_logins("Big")) < 1500

        assert run.bot.command("sync box").status_code == 200  # run by the new worker
        slack.wait_for("chat.update", lambda c: "Synced box" in message_text(c), timeout=60)
        assert len(scim_tenant.member_logins("Big")) == 1500
        assert scim_tenant.group_count("Big") == 1


def test_run_waits_for_slack_to_answer_at_start_without_a_traceback(
        tmp_path: Path, scim_tenant: ScimTenant) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    slack_port, port = free_port(), free_port()
    env = {**os.environ, "GROUPPUSH_CONFIG": str(tmp_path / "grouppush.yml"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": f"http://127.0.0.1:{slack_port}/api/"}
    env.pop("SLACK_APP_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    slack = None
    try:
        told = proc.stderr.readline()
        while "cannot reach" not in told:  # after the line saying where health is served
            assert told and "Traceback" not in told, told
            told = proc.stderr.readline()
        assert "cannot reach Slack's Web API" in told and "trying again" in told, told
        slack = SlackStandIn(port=slack_port)  # Slack is back
        worker_pid(proc)  # it starts and listens
        bot = Bot(f"http://127.0.0.1:{port}/slack/events", None,  # type: ignore[arg-type]
                  slack, scim_tenant, httpx.Client(timeout=10))
        assert bot.command("help").status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
        if slack is not None:
            slack.stop()
