"""The traffic chart of a sponsor's page: geometry for a server-side SVG with a date axis
and a scale, so the page needs no JavaScript and no outside library."""

from __future__ import annotations

import datetime as dt
import math

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 88, 16, 16, 44  # room for the scale and the dates
UNITS = ((10**15, "PB"), (10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "kB"))


def bytes_label(value: float, *, digits: int = 1) -> str:
    """Bytes in decimal units, as an operator's graph shows them: 1.5 TB, 730 GB."""
    for size, unit in UNITS:
        if value >= size:
            number = value / size
            text = f"{number:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{number:.0f}"
            return f"{text} {unit}"
    return f"{value:.0f} B"


def _nice_step(peak: float, ticks: int = 4) -> float:
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def traffic_chart(per_day: dict[dt.date, int], *, first: dt.date, days: int) -> dict | None:
    """Bars of bytes sent per day from `first` for `days` days (a day without a figure is
    a gap), the scale's gridlines and a date label every week. None when nothing was sent."""
    if not any(per_day.values()):
        return None
    peak = max(per_day.values())
    step = _nice_step(peak)
    top = step * math.ceil(peak / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / days
    bars, labels = [], []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        value = per_day.get(day, 0)
        height = plot_h * value / top
        x = LEFT + i * slot
        bars.append(
            {
                "x": round(x + slot * 0.12, 1),
                "y": round(TOP + plot_h - height, 1),
                "width": round(slot * 0.76, 1),
                "height": round(height, 1),
                "day": day,
                "value": bytes_label(value),
            }
        )
        if (days - 1 - i) % 7 == 0:  # the last day is labelled, and each week before it
            labels.append({"x": round(x + slot / 2, 1), "day": day})
    grid = [
        {"y": round(TOP + plot_h - plot_h * k * step / top, 1), "label": bytes_label(k * step)}
        for k in range(round(top / step) + 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": TOP + plot_h + 22,
        "bars": bars,
        "labels": labels,
        "grid": grid,
        "peak": bytes_label(peak),
        "first": first,
        "last": first + dt.timedelta(days=days - 1),
    }
