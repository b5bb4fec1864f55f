import dataclasses
import os

import maxminddb
import pytest

from apps.core import geo
from apps.core.geo import (
    COUNTRIES,
    GeoIP,
    Location,
    build_country_table,
    continent_of,
    haversine_km,
    nearby_countries,
)

CONTINENTS = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"}


@pytest.fixture(scope="module")
def geoip():
    with GeoIP() as reader:
        yield reader


class FakeReader:
    """Stands in for a City database (MaxMind GeoLite2-City / DB-IP city lite record shape)."""

    def __init__(self, records):
        self.records = records
        self.calls = 0

    def get(self, ip):
        self.calls += 1
        if not isinstance(ip, str):
            raise TypeError("argument 1 must be a string or ipaddress object")
        if ip == "bogus":
            raise ValueError(f"{ip!r} does not appear to be an IPv4 or IPv6 address.")
        return self.records.get(ip)

    def close(self):
        pass


@pytest.fixture
def city_geoip(monkeypatch):
    fake = FakeReader(
        {
            "192.0.2.1": {
                "continent": {"code": "EU", "names": {"en": "Europe"}},
                "country": {"iso_code": "DE", "names": {"en": "Germany"}},
                "location": {"latitude": 52.52, "longitude": 13.405, "accuracy_radius": 20},
            },
            # Anycast-style range: no physical country, only the registrant's.
            "192.0.2.2": {"registered_country": {"iso_code": "us"}},
            "192.0.2.3": {"country": {"iso_code": "None"}},
        }
    )
    monkeypatch.setattr(maxminddb, "open_database", lambda path, mode: fake)
    return GeoIP("/nonexistent/GeoLite2-City.mmdb"), fake


def test_country_table_covers_the_world():
    assert len(COUNTRIES) >= 240
    for code, country in COUNTRIES.items():
        assert code == country.code
        assert len(code) == 2 and code.isupper()
        assert country.name
        assert country.continent in CONTINENTS
        assert -90 <= country.lat <= 90 and -180 <= country.lon <= 180
        assert code not in country.borders
        assert set(country.borders) <= COUNTRIES.keys()


def test_country_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        COUNTRIES["FR"].name = "Gaul"


@pytest.mark.parametrize(
    ("cc", "continent"),
    [
        ("FR", "EU"),
        ("US", "NA"),
        ("BR", "SA"),
        ("CN", "AS"),
        ("ZA", "AF"),
        ("AU", "OC"),
        ("PR", "NA"),
        ("TW", "AS"),
        ("KR", "AS"),
        ("MX", "NA"),
        ("PA", "NA"),
        ("CO", "SA"),
        ("RU", "EU"),
        ("CY", "EU"),
        ("AQ", "AN"),
        ("XK", "EU"),
    ],
)
def test_continent_of(cc, continent):
    assert continent_of(cc) == continent
    assert COUNTRIES[cc].continent == continent


def test_continent_of_unknown_and_lower_case():
    assert continent_of("fr") == "EU"
    assert continent_of("ZZ") is None
    assert continent_of("") is None
    assert continent_of(None) is None


def test_haversine_london_paris():
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(344, abs=10)


def test_haversine_edge_cases():
    assert haversine_km(10, 20, 10, 20) == 0
    assert haversine_km(0, 0, 0, 180) == pytest.approx(20015, rel=0.001)
    assert haversine_km(1, 2, 3, 4) == pytest.approx(haversine_km(3, 4, 1, 2))


def test_nearby_gb():
    near = nearby_countries("GB")
    assert {"IE", "FR", "NL", "BE", "DE"} <= set(near)
    assert "GB" not in near
    assert "IE" in near[:3]


def test_nearby_us():
    near = nearby_countries("US")
    assert {"CA", "MX"} <= set(near)
    assert "DE" not in near
    assert "US" not in near


def test_nearby_au():
    assert "NZ" in nearby_countries("AU")


def test_nearby_sorted_by_distance():
    origin = COUNTRIES["FR"]
    distances = [
        haversine_km(origin.lat, origin.lon, COUNTRIES[cc].lat, COUNTRIES[cc].lon)
        for cc in nearby_countries("FR")
    ]
    assert distances == sorted(distances)


def test_nearby_always_includes_land_neighbours():
    assert set(nearby_countries("RU", radius_km=1)) == set(COUNTRIES["RU"].borders)
    assert nearby_countries("IS", radius_km=1) == ()


def test_nearby_unknown_and_normalised():
    assert nearby_countries("ZZ") == ()
    assert nearby_countries(None) == ()
    assert nearby_countries("gb") == nearby_countries("GB")
    assert nearby_countries("GB", 5000) is nearby_countries("GB", 5000.0)


def test_data_file_matches_countryinfo():
    # Fails after a countryinfo upgrade until `python -m apps.core.geo --rebuild` is run.
    assert build_country_table(dest=None) == COUNTRIES
    assert os.path.getsize(geo.DATA_FILE) < 100_000


def test_rebuild_round_trips(tmp_path):
    dest = str(tmp_path / "data" / "countries.json")
    table = build_country_table(dest=dest)
    assert geo._load_table(dest) == table


@pytest.mark.parametrize(
    ("ip", "cc"),
    [
        ("8.8.8.8", "US"),
        ("81.2.69.160", "GB"),
        ("2001:4860:4860::8888", "US"),
        ("::ffff:8.8.8.8", "US"),
        (" 81.2.69.160 ", "GB"),
    ],
)
def test_geoip_country(geoip, ip, cc):
    assert geoip.country(ip) == cc


@pytest.mark.parametrize(
    "ip",
    ["10.0.0.1", "127.0.0.1", "::1", "not an ip", "", "999.1.1.1", None, 12345, ["8.8.8.8"]],
)
def test_geoip_unknown_or_invalid(geoip, ip):
    assert geoip.country(ip) is None
    assert geoip.locate(ip) is None


def test_geoip_locate_uses_centroid_without_location(geoip):
    location = geoip.locate("81.2.69.160")
    assert location == Location("GB", "EU", COUNTRIES["GB"].lat, COUNTRIES["GB"].lon)
    assert geoip.locate("2001:4860:4860::8888").continent == "NA"


def test_geoip_uses_c_extension(geoip):
    assert isinstance(geoip.reader, maxminddb.extension.Reader)


def test_geoip_falls_back_when_extension_unavailable(monkeypatch):
    modes = []

    def open_database(path, mode):
        modes.append(mode)
        if mode == maxminddb.MODE_MMAP_EXT:
            raise ValueError("MODE_MMAP_EXT requires the maxminddb.extension module")
        return FakeReader({"192.0.2.9": {"country": {"iso_code": "FR"}}})

    monkeypatch.setattr(maxminddb, "open_database", open_database)
    assert GeoIP("x.mmdb").country("192.0.2.9") == "FR"
    assert modes == [maxminddb.MODE_MMAP_EXT, maxminddb.MODE_AUTO]


def test_geoip_city_database(city_geoip):
    reader, _ = city_geoip
    assert reader.locate("192.0.2.1") == Location("DE", "EU", 52.52, 13.405)
    us = COUNTRIES["US"]
    assert reader.locate("192.0.2.2") == Location("US", "NA", us.lat, us.lon)
    assert reader.country("192.0.2.3") is None
    assert reader.country("192.0.2.200") is None
    assert reader.country("bogus") is None


def test_geoip_caches_per_ip(city_geoip):
    reader, fake = city_geoip
    for _ in range(3):
        assert reader.country("192.0.2.1") == "DE"
        assert reader.country("192.0.2.200") is None
    assert fake.calls == 2
