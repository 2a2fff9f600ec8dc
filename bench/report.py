"""The table: one row per figure, each with its target, its ratio and whether it was met."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
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
