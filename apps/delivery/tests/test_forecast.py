"""The capacity forecast's arithmetic on hand-made numbers whose answers are known, and the
whole forecast on hand-made answers, traffic and mirrors."""

import datetime as dt
import math

import pytest

from apps.delivery import forecast
from apps.delivery.models import DailyUsage
from apps.delivery.selectors import capacity_forecast
from apps.mirrors.choices import MirrorStatus
from apps.servers.models import ServerTraffic
from apps.servers.tests.factories import ServerFactory

from .factories import MirrorFactory


def test_an_exact_exponential_gives_its_factor_and_next_value():
    fit = forecast.growth_fit([(3, 100), (4, 400), (5, 1600)])
    assert fit.factor == pytest.approx(4)
    assert fit.predict(6) == pytest.approx(6400)


def test_the_fit_is_least_squares_on_the_logarithms():
    # ln y = 0, 2, 2 at x = 0, 1, 2: slope 1, intercept 1/3 (by hand).
    fit = forecast.growth_fit([(0, 1), (1, math.e**2), (2, math.e**2)])
    assert fit.slope == pytest.approx(1) and fit.intercept == pytest.approx(1 / 3)
    assert forecast.growth_fit([(5, 10)]) is None  # one release: nothing to fit
    assert forecast.growth_fit([(4, 0), (5, 10)]) is None  # zeros are left out


def test_busiest_weeks_and_the_release_days_share():
    mon = dt.date(2007, 4, 9)
    daily = {(5, mon + dt.timedelta(days=d)): n for d, n in enumerate([1, 1, 1, 4, 1, 1, 1])}
    daily[5, mon + dt.timedelta(days=7)] = 9  # the next week: 9 < 10
    daily[4, dt.date(2006, 8, 30)] = 3
    assert forecast.busiest_weeks(daily) == {4: (dt.date(2006, 8, 28), 3), 5: (mon, 10)}
    per_day = {day: n for (major, day), n in daily.items() if major == 5}
    assert forecast.peak_day_share(per_day, mon) == pytest.approx(0.4)
    assert forecast.peak_day_share({}, mon) == pytest.approx(1 / 7)


def test_places_short_of_capacity_come_first():
    assert forecast.mbps_of_bytes_per_day(10.8e12) == pytest.approx(1000)
    assert forecast.shares({"DE": 5, "FR": 3, "US": 2, "": 90}) == {"DE": 0.5, "FR": 0.3,
                                                                     "US": 0.2}  # fmt: skip
    rows = forecast.places(demand_mbps=1000, share={"DE": 0.5, "FR": 0.3, "US": 0.2},
                           capacity={"DE": 600, "FR": 100, "US": 500, "JP": 50},
                           mirrors={"DE": 2}, names={"FR": "France"})  # fmt: skip
    assert [(r.code, r.shortfall_mbps) for r in rows] == [
        ("FR", 200), ("DE", 0), ("US", 0), ("JP", 0)]  # fmt: skip
    assert rows[0].name == "France" and rows[0].covered_percent == pytest.approx(100 / 3)
    continents = forecast.by_continent(rows, {"DE": "EU", "FR": "EU", "US": "NA",
                                              "JP": "AS"}.get, {"EU": "Europe"})  # fmt: skip
    europe = continents[0]
    assert (europe.name, europe.demand_mbps, europe.capacity_mbps) == ("Europe", 800, 700)


@pytest.mark.django_db
def test_the_whole_forecast_on_hand_made_answers_traffic_and_mirrors():
    # Busiest weeks: 3.x 1,000 answers, 4.x 4,000, 5 16,000 (each on one Wednesday, so the
    # release day carries all of its week): the next release's week, 64,000 answers.
    for release, day, count in [("3.8", dt.date(2006, 8, 23), 1000),
                                ("4.4", dt.date(2006, 8, 30), 4000),
                                ("5.0", dt.date(2007, 4, 11), 12000)]:  # fmt: skip
        DailyUsage.objects.create(day=day, kind="mirrorlist", country="DE", release=release,
                                  arch="x86_64", repo="os", count=count)  # fmt: skip
    DailyUsage.objects.create(day=dt.date(2007, 4, 11), kind="mirrorlist", country="BR",
                              release="5.0", arch="x86_64", repo="os", count=4000)  # fmt: skip
    # 5's day: 16,000 answers with 270 GB sent: 16.875 MB per answer (from the one day that
    # has both), so the next release day is 64,000 * 16.875 MB = 1.08 TB: 100 Mbit/s.
    ServerTraffic.objects.create(server=ServerFactory(), day=dt.date(2007, 4, 11),
                                 bytes_out=270 * 10**9)  # fmt: skip
    MirrorFactory(country="DE", bandwidth_mbps=50, status=MirrorStatus.UP)
    MirrorFactory(country="DE", bandwidth_mbps=1000, status=MirrorStatus.DOWN)  # not counted
    got = capacity_forecast(today=dt.date(2007, 5, 1))
    assert got["fit"].factor == pytest.approx(4) and got["next_major"] == 6
    assert got["week_answers"] == pytest.approx(64000) and got["day_share"] == 1
    assert got["bytes_per_answer"] == pytest.approx(16.875e6)
    assert got["demand_mbps"] == pytest.approx(100)
    rows = {p.code: p for p in got["countries"]}
    assert rows["DE"].demand_mbps == pytest.approx(75) and rows["DE"].capacity_mbps == 50
    assert rows["BR"].shortfall_mbps == pytest.approx(25)
    assert rows["DE"].shortfall_mbps == pytest.approx(25) and rows["DE"].mirrors == 1
    continents = {c.code: (round(c.demand_mbps, 6), c.capacity_mbps) for c in got["continents"]}
    assert continents == {"EU": (75, 50), "SA": (25, 0)}
