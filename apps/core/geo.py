"""Country, continent and distance data plus IP-to-country lookup for the mirrorlist hot path.

Everything is precomputed at import from a small committed data file, so lookups are plain
dict accesses; rebuild that file from countryinfo with ``python -m apps.core.geo --rebuild``.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from maxminddb.reader import Reader

__all__ = [
    "COUNTRIES",
    "Country",
    "GeoIP",
    "Location",
    "build_country_table",
    "continent_of",
    "haversine_km",
    "nearby_countries",
]

DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "countries.json")

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    continent: str
    lat: float
    lon: float
    borders: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Location:
    country: str
    continent: str | None
    lat: float | None
    lon: float | None


def _load_table(path: str = DATA_FILE) -> dict[str, Country]:
    with open(path, "rb") as f:
        raw = orjson.loads(f.read())
    return {
        code: Country(code, name, continent, lat, lon, tuple(borders))
        for code, (name, continent, lat, lon, borders) in raw["countries"].items()
    }


try:
    COUNTRIES: dict[str, Country] = _load_table()
except FileNotFoundError:
    if __name__ != "__main__":
        raise
    COUNTRIES = {}  # only so that --rebuild can create the missing file


def continent_of(cc: str | None) -> str | None:
    country = COUNTRIES.get(cc.upper()) if isinstance(cc, str) else None
    return country.continent if country else None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    # min() guards against a > 1 from float rounding on antipodal points
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearby_countries(cc: str, radius_km: float = 5000) -> tuple[str, ...]:
    """Countries whose centroid is within radius_km of cc's, plus cc's land neighbours,
    nearest first; cc itself is excluded, an unknown cc gives ()."""
    if not isinstance(cc, str):
        return ()
    return _nearby(cc.upper(), radius_km)


# Bounded because radius_km comes from callers; 250 countries x a few radii fit easily.
@functools.lru_cache(maxsize=2048)
def _nearby(cc: str, radius_km: float) -> tuple[str, ...]:
    origin = COUNTRIES.get(cc)
    if origin is None:
        return ()
    found: list[tuple[float, str]] = []
    for other in COUNTRIES.values():
        if other.code == cc:
            continue
        distance = haversine_km(origin.lat, origin.lon, other.lat, other.lon)
        if distance <= radius_km or other.code in origin.borders:
            found.append((distance, other.code))
    found.sort()
    return tuple(code for _, code in found)


def _two_letters(value: object) -> str | None:
    # Geoacumen stores the string "None" for private ranges, so truthiness is not enough.
    if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    return None


class GeoIP:
    """Reader for a MaxMind-format country or city database (Geoacumen by default).

    Results, including misses, are memoised per address string.

    Raw maxminddb, not geoip2, on purpose: this is the per-request hot path of the delivery
    front, and bench/geoip_lookup.py measured 1.0-1.1 million lookups/s through maxminddb's
    C extension against 115,000-165,000/s through geoip2.database.Reader (MODE_MMAP_EXT)
    on the same 100,000 random addresses. The ASN and City databases, read off this path,
    go through geoip2's typed readers (apps.core.geodb).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, cache_size: int = 65536):
        # Deferred: importing maxminddb costs ~50 ms (importlib.metadata), which the
        # country tables alone should not pay.
        import maxminddb

        if path is None:
            import geoacumen

            path = geoacumen.db_path
        self.path = os.fspath(path)
        try:
            self.reader: Reader = maxminddb.open_database(self.path, maxminddb.MODE_MMAP_EXT)
        except ValueError:
            # Raised when the C extension is not built; the pure-Python reader still works.
            self.reader = maxminddb.open_database(self.path, maxminddb.MODE_AUTO)
        self._cached_locate = functools.lru_cache(maxsize=cache_size)(self._locate)

    def __repr__(self) -> str:
        return f"GeoIP({self.path!r})"

    def __enter__(self) -> GeoIP:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._cached_locate.cache_clear()
        self.reader.close()

    def country(self, ip: str) -> str | None:
        """Upper-case ISO 3166-1 alpha-2 code, or None for unknown, private or invalid input."""
        location = self.locate(ip)
        return location.country if location else None

    def locate(self, ip: str) -> Location | None:
        """Country, continent and coordinates (the database's own, else the country centroid)."""
        try:
            return self._cached_locate(ip)
        except TypeError:  # unhashable input never reaches _locate
            return None

    def _locate(self, ip: str) -> Location | None:
        if isinstance(ip, str):
            ip = ip.strip()
            # Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d, which the databases miss.
            if ip[:7].lower() == "::ffff:" and "." in ip:
                ip = ip[7:]
        try:
            record = self.reader.get(ip)
        except (ValueError, TypeError):
            return None
        if not isinstance(record, dict):
            return None
        # registered_country covers ranges MaxMind cannot pin to a physical country.
        place = record.get("country") or record.get("registered_country")
        code = _two_letters(place.get("iso_code")) if isinstance(place, dict) else None
        if code is None:
            return None
        known = COUNTRIES.get(code)

        continent = record.get("continent")
        continent = _two_letters(continent.get("code")) if isinstance(continent, dict) else None
        if continent is None and known:
            continent = known.continent

        lat = lon = None
        coords = record.get("location")
        if isinstance(coords, dict):
            lat, lon = coords.get("latitude"), coords.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            lat, lon = float(lat), float(lon)
        elif known:
            lat, lon = known.lat, known.lon
        else:
            lat = lon = None
        return Location(code, continent, lat, lon)


