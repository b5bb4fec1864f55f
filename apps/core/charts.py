"""Bar charts of bytes over dates, drawn on the server as SVG geometry: a dated x axis, a
scale in decimal units (GB, TB) and, if asked, one bar marked and labelled. No JavaScript,
no outside library; the templates scale it with viewBox and width 100%."""

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


def count_label(value: float, *, digits: int = 1) -> str:
    """A count on a scale: 1,250; a fraction only where the step is one (0.5)."""
    return f"{value:,.0f}" if value == int(value) or value >= 100 else f"{value:,.{digits}f}"


def nice_step(peak: float, ticks: int = 4) -> float:
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def bar_chart(
    values: list[tuple[dt.date, int]],
    *,
    label_every: int = 7,
    mark: dt.date | None = None,
    mark_label: str = "",
    date_format: str = "j M",
    unit=bytes_label,
) -> dict | None:
    """Geometry of one bar per (date, bytes), oldest first: the scale's gridlines, a date
    label under the last bar and every `label_every` bars before it, and the bar of `mark`
    flagged with `mark_label` above it; dates are written with the Django `date_format`,
    values with `unit(value, digits=...)` (bytes unless told). None when every value is
    zero."""
    if not values or not any(v for _, v in values):
        return None
    peak = max(v for _, v in values)
    step = nice_step(peak)
    top = step * math.ceil(peak / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(values)
    bars, labels, marker = [], [], None
    for i, (day, value) in enumerate(values):
        height = plot_h * value / top
        x = LEFT + i * slot
        bar = {
            "x": round(x + slot * 0.12, 1),
            "y": round(TOP + plot_h - height, 1),
            "width": round(max(slot * 0.76, 0.8), 1),
            "height": round(height, 1),
            "day": day,
            "value": unit(value, digits=2),
            "marked": day == mark,
        }
        bars.append(bar)
        if (len(values) - 1 - i) % label_every == 0:
            near_edge = x + slot / 2 > WIDTH - RIGHT - 30  # keep the last date inside
            labels.append(
                {
                    "x": round(WIDTH - RIGHT if near_edge else x + slot / 2, 1),
                    "day": day,
                    "anchor": "end" if near_edge else "middle",
                }
            )
        if bar["marked"]:
            centre = x + slot / 2
            anchor = (
                "end" if centre > WIDTH * 0.7 else "start" if centre < WIDTH * 0.3 else "middle"
            )
            marker = {
                "x": round(centre, 1),
                "y": max(TOP + 12, bar["y"] - 6),
                "anchor": anchor,
                "label": mark_label,
            }
    grid = [
        {"y": round(TOP + plot_h - plot_h * k * step / top, 1), "label": unit(k * step)}
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
        "marker": marker,
        "date_format": date_format,
        "peak": unit(peak, digits=2),
        "first": values[0][0],
        "last": values[-1][0],
    }
