"""msync through /api/v1/msync/: the close, healthy, current internal mirror for a caller,
tried in the mirrorlist's bucket order, never a down, behind or resting one, the master
last; its 400s; the caller's address through the trusted-proxy rule."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.mirrors.choices import MirrorStatus, MirrorTier
from apps.mirrors.models import MaintenanceWindow, MirrorRepositoryState

from .factories import MirrorFactory, MirrorURLFactory, NetblockFactory, internal_mirror_create

MSYNC = "/api/v1/msync/"
LONDON, TOKYO = "81.2.69.160", "133.1.1.1"  # GB and JP in the bundled Geoacumen database


@pytest.fixture
def network(db):
    master = MirrorFactory(name="master.test", tier=MirrorTier.MASTER, country="US",
                           latitude=38.0, longitude=-97.0)  # fmt: skip
    uk = internal_mirror_create("uk.internal.test", "GB", latitude=51.5, longitude=-0.1)
    MirrorURLFactory(mirror=uk, protocol="rsync", url="rsync://uk.internal.test/centos/")
    MirrorURLFactory(mirror=uk, protocol="https", url="https://uk.internal.test/centos/")
    nl = internal_mirror_create("nl.internal.test", "NL", latitude=52.4, longitude=4.9)
    de = internal_mirror_create("de.internal.test", "DE", latitude=51.0, longitude=10.0)
    jp = internal_mirror_create("jp.internal.test", "JP", latitude=36.0, longitude=138.0)
    MirrorFactory(name="external.gb.test", country="GB")  # never an answer
    return {"master": master, "uk": uk, "nl": nl, "de": de, "jp": jp}


def chosen(client, **params):
    response = client.get(MSYNC, params)
    assert response.status_code == 200, response.content
    body = response.json()
    return body["mirror"]["name"], body["bucket"], [m["name"] for m in body["alternatives"]]


def test_the_closest_healthy_current_internal_mirror_and_the_fallbacks(client, network):
    body = client.get(MSYNC, {"ip": LONDON}).json()
    assert body["client"] == {"ip": LONDON, "country": "GB", "continent": "EU"}
    assert body["mirror"]["rsync_url"] == "rsync://uk.internal.test/centos/"
    assert body["mirror"]["https_url"] == "https://uk.internal.test/centos/"
    assert (body["mirror"]["country"], body["bucket"]) == ("GB", "country")
    assert [(m["name"], m["bucket"]) for m in body["alternatives"]] == [
        ("nl.internal.test", "nearby"), ("de.internal.test", "nearby"),
        ("jp.internal.test", "global"), ("master.test", "master"),
    ]  # fmt: skip
    assert chosen(client, ip=TOKYO)[:2] == ("jp.internal.test", "country")

    # The closest one down: the next nearby one, never the down one.
    network["uk"].status = MirrorStatus.DOWN
    network["uk"].save()
    name, bucket, others = chosen(client, ip=LONDON)
    assert (name, bucket) == ("nl.internal.test", "nearby")
    assert "uk.internal.test" not in others

    # The next one behind, then the last one out for maintenance: the rest of the world.
    MirrorRepositoryState.objects.filter(mirror=network["nl"]).update(state="behind")
    assert chosen(client, ip=LONDON)[:2] == ("de.internal.test", "nearby")
    now = timezone.now()
    MaintenanceWindow.objects.create(mirror=network["de"], starts_at=now - dt.timedelta(hours=1),
                                     ends_at=now + dt.timedelta(hours=1))  # fmt: skip
    assert chosen(client, ip=LONDON)[:2] == ("jp.internal.test", "global")

    # No internal mirror qualifies: the master.
    network["jp"].suspended_at = timezone.now()
    network["jp"].save()
    assert chosen(client, ip=LONDON) == ("master.test", "master", [])


def test_a_declared_netblock_comes_first_and_country_overrides_the_address(client, network):
    NetblockFactory(mirror=network["jp"], cidr="81.2.69.0/24")
    assert chosen(client, ip=LONDON)[:2] == ("jp.internal.test", "netblock")
    assert chosen(client, ip=TOKYO, country="nl")[:2] == ("nl.internal.test", "country")


def test_the_callers_address_counts_only_through_a_trusted_proxy(client, network, settings):
    forwarded = {"HTTP_X_FORWARDED_FOR": TOKYO, "REMOTE_ADDR": "127.0.0.1"}
    settings.TRUSTED_PROXIES = []
    body = client.get(MSYNC, **forwarded).json()
    assert body["client"]["ip"] == "127.0.0.1" and body["client"]["country"] is None
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    body = client.get(MSYNC, **forwarded).json()
    assert (body["client"]["ip"], body["mirror"]["name"]) == (TOKYO, "jp.internal.test")


def test_bad_input_is_a_400_with_reasons_and_documented(client, network):
    response = client.get(MSYNC, {"ip": "not-an-address", "country": "ZZ"})
    assert response.status_code == 400
    assert response.json() == {
        "ip": ["Enter a valid IPv4 or IPv6 address."],
        "country": ["'ZZ' is not a country code such as DE."],
    }
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/msync/"]["get"]
    assert {"200", "400", "429", "503"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} >= {"ip", "country"}
