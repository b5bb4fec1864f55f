"""Pushing traffic with a server's push key: counters (through the wrap and reboot rules)
and period totals land in the daily totals; bad input is a 400 with reasons, no key a
401, another server's key a 403, a period counted twice a 409."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.servers.models import ServerTraffic, TrafficSample
from apps.servers.services.push_tokens import push_token_issue

from .factories import ServerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/servers/{}/traffic/"


@pytest.fixture
def pusher(client):
    server = ServerFactory(hostname="www1.example.org", bandwidth_mbps=1000)
    _, key = push_token_issue(server=server, name="cron")

    def push(body, hostname="www1.example.org", key=key):
        headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
        return client.post(URL.format(hostname), body, content_type="application/json", **headers)

    push.server = server
    return push


def day_totals(server):
    return {t.day: (t.bytes_out, t.bytes_in) for t in ServerTraffic.objects.filter(server=server)}


def test_counters_give_deltas_with_wraps_and_reboots(pusher):
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=20)
    at = [(t0 + dt.timedelta(minutes=5 * i)).isoformat() for i in range(4)]
    first = pusher({"at": at[0], "in_octets": 2**64 - 10**6, "out_octets": 5 * 10**9,
                    "uptime_seconds": 86400})  # fmt: skip
    assert first.status_code == 201, first.json()
    assert first.json()["counted"] is False
    assert first.json()["note"].startswith("first reading")

    wrap = pusher({"at": at[1], "in_octets": 4 * 10**6, "out_octets": 8 * 10**9,
                   "uptime_seconds": 86700})  # fmt: skip
    assert wrap.status_code == 201
    assert wrap.json() | {"start": None, "end": None} == {
        "kind": "counters", "counted": True, "start": None, "end": None,
        "bytes_in": 5 * 10**6, "bytes_out": 3 * 10**9, "note": "counter wrap",
    }  # fmt: skip

    reboot = pusher({"at": at[2], "in_octets": 7000, "out_octets": 2 * 10**9,
                     "uptime_seconds": 60})  # fmt: skip
    assert (reboot.json()["note"], reboot.json()["bytes_out"]) == ("reboot", 2 * 10**9)

    too_fast = pusher({"at": at[3], "in_octets": 8000, "out_octets": 2 * 10**9 + 10**12,
                       "uptime_seconds": 360})  # fmt: skip
    assert too_fast.status_code == 201 and too_fast.json()["counted"] is False
    assert "is more than the interface's 1,000 Mbit/s" in too_fast.json()["note"]

    assert sum(out for out, _ in day_totals(pusher.server).values()) == 5 * 10**9
    assert sum(b_in for _, b_in in day_totals(pusher.server).values()) == 5 * 10**6 + 7000
    assert TrafficSample.objects.filter(server=pusher.server).count() == 4


def test_period_totals_are_shared_by_day_and_counted_once(pusher):
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(
        days=2, hours=12
    )
    body = {"start": start.isoformat(), "end": (start + dt.timedelta(days=1)).isoformat(),
            "bytes_out": 4 * 10**12, "bytes_in": 10**9}  # fmt: skip
    answer = pusher(body)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["kind"] == "totals" and answer.json()["counted"] is True
    assert day_totals(pusher.server) == {
        start.date(): (2 * 10**12, 5 * 10**8),
        start.date() + dt.timedelta(days=1): (2 * 10**12, 5 * 10**8),
    }
    again = pusher(body)
    assert again.status_code == 409
    assert "already has traffic counted" in again.json()["detail"]
    assert sum(out for out, _ in day_totals(pusher.server).values()) == 4 * 10**12


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({}, "non_field_errors", "Send either counters"),
        ({"in_octets": 1, "out_octets": 1, "bytes_out": 1}, "non_field_errors", "not both"),
        ({"in_octets": 5}, "out_octets", "required"),
        ({"in_octets": -1, "out_octets": 1}, "in_octets", "greater than or equal to 0"),
        ({"in_octets": 2**64, "out_octets": 1}, "in_octets", "less than or equal to"),
        ({"in_octets": "many", "out_octets": 1}, "in_octets", "valid integer"),
        (
            {
                "start": "2006-08-31T00:00Z",
                "end": "2006-08-30T00:00Z",
                "bytes_out": 1,
                "bytes_in": 1,
            },
            "end",
            "not after the start",
        ),  # fmt: skip
        (
            {
                "start": "2006-07-01T00:00Z",
                "end": "2006-08-30T00:00Z",
                "bytes_out": 1,
                "bytes_in": 1,
            },
            "end",
            "at most 31 days",
        ),  # fmt: skip
        (
            {
                "start": "2006-08-30T00:00Z",
                "end": "2099-01-01T00:00Z",
                "bytes_out": 1,
                "bytes_in": 1,
            },
            "end",
            "at most 31 days",
        ),  # fmt: skip
        ({"in_octets": 1, "out_octets": 1, "at": "2099-01-01T00:00Z"}, "at", "in the future"),
    ],
)
def test_bad_input_is_a_400_with_reasons_and_writes_nothing(pusher, body, field, reason):
    answer = pusher(body)
    assert answer.status_code == 400
    assert reason in " ".join(answer.json()[field])
    assert not ServerTraffic.objects.exists() and not TrafficSample.objects.exists()


def test_no_key_a_wrong_key_or_another_servers_key_is_refused(pusher):
    body = {"in_octets": 1, "out_octets": 1}
    no_key = pusher(body, key=None)
    assert no_key.status_code == 401
    assert no_key["WWW-Authenticate"] == 'Token realm="server-push"'
    assert pusher(body, key="srv_nonsense").json()["detail"] == "Unknown server push key."
    other = ServerFactory(hostname="www2.example.org")
    answer = pusher(body, hostname="www2.example.org")
    assert answer.status_code == 403
    assert answer.json()["detail"] == "This push key belongs to another server."
    _, other_key = push_token_issue(server=other, name="cron")
    assert pusher(body, key=other_key).status_code == 403  # www2's key for www1
    assert pusher(body, hostname="nope.example.org").status_code == 404
    assert not TrafficSample.objects.exists()


def test_the_schema_documents_the_push_and_its_errors(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/servers/{hostname}/traffic/"]["post"]
    assert {"201", "400", "401", "403", "404", "409"} <= set(post["responses"])
    assert post["security"] == [{"serverPushKey": []}]
