"""A mirror's people report its traffic with an API token (period totals or counters); the
sponsor's promotion page then shows it. Anonymous 401, another volunteer 403, the owner
201; a period reported twice is a 409."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from apps.core.tokens import token_issue
from apps.mirrors.models import MirrorTraffic
from apps.sponsors.tests.factories import SponsorFactory

from .factories import MirrorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    cache.clear()  # the API's throttles count in the cache
    users = get_user_model().objects
    owner, other = users.create_user("owner"), users.create_user("other")
    sponsor = SponsorFactory(name="Example University", slug="example-university")
    mirror = MirrorFactory(name="mirror.example.ac.uk", owner=owner, sponsor=sponsor)
    return {
        "mirror": mirror,
        "sponsor": sponsor,
        "owner": token_issue(user=owner, name="cron")[1],
        "other": token_issue(user=other, name="cron")[1],
    }


def report(client, world, body, who="owner"):
    headers = {"HTTP_AUTHORIZATION": f"Token {world[who]}"} if who else {}
    return client.post(
        f"/api/v1/mirrors/{world['mirror'].pk}/traffic/",
        body,
        content_type="application/json",
        **headers,
    )


def test_only_the_mirrors_people_report_and_the_sponsor_page_shows_it(client, world):
    today = timezone.now().date()
    start = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(), dt.UTC)
    body = {"start": start.isoformat(), "end": (start + dt.timedelta(days=1)).isoformat(),
            "bytes_out": 750 * 10**9, "bytes_in": 10**9}  # fmt: skip
    assert report(client, world, body, who=None).status_code == 401
    other = report(client, world, body, who="other")
    assert other.status_code == 403
    assert "mirror's people" in other.json()["detail"]
    assert not MirrorTraffic.objects.exists()

    answer = report(client, world, body)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["counted"] is True and answer.json()["bytes_out"] == 750 * 10**9
    assert report(client, world, body).status_code == 409

    page = client.get(world["sponsor"].get_absolute_url()).content.decode()
    assert "Traffic its mirrors reported, last 30 days" in page
    assert "750 GB</strong> served in 30 days" in page
    assert f"{start:%a} {start.day} {start:%b %Y}: 750 GB" in page
    assert "its busiest week" in page


def test_counters_are_read_with_the_servers_rules(client, world):
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    first = report(client, world, {"at": t0.isoformat(), "in_octets": 10, "out_octets": 2**64 - 5,
                                   "uptime_seconds": 1000})  # fmt: skip
    assert first.status_code == 201 and first.json()["counted"] is False
    second = report(client, world, {"at": (t0 + dt.timedelta(minutes=5)).isoformat(),
                                    "in_octets": 20, "out_octets": 95,
                                    "uptime_seconds": 1300})  # fmt: skip
    assert second.json()["note"] == "counter wrap"
    assert (second.json()["bytes_out"], second.json()["bytes_in"]) == (100, 10)
    assert sum(MirrorTraffic.objects.values_list("bytes_out", flat=True)) == 100
    bad = report(client, world, {"in_octets": "lots", "out_octets": 1})
    assert bad.status_code == 400 and "in_octets" in bad.json()
