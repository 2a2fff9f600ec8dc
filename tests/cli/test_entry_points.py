"""The installed `grouppush` command itself: demo, exec exit codes, check."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.servers import free_port
from tests.workspace import Workspace


def grouppush() -> list[str]:
    exe = shutil.which("grouppush") or os.path.join(os.path.dirname(sys.executable),
                                                    "grouppush")
    return [exe]


def test_demo_pushes_sales_and_shows_its_information() -> None:
    script = ("push Sales to demo-scim\ninfo Sales on demo-scim\nlist\n"
              "unlink Sales from demo-scim --delete\n")
    done = subprocess.run([*grouppush(), "demo"], input=script, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    pushed = re.search(r"Pushed Sales to demo-scim: created the group and pushed (\d+) "
                       "members", out)
    assert pushed and int(pushed.group(1)) > 0, out
    assert "Information: Sales on demo-scim" in out
    assert "Status: active" in out and "created by grouppush" in out
    assert "approve " in out


def test_exec_exit_codes(ws: Workspace) -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "GROUPPUSH_LOG"},  # its default
           "GROUPPUSH_CONFIG": str(ws.config_path), "DATABASE_URL": ws.db_url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*grouppush(), *args], env=env, capture_output=True, text=True,
                              timeout=60)

    assert run("exec", "push Sales to box").returncode == 0
    refused = run("exec", "push Sales to box")
    assert refused.returncode == 1 and "already pushed" in refused.stdout
    assert run("exec", "push Sales").returncode == 2
    assert run("check").returncode == 0
    ws.app.patch_members("Sales", remove=["alice@acme.test"])
    drift = run("check", "box")
    assert drift.returncode == 1 and "alice@acme.test" in drift.stdout
    as_json = run("exec", "info Sales on box", "--json", "--as", "U0X")
    assert as_json.returncode == 0 and '"ok": true' in as_json.stdout
    ws.config["apps"]["box"]["url"] = f"http://127.0.0.1:{free_port()}/v2"  # the app is down
    ws.write()
    failed = run("exec", "now Sales on box")
    assert failed.returncode == 1 and "Sales" in failed.stdout
    for answer in (refused, failed):  # the answer is on stdout once, not again as a log line
        assert "WARNING" not in answer.stderr and answer.stdout.splitlines()[0] \
            not in answer.stderr, answer.stderr


def test_ctrl_c_in_the_console_ends_it_without_a_traceback(ws: Workspace) -> None:
    import signal
    import time

    env = {**os.environ, "GROUPPUSH_CONFIG": str(ws.config_path), "DATABASE_URL": ws.db_url}
    console = subprocess.Popen([*grouppush(), "console"], env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               # as at a terminal, even when the tests run in the background
                               # (where a shell starts them with Ctrl-C ignored)
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert console.stdin is not None and console.stdout is not None
    console.stdin.write("apps\n")
    console.stdin.flush()
    seen, deadline = "", time.monotonic() + 60
    while "Apps:" not in seen and time.monotonic() < deadline:  # it answered: at its prompt
        seen += os.read(console.stdout.fileno(), 4096).decode()
    console.send_signal(signal.SIGINT)
    out, err = console.communicate(timeout=30)
    assert console.returncode == 130 and "Traceback" not in err + out, err


def test_a_reader_that_leaves_early_gets_no_traceback(ws: Workspace) -> None:
    env = {**os.environ, "GROUPPUSH_CONFIG": str(ws.config_path), "DATABASE_URL": ws.db_url}
    for _ in range(40):
        ws.add_group(f"g-x{_}", f"Project X {_:02d}", ["alice"])
    ws.write()
    reader = subprocess.Popen(f"'{grouppush()[0]}' exec 'search Project' | true",
                              shell=True, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    out, err = reader.communicate(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_config_after_the_subcommand_unquoted_exec_and_version(
        ws: Workspace, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    monkeypatch.delenv("GROUPPUSH_CONFIG", raising=False)
    monkeypatch.setenv("DATABASE_URL", ws.db_url)
    ws.add_group("g-st", "Sales Team", ["alice"])
    ws.write()
    assert main(["exec", "push", "Sales Team", "to", "box", "--config",
                 str(ws.config_path)]) == 0
    assert "Pushed \"Sales Team\" to box" in capsys.readouterr().out
    assert main(["--config", str(ws.config_path), "exec", "info", "Sales Team", "on",
                 "box"]) == 0
    assert "Sales Team" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("grouppush ")
