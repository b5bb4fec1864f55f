"""Interface counters into bytes, as cacti does it: the delta between two readings of
ifHCInOctets/ifHCOutOctets, with 64-bit wraps, reboots (sysUpTime went down), gaps too long
to trust and rates no interface carries; and a period's bytes split over the UTC days it
covers. Plain Python: the poller, the push endpoint and the tests share it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

COUNTER64 = 2**64
TICKS32 = 2**32  # sysUpTime is TimeTicks: hundredths of a second, wrapping after 497 days
TICKS_PER_SECOND = 100
UPTIME_SLACK = 30  # seconds of clock disagreement between the poller and the agent
MAX_GAP = dt.timedelta(hours=1)  # longer: the bytes can't be placed in time, discarded
DEFAULT_MAX_MBPS = 100_000  # when the interface does not say its speed


@dataclass(frozen=True)
class Reading:
    """One reading of an interface's counters (octets) and, when known, sysUpTime."""

    at: dt.datetime
    in_octets: int
    out_octets: int
    uptime_ticks: int | None = None


@dataclass(frozen=True)
class Delta:
    """What happened between two readings: bytes in and out over [start, end), or why
    nothing is counted (`discarded`). `note` says how it was read (a wrap, a reboot)."""

    start: dt.datetime
    end: dt.datetime
    bytes_in: int = 0
    bytes_out: int = 0
    note: str = ""
    discarded: str = ""

    @property
    def counted(self) -> bool:
        return not self.discarded


def rebooted(prev: Reading, new: Reading) -> bool:
    """Whether the agent restarted between the readings: it booted after `prev` was taken.
    A sysUpTime that went down because TimeTicks wrapped (after 497 days) is no reboot."""
    if prev.uptime_ticks is None or new.uptime_ticks is None:
        return False
    elapsed = (new.at - prev.at).total_seconds() * TICKS_PER_SECOND
    slack = UPTIME_SLACK * TICKS_PER_SECOND
    expected = prev.uptime_ticks + elapsed
    if expected >= TICKS32 and abs(new.uptime_ticks - (expected - TICKS32)) <= slack:
        return False  # the uptime wrapped, the agent ran on
    return new.uptime_ticks < prev.uptime_ticks or new.uptime_ticks + slack < elapsed


def counter_delta(
    prev: Reading | None,
    new: Reading,
    *,
    max_mbps: int | None = None,
    max_gap: dt.timedelta = MAX_GAP,
) -> Delta | None:
    """The bytes between `prev` and `new`; None for the first reading of an interface.

    - a counter lower than before while the agent ran on wrapped at 2**64: add 2**64;
    - after a reboot the counters restarted at zero: the delta is the new value;
    - a gap longer than `max_gap`, a reading not after the previous one, or a rate over
      the interface's speed (`max_mbps`, Mbit/s) is discarded with the reason.
    """
    if prev is None:
        return None
    seconds = (new.at - prev.at).total_seconds()
    delta = Delta(start=prev.at, end=new.at)
    if seconds <= 0:
        return _discard(delta, "the reading is not later than the previous one")
    if new.at - prev.at > max_gap:
        return _discard(
            delta, f"{_duration(seconds)} since the previous reading (more than {max_gap})"
        )
    if rebooted(prev, new):
        bytes_in, bytes_out, note = new.in_octets, new.out_octets, "reboot"
    else:
        bytes_in, wrapped_in = _increase(prev.in_octets, new.in_octets)
        bytes_out, wrapped_out = _increase(prev.out_octets, new.out_octets)
        note = "counter wrap" if wrapped_in or wrapped_out else ""
    delta = Delta(start=prev.at, end=new.at, bytes_in=bytes_in, bytes_out=bytes_out, note=note)
    limit = max_mbps or DEFAULT_MAX_MBPS
    mbps = max(bytes_in, bytes_out) * 8 / seconds / 1e6
    if mbps > limit:
        return _discard(delta, f"{mbps:,.0f} Mbit/s is more than the interface's {limit:,} Mbit/s")
    return delta


def _increase(old: int, new: int) -> tuple[int, bool]:
    if new >= old:
        return new - old, False
    return new + COUNTER64 - old, True


def _discard(delta: Delta, reason: str) -> Delta:
    return Delta(start=delta.start, end=delta.end, note=delta.note, discarded=reason)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def split_by_day(
    start: dt.datetime, end: dt.datetime, bytes_in: int, bytes_out: int
) -> dict[dt.date, tuple[int, int]]:
    """Bytes of the period [start, end) shared among the UTC days it covers, in proportion
    to the time in each; the shares add up exactly to the totals."""
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    if end <= start:
        return {start.date(): (bytes_in, bytes_out)}
    total = (end - start).total_seconds()
    pieces: list[tuple[dt.date, float]] = []
    cursor = start
    while cursor < end:
        midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
        stop = min(midnight, end)
        pieces.append((cursor.date(), (stop - cursor).total_seconds() / total))
        cursor = stop
    return {
        day: (share_in, share_out)
        for (day, _), share_in, share_out in zip(
            pieces, _shares(bytes_in, pieces), _shares(bytes_out, pieces), strict=True
        )
    }


def _shares(amount: int, pieces: list[tuple[dt.date, float]]) -> list[int]:
    """`amount` in whole bytes by the pieces' fractions; the last takes the remainder."""
    shares = [int(amount * fraction) for _, fraction in pieces[:-1]]
    return [*shares, amount - sum(shares)]
