"""The worker process of `grouppush run`: replaced when it dies, never in a tight loop, and
nothing handed to it is dropped without telling."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

import bot.worker
from bot.worker import Worker

pytestmark = pytest.mark.slow


def test_a_worker_that_keeps_dying_at_start_is_retried_less_and_less_often(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(bot.worker, "RESTART_PAUSE", 0.1)
    monkeypatch.setattr(bot.worker, "MAX_RESTART_PAUSE", 0.4)
    worker = Worker(str(tmp_path / "missing.yml"))  # the worker cannot build its service
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while len(re.findall("starts in", caplog.text)) < 4:
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.1)
    finally:
        worker.stop()
    pauses = [float(p) for p in re.findall(r"a new one starts in ([\d.]+) s", caplog.text)]
    assert pauses[:4] == [0.2, 0.4, 0.4, 0.4]


def test_what_arrives_once_the_front_is_stopping_is_told_not_dropped() -> None:
    lost: list[dict[str, Any]] = []
    worker = Worker(on_lost=lost.append)
    worker.stop()
    worker.submit({"mode": "http", "body": "text=sync", "headers": {}})
    deadline = time.monotonic() + 5
    while not lost:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert lost[0]["body"] == "text=sync"