# --- Building the data file (development only; needs countryinfo, not used at runtime) ---

# Codes countryinfo still ships that ISO 3166-1 withdrew (Netherlands Antilles, Serbia and
# Montenegro); no GeoIP database returns them.
_WITHDRAWN = frozenset({"AN", "CS"})

# GeoIP databases use GeoNames continents; these are where that differs from the UN M49
# regions countryinfo has (sub-Antarctic islands, and Cyprus which GeoNames puts in Europe).
_CONTINENT_OVERRIDES = {"AQ": "AN", "BV": "AN", "GS": "AN", "HM": "AN", "TF": "AN", "CY": "EU"}

_REGION_CONTINENT = {"Africa": "AF", "Asia": "AS", "Europe": "EU", "Oceania": "OC"}

# countryinfo has no coordinates at all for these.
_CENTROID_FALLBACK = {"AQ": (-90.0, 0.0), "BV": (-54.43, 3.4), "UM": (19.3, 166.63)}

# Kosovo is missing from countryinfo, but GeoIP databases return its user-assigned code XK
# and its neighbours' border lists name it (as KOS or XKX).
_EXTRA_COUNTRIES = {
    "XK": ("Kosovo", "EU", 42.6667, 21.1667, ("AL", "ME", "MK", "RS")),
}
_ALPHA3_ALIASES = {"KOS": "XK", "XKX": "XK"}


def _continent_from_regions(code: str, info: dict) -> str:
    if code in _CONTINENT_OVERRIDES:
        return _CONTINENT_OVERRIDES[code]
    region = info.get("region")
    if region == "Americas":
        # M49 lumps Latin America together; GeoIP splits at Panama/Colombia.
        return "SA" if info.get("intermediateregion") == "South America" else "NA"
    if region in _REGION_CONTINENT:
        return _REGION_CONTINENT[region]
    raise ValueError(f"no continent for {code} (region {region!r})")


def _centroid(code: str, info: dict) -> tuple[float, float]:
    latlng = info.get("latlng") or info.get("capital_latlng")
    if latlng and isinstance(latlng[0], list):  # several capitals, e.g. BQ
        latlng = latlng[0]
    if not latlng:
        latlng = _CENTROID_FALLBACK[code]
    return round(float(latlng[0]), 4), round(float(latlng[1]), 4)


def build_country_table(dest: str | None = DATA_FILE) -> dict[str, Country]:
    """Build the country table from countryinfo and, unless dest is None, write it there."""
    import countryinfo

    merged: dict[str, dict] = {}
    alpha2_of: dict[str, str] = dict(_ALPHA3_ALIASES)
    for entry in countryinfo.CountryInfo.all().values():
        iso = entry.get("ISO") or {}
        code = (iso.get("alpha2") or "").upper()
        # Entries without a numeric code are sub-territories (Wales, Gaza Strip, ...).
        if not iso.get("numeric") or len(code) != 2 or code in _WITHDRAWN:
            continue
        alpha2_of[iso["alpha3"].upper()] = code
        slot = merged.setdefault(code, {})
        # Some countries come in two files with complementary gaps; first non-empty wins.
        for key, value in entry.items():
            if key not in slot and value not in (None, "", [], {}):
                slot[key] = value
    alpha2_of.update({code: code for code in (*merged, *_EXTRA_COUNTRIES)})

    table: dict[str, Country] = {}
    for code, info in merged.items():
        borders = {alpha2_of[b.upper()] for b in info.get("borders") or ()} - {code}
        table[code] = Country(
            code,
            info["name"],
            _continent_from_regions(code, info),
            *_centroid(code, info),
            tuple(sorted(borders)),
        )
    for code, (name, continent, lat, lon, borders) in _EXTRA_COUNTRIES.items():
        table[code] = Country(code, name, continent, lat, lon, borders)
    table = dict(sorted(table.items()))

    if dest is not None:
        _write_table(table, dest, source=f"countryinfo {countryinfo.__version__}")
    return table


def _write_table(table: dict[str, Country], dest: str, source: str) -> None:
    # One country per line keeps the committed file small and its diffs readable.
    rows = [
        orjson.dumps(c.code).decode()
        + ":"
        + orjson.dumps([c.name, c.continent, c.lat, c.lon, c.borders]).decode()
        for c in table.values()
    ]
    header = '{"source":' + orjson.dumps(source).decode() + ',"countries":{\n'
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w", encoding="utf-8") as f:
        f.write(header + ",\n".join(rows) + "\n}}\n")


def _main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m apps.core.geo", description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help=f"regenerate {DATA_FILE}")
    parser.add_argument("--db", help="mmdb file to query (default: Geoacumen)")
    parser.add_argument("ip", nargs="*", help="addresses to look up")
    args = parser.parse_args(argv)
    if not args.rebuild and not args.ip:
        parser.print_usage()
        return 2
    if args.rebuild:
        table = build_country_table()
        # This __main__ copy of the module loaded the old file (or none); look up with the new.
        COUNTRIES.clear()
        COUNTRIES.update(table)
        _nearby.cache_clear()
        print(f"wrote {len(table)} countries to {DATA_FILE} ({os.path.getsize(DATA_FILE)} bytes)")
    if args.ip:
        with GeoIP(args.db) as geo:
            for ip in args.ip:
                print(ip, geo.locate(ip))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
