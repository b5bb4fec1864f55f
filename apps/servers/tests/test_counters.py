"""The counter logic: deltas between readings, 64-bit wraps, reboots, the uptime's own wrap,
gaps and impossible rates, and a period's bytes split over days."""

import datetime as dt

import pytest

from apps.core.traffic.counters import (
    COUNTER64,
    TICKS32,
    Reading,
    counter_delta,
    rebooted,
    split_by_day,
)

T0 = dt.datetime(2006, 8, 30, 12, 0, tzinfo=dt.UTC)
FIVE_MIN = dt.timedelta(minutes=5)
DAY_TICKS = 86400 * 100


def reading(at, octets_in, octets_out, uptime=None):
    return Reading(at=at, in_octets=octets_in, out_octets=octets_out, uptime_ticks=uptime)


def test_the_first_reading_gives_no_delta():
    assert counter_delta(None, reading(T0, 5, 5, DAY_TICKS)) is None


def test_a_plain_delta_is_the_difference():
    prev = reading(T0, 1_000, 2_000, DAY_TICKS)
    new = reading(T0 + FIVE_MIN, 1_000 + 3 * 10**9, 2_000 + 7 * 10**9, DAY_TICKS + 30_000)
    delta = counter_delta(prev, new, max_mbps=1000)
    assert (delta.bytes_in, delta.bytes_out, delta.note, delta.discarded) == (
        3 * 10**9, 7 * 10**9, "", ""
    )  # fmt: skip
    assert (delta.start, delta.end) == (T0, T0 + FIVE_MIN)


def test_a_64_bit_wrap_adds_2_to_the_64():
    prev = reading(T0, COUNTER64 - 1_000, 50, DAY_TICKS)
    new = reading(T0 + FIVE_MIN, 4_000, 150, DAY_TICKS + 30_000)
    delta = counter_delta(prev, new)
    assert delta.bytes_in == 5_000
    assert delta.bytes_out == 100
    assert delta.note == "counter wrap"
    assert delta.counted


def test_a_reboot_counts_the_new_value_since_boot_not_a_wrap():
    prev = reading(T0, 9 * 10**12, 8 * 10**12, 40 * DAY_TICKS)
    new = reading(T0 + FIVE_MIN, 2 * 10**6, 3 * 10**6, 120 * 100)  # up for two minutes
    assert rebooted(prev, new)
    delta = counter_delta(prev, new)
    assert (delta.bytes_in, delta.bytes_out, delta.note) == (2 * 10**6, 3 * 10**6, "reboot")


def test_a_reboot_is_seen_even_when_the_old_uptime_was_shorter():
    # Up 10 s at the first reading, rebooted a minute later: uptime grew, yet it booted anew.
    prev = reading(T0, 10**9, 10**9, 10 * 100)
    new = reading(T0 + FIVE_MIN, 500, 700, 240 * 100)
    assert counter_delta(prev, new).note == "reboot"
    assert counter_delta(prev, new).bytes_out == 700


def test_the_uptime_wrapping_after_497_days_is_no_reboot():
    prev = reading(T0, 10**9, 10**9, TICKS32 - 100 * 100)  # 100 s before the wrap
    new = reading(T0 + FIVE_MIN, 2 * 10**9, 3 * 10**9, 200 * 100)  # 300 s later
    assert not rebooted(prev, new)
    delta = counter_delta(prev, new)
    assert (delta.bytes_in, delta.bytes_out, delta.note) == (10**9, 2 * 10**9, "")


def test_a_reset_counter_without_reboot_is_an_impossible_rate():
    # The counter went down but the agent ran on: read as a wrap, 2**64 bytes in 5 minutes.
    prev = reading(T0, 10**12, 10**12, DAY_TICKS)
    new = reading(T0 + FIVE_MIN, 10**3, 10**12 + 5, DAY_TICKS + 30_000)
    delta = counter_delta(prev, new, max_mbps=10_000)
    assert not delta.counted
    assert "Mbit/s is more than the interface's 10,000 Mbit/s" in delta.discarded
    assert delta.bytes_in == delta.bytes_out == 0


def test_a_rate_above_the_interface_speed_is_discarded():
    prev = reading(T0, 0, 0)
    new = reading(T0 + FIVE_MIN, 0, 40 * 10**9)  # 40 GB in 300 s: ~1067 Mbit/s
    assert counter_delta(prev, new, max_mbps=10_000).counted
    delta = counter_delta(prev, new, max_mbps=1_000)
    assert delta.discarded == "1,067 Mbit/s is more than the interface's 1,000 Mbit/s"


def test_a_gap_too_long_is_discarded():
    prev = reading(T0, 0, 0, DAY_TICKS)
    new = reading(T0 + dt.timedelta(hours=3, minutes=5), 10**9, 10**9, DAY_TICKS + 1_110_000)
    delta = counter_delta(prev, new)
    assert delta.discarded == "3 h 5 min since the previous reading (more than 1:00:00)"


def test_a_reading_not_after_the_previous_is_discarded():
    prev = reading(T0, 0, 0)
    assert counter_delta(prev, reading(T0, 1, 1)).discarded.startswith("the reading is not")


@pytest.mark.parametrize("total", [0, 1, 7, 10**12 + 3])
def test_a_period_across_midnight_is_shared_by_time_and_adds_up(total):
    start = dt.datetime(2006, 8, 30, 23, 57, 30, tzinfo=dt.UTC)
    days = split_by_day(start, start + FIVE_MIN, total, 2 * total)
    assert list(days) == [dt.date(2006, 8, 30), dt.date(2006, 8, 31)]
    assert sum(b_in for b_in, _ in days.values()) == total
    assert sum(b_out for _, b_out in days.values()) == 2 * total
    if total > 100:
        assert days[dt.date(2006, 8, 30)][0] == total // 2  # 2.5 of the 5 minutes


def test_a_week_long_period_covers_every_day():
    start = dt.datetime(2006, 8, 28, tzinfo=dt.UTC)
    days = split_by_day(start, start + dt.timedelta(days=7), 700, 7_000)
    assert len(days) == 7
    assert set(days.values()) == {(100, 1_000)}
