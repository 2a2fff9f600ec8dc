"""How long the `grouppush` command takes to start: `--version`, `exec help` and `exec list`,
best of N runs in fresh interpreters, next to the floor (`python -c pass`: the interpreter's
own start), with the least CPU time a run used (steadier than the wall on a busy machine) and
the load average when it ended. `--baseline DIR` times another checkout the same way
(PYTHONPATH=DIR), the runs interleaved so both see the same load.

    .venv/bin/python -m bench.start [--runs 5] [--baseline /path/to/an/older/checkout]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (("--version",), ("exec", "help"), ("exec", "list"))
TARGETS = {"--version": 0.3, "exec help": 0.8, "exec list": 1.0}
MAIN = "from bot.cli import main; raise SystemExit(main())"
CONFIG = """directory: {type: file, path: directory.yml}
apps:
  box: {type: scim, url: "http://127.0.0.1:9/v2", token: "${BENCH_TOKEN}"}
slack: {alerts_channel: C0ALERTS}
"""
DIRECTORY = """users: [{id: u1, login: a@acme.test}]
groups: [{id: g1, name: Sales, members: [u1]}]
"""


def once(args: list[str], env: dict[str, str], folder: str) -> tuple[float, float]:
    """Seconds one run takes, start to exit, and the CPU seconds it used (user + system: less
    swayed by other work on the machine than the wall); in `folder`, off the checkout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, env=env, cwd=folder, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Print best and median of each command (and of the baseline), with the floor."""
    options = argparse.ArgumentParser(prog="python -m bench.start", description=__doc__)
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("--baseline", help="a checkout to compare with (PYTHONPATH)")
    given = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="grouppush-start-") as folder:
        (Path(folder) / "grouppush.yml").write_text(CONFIG)
        (Path(folder) / "directory.yml").write_text(DIRECTORY)
        env = {**os.environ, "GROUPPUSH_CONFIG": str(Path(folder) / "grouppush.yml"),
               "BENCH_TOKEN": "bench-token", "DATABASE_URL": f"sqlite:///{folder}/g.db"}
        env.pop("PYTHONPATH", None)
        once([sys.executable, "-c", MAIN, "exec", "list"], env, folder)  # the schema made
        sides = {"now": env}
        if given.baseline:
            sides["baseline"] = {**env, "PYTHONPATH": given.baseline}
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(given.runs):
            times.setdefault(("floor", "python -c pass"), []).append(
                once([sys.executable, "-c", "pass"], env, folder))
            for side, side_env in sides.items():
                for command in COMMANDS:
                    name = " ".join(command)
                    times.setdefault((side, name), []).append(
                        once([sys.executable, "-c", MAIN, *command], side_env, folder))
    floor = min(wall for wall, _ in times[("floor", "python -c pass")])
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'side':9} {'command':15} {'best s':>7} {'median s':>9} {'cpu s':>6} "
          f"{'x floor':>8} {'target':>7}")
    for (side, name), runs in times.items():
        walls = sorted(wall for wall, _ in runs)
        best, median, cpu = walls[0], walls[len(walls) // 2], min(c for _, c in runs)
        target = f"{TARGETS[name]:.1f}" if name in TARGETS else ""
        print(f"{side:9} {name:15} {best:7.2f} {median:9.2f} {cpu:6.2f} {best / floor:8.1f} "
              f"{target:>7}")


if __name__ == "__main__":
    main()
