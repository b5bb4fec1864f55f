"""geoip2's readers for the optional ASN and City databases, on real (tiny) mmdb files."""

import pytest

from apps.core.geodb import GeoDatabases, open_reader

from .mmdb import ASN_RECORDS, CITY_RECORDS, write_mmdb


@pytest.fixture
def asn_db(tmp_path):
    return str(write_mmdb(tmp_path / "GeoLite2-ASN.mmdb", "GeoLite2-ASN", ASN_RECORDS))


@pytest.fixture
def city_db(tmp_path):
    return str(write_mmdb(tmp_path / "GeoLite2-City.mmdb", "GeoLite2-City", CITY_RECORDS))


def test_asn_and_city_through_geoip2_models(asn_db, city_db):
    databases = GeoDatabases(asn_path=asn_db, city_path=city_db)
    asn = databases.asn("81.2.69.160")
    assert (asn.autonomous_system_number, asn.autonomous_system_organization) == (
        64500,
        "Example Broadband",
    )
    assert str(asn.network) == "81.2.69.0/24"
    city = databases.city(" 81.2.69.160 ")
    assert (city.city.name, city.country.iso_code, city.continent.code) == ("London", "GB", "EU")
    assert city.subdivisions.most_specific.name == "England"
    assert (city.location.latitude, city.location.longitude) == (51.5142, -0.0931)
    databases.close()


@pytest.mark.parametrize("ip", ["192.0.2.1", "2001:db8::1", "not an address", "", None])
def test_unknown_invalid_or_ipv6_in_an_ipv4_database_is_none(asn_db, city_db, ip):
    databases = GeoDatabases(asn_path=asn_db, city_path=city_db)
    assert databases.asn(ip) is None
    assert databases.city(ip) is None


def test_nothing_configured_answers_none_without_opening_anything():
    databases = GeoDatabases()
    assert databases.asn("81.2.69.160") is None and databases.city("81.2.69.160") is None


def test_a_database_of_the_wrong_kind_fails_when_opened(asn_db, city_db):
    with pytest.raises(ValueError, match="holds GeoLite2-City, not the ASN database expected"):
        open_reader(city_db, "ASN")
    with pytest.raises(ValueError, match="holds GeoLite2-ASN, not the City database expected"):
        GeoDatabases(city_path=asn_db).city("81.2.69.160")
