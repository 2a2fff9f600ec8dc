"""The table: one row per figure, each with its target, its ratio and whether it was met."""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Row:
    """One figure of one scenario."""

    scenario: str
    figure: str
    value: str
    target: str = ""
    ratio: str = ""
    verdict: str = ""
    """met | missed | "" (a figure shown for information, with no target)"""

    def as_dict(self) -> dict[str, Any]:
        """The row as plain data (for --json)."""
        return asdict(self)


def verdict(ok: bool) -> str:
    """`met` or `missed`."""
    return "met" if ok else "missed"


def seconds(value: float) -> str:
    """A wall time as shown in the table."""
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def ratio(value: float, base: float) -> str:
    """value / base, as `1.04×`; `-` when the base is zero."""
    return f"{value / base:.2f}×" if base > 0 else "-"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of the values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


FIGURE_COLUMNS = ("figure", "value", "target", "ratio", "verdict")
HEADINGS = ("figure", "value", "target", "ratio", "")


def render(rows: list[Row]) -> str:
    """A plain-text table: each scenario on its own line, its figures below, columns padded."""
    cells = [list(HEADINGS)] + [[str(getattr(r, c)) for c in FIGURE_COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(FIGURE_COLUMNS))]

    def line(values: list[str]) -> str:
        return "  " + "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(cells[0]), "  " + "  ".join("-" * w for w in widths)]
    scenario = None
    for row, values in zip(rows, cells[1:], strict=True):
        if row.scenario != scenario:
            scenario = row.scenario
            out.append(scenario)
        out.append(line(values))
    return "\n".join(out)


class Stopwatch:
    """Seconds since a run began: progress lines on stderr, the closing total."""

    def __init__(self) -> None:
        self.began = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds since the run began."""
        return time.perf_counter() - self.began

    def say(self, text: str) -> None:
        """A progress line, stamped with the seconds so far."""
        print(f"[{self.elapsed():6.0f} s] {text}", file=sys.stderr, flush=True)


def print_table(rows: list[Row], watch: Stopwatch, json_path: Path | None = None) -> None:
    """The table, the total time and how many targets were met; the rows as JSON if asked."""
    print(render(rows))
    print(f"\ntotal {watch.elapsed():.0f} s; "
          f"targets met: {sum(r.verdict == 'met' for r in rows)}, "
          f"missed: {sum(r.verdict == 'missed' for r in rows)}")
    if json_path:
        json_path.write_text(json.dumps([r.as_dict() for r in rows], indent=1))
