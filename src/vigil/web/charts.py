"""Inline SVG charts drawn on the server: no chart library, no JavaScript needed to see them.
This module computes the geometry; ``templates/partials/chart.html`` draws it (autoescaped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_Y = 600, 160, 44, 8, 14
# (time, min, avg, max) of one bucket; None where the bucket had no value.
Bucket = tuple[datetime, float | None, float | None, float | None]


@dataclass
class LineChart:
    label: str
    unit: str
    color: str
    lines: list[str]  # SVG "x,y x,y" point lists; a gap in the data starts a new line
    band: str | None  # min-max envelope polygon
    low: float
    high: float
    start: datetime
    end: datetime
    latest: float | None
    width: int = WIDTH
    height: int = HEIGHT
    pad_left: int = PAD_LEFT
    pad_right: int = PAD_RIGHT
    pad_y: int = PAD_Y


def line_chart(
    label: str,
    unit: str,
    points: Sequence[Bucket],
    *,
    color: str = "#2563eb",
    floor: float | None = 0.0,
    ceiling: float | None = None,
) -> LineChart | None:
    """The average as a line over a min/max band; None when there is nothing to draw. Gaps
    break the line instead of inventing values."""
    values = [v for _, lo, avg, hi in points for v in (lo, avg, hi) if v is not None]
    if not points or not values:
        return None
    low = floor if floor is not None else min(values)
    high = ceiling if ceiling is not None else max(values)
    if high <= low:
        high = low + 1.0
    t0, t1 = points[0][0].timestamp(), points[-1][0].timestamp()
    span = max(t1 - t0, 1.0)

    def xy(t: datetime, v: float) -> str:
        x = PAD_LEFT + (t.timestamp() - t0) / span * (WIDTH - PAD_LEFT - PAD_RIGHT)
        y = HEIGHT - PAD_Y - (v - low) / (high - low) * (HEIGHT - 2 * PAD_Y)
        return f"{x:.1f},{y:.1f}"

    segments: list[list[str]] = [[]]
    top: list[str] = []
    bottom: list[str] = []
    for t, lo, avg, hi in points:
        if avg is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(xy(t, avg))
        if lo is not None and hi is not None:
            top.append(xy(t, hi))
            bottom.append(xy(t, lo))
    latest = next((avg for _, _, avg, _ in reversed(points) if avg is not None), None)
    return LineChart(
        label=label,
        unit=unit,
        color=color,
        lines=[" ".join(seg) for seg in segments if seg],
        band=" ".join(top + bottom[::-1]) if len(top) > 1 else None,
        low=low,
        high=high,
        start=points[0][0],
        end=points[-1][0],
        latest=latest,
    )
