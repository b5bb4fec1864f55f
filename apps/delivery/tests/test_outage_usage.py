"""Usage statistics through bad input: `cc=XYZ` once stopped every later flush of a worker
("value too long for type character varying(2)" on PostgreSQL, the key kept for retry)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from apps.delivery.models import DailyUsage
from apps.delivery.services import usage_record
from apps.delivery.usage import UsageCounter

from .fixtures import call, new_front


def test_an_unknown_country_code_is_not_a_country(published, db):
    counter = UsageCounter(flush_seconds=0, writer=usage_record)
    front = new_front(published[1], usage=counter)
    query = "release=5&arch=x86_64&repo=os"
    for cc in ("XYZ", "gb", "zz"):
        answer = call(front, "/mirrorlist", f"{query}&cc={cc}&debug=1")
        assert answer.status == 200, answer.text
    assert counter.flush() == 2  # GB, and the address's country for the other two
    countries = sorted(DailyUsage.objects.values_list("country", "count"))
    assert countries == [("", 2), ("GB", 1)]


def test_a_key_the_database_refuses_does_not_hold_the_others(db, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores any length in a varchar; PostgreSQL refuses it (CI)")
    today = dt.date.today()
    bad = (today, "mirrorlist", "XYZ", "5.0", "x86_64", "os", "")
    good = (today, "mirrorlist", "GB", "5.0", "x86_64", "os", "")
    counter = UsageCounter(flush_seconds=0, writer=usage_record)
    counter._counts = {bad: 1, good: 3}  # as an older worker's counter could hold them
    counter.flush()
    assert list(DailyUsage.objects.values_list("country", "count")) == [("GB", 3)]
    assert counter.pending() == {}  # the bad key is not kept for ever
    assert "usage key dropped" in caplog.text
    counter.count("mirrorlist", "GB", "5.0", "x86_64", "os")
    counter.flush()  # the next flush goes through
    assert DailyUsage.objects.get().count == 4
