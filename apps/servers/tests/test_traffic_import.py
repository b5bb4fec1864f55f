"""`manage.py importtraffic`: a CSV of date, bytes out, bytes in becomes a server's daily
totals; a bad file writes nothing and every error names its line."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from apps.servers.models import ServerTraffic

from .factories import ServerFactory

pytestmark = pytest.mark.django_db

GOOD = """date,bytes out,bytes in
2006-08-28,2962857142857,59257142857
2006-08-29, 2962857142857 ,59257142857

2006-08-30,3000000000000,60000000000
"""


def run(tmp_path, text, hostname="mirror1.example.org"):
    path = tmp_path / "cacti.csv"
    path.write_text(text)
    out = io.StringIO()
    call_command("importtraffic", hostname, str(path), stdout=out)
    return out.getvalue()


def test_a_good_export_sets_the_daily_totals(tmp_path):
    server = ServerFactory(hostname="mirror1.example.org")
    ServerTraffic.objects.create(server=server, day=dt.date(2006, 8, 30), bytes_out=1)
    assert run(tmp_path, GOOD) == "Imported 3 days of traffic for mirror1.example.org.\n"
    days = {t.day: (t.bytes_out, t.bytes_in) for t in server.traffic.all()}
    assert days == {
        dt.date(2006, 8, 28): (2962857142857, 59257142857),
        dt.date(2006, 8, 29): (2962857142857, 59257142857),
        dt.date(2006, 8, 30): (3000000000000, 60000000000),  # the export replaces the day
    }


def test_a_bad_export_names_each_line_and_writes_nothing(tmp_path):
    ServerFactory(hostname="mirror1.example.org")
    bad = GOOD + "\n".join(
        [
            "2006-08-31,lots,1",
            "31/08/2006,1,1",
            "2006-09-01,1",
            "2006-09-02,-5,1",
            "2006-08-29,1,1",
        ]
    )
    with pytest.raises(CommandError) as error:
        run(tmp_path, bad)
    assert str(error.value).splitlines() == [
        "Nothing imported:",
        "line 6: bytes out is not a number: 'lots'",
        "line 7: '31/08/2006' is not a date (YYYY-MM-DD)",
        "line 8: expected 3 fields (date, bytes out, bytes in), found 2",
        "line 9: bytes out is out of range: -5",
        "line 10: 2006-08-29 is on line 3 already",
    ]
    assert not ServerTraffic.objects.exists()


def test_an_unknown_server_or_an_empty_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No server is called 'nope.example.org'"):
        run(tmp_path, GOOD, hostname="nope.example.org")
    ServerFactory(hostname="mirror1.example.org")
    with pytest.raises(CommandError, match="The file has no days"):
        run(tmp_path, "date,bytes out,bytes in\n")
