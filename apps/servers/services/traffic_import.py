"""Old cacti exports into the daily totals: a CSV of `date, bytes out, bytes in` (ISO dates,
an optional header line). All or nothing: one bad line and nothing is written, and every
error names its line. `manage.py importtraffic` and the admin's upload call this."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.audit import records_by

from ..models import Server, ServerTraffic

MAX_ERRORS = 20
MAX_DAY_BYTES = 2**63 - 1


@dataclass(frozen=True)
class TrafficDay:
    day: dt.date
    bytes_out: int
    bytes_in: int


def traffic_csv_parse(text: str) -> list[TrafficDay]:
    """The days of a CSV export, or ValidationError with the first MAX_ERRORS problems,
    each as "line N: ..."."""
    rows, errors, seen = [], [], {}
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        fields = [f.strip() for f in fields]
        if not any(fields) or fields[0].startswith("#"):
            continue
        if number == 1 and not fields[0][:1].isdigit():
            continue  # the header
        problem, row = _row(fields)
        if row is not None and row.day in seen:
            problem = f"{row.day} is on line {seen[row.day]} already"
        if problem:
            errors.append(f"line {number}: {problem}")
            if len(errors) >= MAX_ERRORS:
                errors.append("… and maybe more; fix these first")
                break
            continue
        seen[row.day] = number
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("The file has no days.")
    return rows


def _row(fields: list[str]) -> tuple[str, TrafficDay | None]:
    if len(fields) != 3:
        return f"expected 3 fields (date, bytes out, bytes in), found {len(fields)}", None
    try:
        day = dt.date.fromisoformat(fields[0])
    except ValueError:
        return f"{fields[0]!r} is not a date (YYYY-MM-DD)", None
    numbers = []
    for name, value in (("bytes out", fields[1]), ("bytes in", fields[2])):
        try:
            number = int(value)
        except ValueError:
            return f"{name} is not a number: {value!r}", None
        if not 0 <= number <= MAX_DAY_BYTES:
            return f"{name} is out of range: {value}", None
        numbers.append(number)
    return "", TrafficDay(day, numbers[0], numbers[1])


@records_by
@transaction.atomic
def traffic_csv_import(*, server: Server, text: str, by=None) -> int:
    """Set the server's daily totals to the CSV's (a day already recorded is replaced:
    the export is the truth for its days). Returns how many days were written."""
    rows = traffic_csv_parse(text)
    ServerTraffic.objects.bulk_create(
        [
            ServerTraffic(server=server, day=r.day, bytes_out=r.bytes_out, bytes_in=r.bytes_in)
            for r in rows
        ],
        update_conflicts=True,
        unique_fields=["server", "day"],
        update_fields=["bytes_out", "bytes_in"],
    )
    return len(rows)
