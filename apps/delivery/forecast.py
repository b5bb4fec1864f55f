"""The arithmetic of the capacity forecast, on plain numbers (no Django): the growth from
release to release fitted to the busiest weeks of earlier releases, the demand of the next
release day shared among the countries as their answers were, and each place's shortfall.

The talk: "We expect an exponential increase from 4 to 5, as there was from 3 to 4." So the
busiest week of each major release is fitted as peak = A * g**major by least squares on the
logarithms; g is the growth factor from one major release to the next."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Fit:
    """ln(peak) = intercept + slope * major; `factor` = e**slope, the growth per release."""

    intercept: float
    slope: float
    points: tuple[tuple[float, float], ...]

    @property
    def factor(self) -> float:
        return math.exp(self.slope)

    def predict(self, x: float) -> float:
        return math.exp(self.intercept + self.slope * x)


def growth_fit(points: list[tuple[float, float]]) -> Fit | None:
    """Least squares of ln(y) on x over the points with y > 0; None with fewer than two
    distinct x (nothing to fit a growth to)."""
    usable = sorted((float(x), float(y)) for x, y in points if y > 0)
    if len({x for x, _ in usable}) < 2:
        return None
    n = len(usable)
    mean_x = sum(x for x, _ in usable) / n
    mean_ln = sum(math.log(y) for _, y in usable) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in usable)
    sxy = sum((x - mean_x) * (math.log(y) - mean_ln) for x, y in usable)
    slope = sxy / sxx
    return Fit(intercept=mean_ln - slope * mean_x, slope=slope, points=tuple(usable))


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def busiest_weeks(daily: dict[tuple[int, dt.date], int]) -> dict[int, tuple[dt.date, int]]:
    """For each major release, its busiest ISO week (Monday, answers) from answers per
    (major, day); the earliest of equal weeks."""
    weeks: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for (major, day), count in daily.items():
        weeks[major][monday_of(day)] += count
    return {
        major: max(per_week.items(), key=lambda item: (item[1], -item[0].toordinal()))
        for major, per_week in sorted(weeks.items())
    }


def peak_day_share(daily: dict[dt.date, int], monday: dt.date) -> float:
    """The busiest day's share of its week's answers (1/7 for an even week)."""
    week = [daily.get(monday + dt.timedelta(days=d), 0) for d in range(7)]
    total = sum(week)
    return max(week) / total if total else 1 / 7


def mbps_of_bytes_per_day(bytes_per_day: float) -> float:
    return bytes_per_day * 8 / 86400 / 1e6


def shares(counts: dict[str, int]) -> dict[str, float]:
    """Each key's share of the counts (the unknown country, "", left out)."""
    known = {k: v for k, v in counts.items() if k and v > 0}
    total = sum(known.values())
    return {k: v / total for k, v in known.items()} if total else {}


@dataclass
class Place:
    """A country or continent: the demand the next release day brings, what its listed
    mirrors can give, and what is missing (Mbit/s)."""

    code: str
    name: str
    demand_mbps: float
    capacity_mbps: float
    mirrors: int = 0

    @property
    def shortfall_mbps(self) -> float:
        return max(0.0, self.demand_mbps - self.capacity_mbps)

    @property
    def covered_percent(self) -> float:
        if self.demand_mbps <= 0:
            return 100.0
        return min(100.0, 100 * self.capacity_mbps / self.demand_mbps)


def places(
    *, demand_mbps: float, share: dict[str, float], capacity: dict[str, float],
    mirrors: dict[str, int], names: dict[str, str],
) -> list[Place]:  # fmt: skip
    """Every place with demand or capacity, the most short first (then by demand, code)."""
    codes = set(share) | set(capacity)
    rows = [
        Place(code=code, name=names.get(code, code), demand_mbps=demand_mbps * share.get(code, 0),
              capacity_mbps=capacity.get(code, 0.0), mirrors=mirrors.get(code, 0))
        for code in codes
    ]  # fmt: skip
    return sorted(rows, key=lambda p: (-p.shortfall_mbps, -p.demand_mbps, p.code))


def by_continent(rows: list[Place], continent_of, names: dict[str, str]) -> list[Place]:
    """The countries' rows summed by continent (a country's own shortfall is not netted
    against another's surplus there: the continent row is its own sum)."""
    sums: dict[str, Place] = {}
    for row in rows:
        code = continent_of(row.code) or "??"
        place = sums.setdefault(code, Place(code=code, name=names.get(code, code),
                                            demand_mbps=0.0, capacity_mbps=0.0))  # fmt: skip
        place.demand_mbps += row.demand_mbps
        place.capacity_mbps += row.capacity_mbps
        place.mirrors += row.mirrors
    return sorted(sums.values(), key=lambda p: (-p.shortfall_mbps, -p.demand_mbps, p.code))
