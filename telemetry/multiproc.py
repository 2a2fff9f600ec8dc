"""Metrics shared by the two processes of `grouppush run` (prometheus-client multiprocess mode).

Kept apart from telemetry.metrics, which imports prometheus_client: the folder must be set
before that import, in the front, and the worker it spawns inherits the setting.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare() -> Path:
    """Use PROMETHEUS_MULTIPROC_DIR (emptied: it holds the last run's values), else a folder
    of our own removed at exit. Call before anything imports prometheus_client."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess folder was set")
    given = os.environ.get(VARIABLE)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return folder
    folder = Path(tempfile.mkdtemp(prefix="grouppush-metrics-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ[VARIABLE] = str(folder)
    return folder


def enabled() -> bool:
    """Whether this process writes its metrics to the shared folder."""
    return bool(os.environ.get(VARIABLE))
