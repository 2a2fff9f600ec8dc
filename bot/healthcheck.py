"""The container's HEALTHCHECK: GET /healthz on the port `grouppush run` serves it on, read
from the running command line (`--health-port`, `--port`), so a changed port is followed.

    python -m bot.healthcheck      exit 0 when /healthz answers 200, else 1
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

DEFAULT_PORT = 3000


def _option(argv: Sequence[str], name: str) -> str | None:
    for i, word in enumerate(argv):
        if word == name and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None


def health_port(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Where `grouppush run ARGV` serves /healthz: Socket Mode's health port, else --port."""
    socket_mode = bool(env.get("SLACK_APP_TOKEN"))
    health = _option(argv, "--health-port") or env.get("GROUPPUSH_HEALTH_PORT")
    if socket_mode and health:
        return int(health)
    return int(_option(argv, "--port") or DEFAULT_PORT)


def main() -> int:
    """Probe /healthz of the container's `grouppush run` (process 1)."""
    try:
        argv = Path("/proc/1/cmdline").read_bytes().decode().split("\0")
    except OSError:
        argv = []
    port = health_port(argv, os.environ)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as error:
        print(f"grouppush health check: http://127.0.0.1:{port}/healthz: {error}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
