"""/api/v1/delivery/whereami/: where the portal thinks the client is, and the ASN the mirror
choice uses, read with geoip2 from the configured databases."""

import pytest

from apps.core.tests.mmdb import ASN_RECORDS, CITY_RECORDS, write_mmdb
from apps.delivery import runtime
from apps.delivery.client import ClientLocator

URL = "/api/v1/delivery/whereami/"


@pytest.fixture
def fresh_runtime():
    """The process's locator is built from the settings on first use."""
    runtime.reset()
    yield
    runtime.reset()


@pytest.fixture
def geo_databases(settings, tmp_path, fresh_runtime):
    settings.GEOIP_ASN_PATH = str(write_mmdb(tmp_path / "asn.mmdb", "GeoLite2-ASN", ASN_RECORDS))
    settings.GEOIP_CITY_PATH = str(
        write_mmdb(tmp_path / "city.mmdb", "GeoLite2-City", CITY_RECORDS)
    )
    return settings


def test_without_asn_and_city_databases_it_answers_the_country(client, settings, fresh_runtime):
    settings.GEOIP_ASN_PATH = settings.GEOIP_CITY_PATH = None
    response = client.get(URL, REMOTE_ADDR="81.2.69.160")
    assert response.status_code == 200
    assert response.json() == {
        "ip": "81.2.69.160",
        "ipv6": False,
        "country": "GB",
        "country_name": "United Kingdom",
        "continent": "EU",
        "asn": None,
        "city": None,
    }


def test_with_asn_and_city_databases(client, geo_databases):
    body = client.get(URL, REMOTE_ADDR="81.2.69.160").json()
    assert (body["ip"], body["country"], body["continent"]) == ("81.2.69.160", "GB", "EU")
    assert body["asn"] == {
        "number": 64500,
        "organization": "Example Broadband",
        "network": "81.2.69.0/24",
    }
    assert body["city"] == {
        "name": "London",
        "subdivision": "England",
        "country": "GB",
        "latitude": 51.5142,
        "longitude": -0.0931,
        "accuracy_radius_km": 10,
    }
    # An address neither database knows: the blocks are null, the country still answers.
    body = client.get(URL, {"ip": "133.1.0.1"}).json()
    assert (body["ip"], body["country"], body["asn"], body["city"]) == (
        "133.1.0.1",
        "JP",
        None,
        None,
    )


def test_an_untrusted_peer_cannot_forward_another_address(client, settings, fresh_runtime):
    settings.TRUSTED_PROXIES = []
    body = client.get(URL, REMOTE_ADDR="81.2.69.160", HTTP_X_FORWARDED_FOR="133.1.0.1").json()
    assert (body["ip"], body["country"]) == ("81.2.69.160", "GB")


def test_a_bad_address_is_a_400(client, fresh_runtime):
    assert client.get(URL, {"ip": "not-an-address"}).status_code == 400


def test_the_locator_takes_the_asn_from_the_asn_database(geo_databases):
    locator = ClientLocator(asn_path=geo_databases.GEOIP_ASN_PATH)
    assert locator.client("81.2.69.160").asn == 64500
    assert locator.client("::ffff:81.2.69.160").asn == 64500
    assert locator.client("192.0.2.1").asn is None
    assert ClientLocator().client("81.2.69.160").asn is None  # not configured
