"""The writes servers and mirrors share: the rules of a reported period, the refusal of one
that overlaps a period already counted, and adding bytes to the daily totals. Each app's
service passes its own models and owner (a server, a mirror)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from .counters import Delta

CLOCK_SKEW = dt.timedelta(minutes=5)  # a reported time this far ahead of ours is refused
MAX_PERIOD = dt.timedelta(days=31)  # a longer reported total says too little about when


class TrafficConflict(Exception):
    """The reported period overlaps one already counted (the API answers 409)."""


@dataclass(frozen=True)
class Recorded:
    """What a reading or a report counted: the sample kept (if the owner keeps them) and
    the delta, if any."""

    sample: Model | None
    delta: Delta | None

    @property
    def note(self) -> str:
        if self.delta is None:
            return "first reading of this interface: the next one gives a delta"
        if self.delta.discarded:
            return f"discarded: {self.delta.discarded}"
        return self.delta.note


def period_validate(*, start: dt.datetime, end: dt.datetime, bytes_out: int, bytes_in: int):
    """The rules of a reported period's totals, for servers and mirrors alike: it ends after
    it starts, lasts at most MAX_PERIOD, is not in the future, and counts whole bytes."""
    errors = {}
    if end <= start:
        errors["end"] = "The end is not after the start."
    elif end - start > MAX_PERIOD:
        errors["end"] = f"A period is at most {MAX_PERIOD.days} days long."
    if end > timezone.now() + CLOCK_SKEW:
        errors.setdefault("end", "The period ends in the future.")
    for name, value in (("bytes_out", bytes_out), ("bytes_in", bytes_in)):
        if not 0 <= value < 2**63:
            errors[name] = "Bytes are a whole number from 0."
    if errors:
        raise ValidationError(errors)


def period_overlap_refuse(periods: QuerySet, *, owner, start: dt.datetime, end: dt.datetime):
    """TrafficConflict when one of the owner's `periods` overlaps [start, end)."""
    if periods.filter(start__lt=end, end__gt=start).exists():
        raise TrafficConflict(
            f"{owner} already has traffic counted between {start:%Y-%m-%d %H:%M} and "
            f"{end:%Y-%m-%d %H:%M} (UTC)."
        )


def traffic_days_add(daily, *, days: dict[dt.date, tuple[int, int]], **owner) -> None:
    """Add (bytes in, bytes out) to the owner's daily totals (`daily`, a DailyTraffic
    model; `owner`, e.g. server=…); a day without one gets it."""
    existing = set(daily.objects.filter(day__in=list(days), **owner).values_list("day", flat=True))
    for day, (bytes_in, bytes_out) in days.items():
        if day in existing:
            daily.objects.filter(day=day, **owner).update(
                bytes_in=F("bytes_in") + bytes_in, bytes_out=F("bytes_out") + bytes_out
            )
    daily.objects.bulk_create(
        [
            daily(day=day, bytes_in=b_in, bytes_out=b_out, **owner)
            for day, (b_in, b_out) in days.items()
            if day not in existing
        ]
    )
