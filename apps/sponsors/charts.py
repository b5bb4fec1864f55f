"""The traffic chart of a sponsor's page: bytes sent per day, drawn by apps.core.charts
(a dated x axis and a scale), so the page needs no JavaScript and no outside library."""

from __future__ import annotations

import datetime as dt

from apps.core.charts import bar_chart, bytes_label

__all__ = ["bytes_label", "traffic_chart"]


def traffic_chart(per_day: dict[dt.date, int], *, first: dt.date, days: int) -> dict | None:
    """Bars of bytes sent per day from `first` for `days` days (a day without a figure is
    a gap), the scale's gridlines and a date label every week. None when nothing was sent."""
    values = [
        (first + dt.timedelta(days=i), per_day.get(first + dt.timedelta(days=i), 0))
        for i in range(days)
    ]
    return bar_chart(values, label_every=7)
