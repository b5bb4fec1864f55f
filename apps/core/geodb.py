"""The optional GeoIP databases read through geoip2's typed readers: ASN (GEOIP_ASN_PATH,
GeoLite2-ASN or a compatible DB-IP file) and City (GEOIP_CITY_PATH, GeoLite2-City,
GeoIP2-City, DB-IP City Lite), for the answers that want more than a country code: the ASN
bucket of the mirror choice (memoised per client) and the "where am I" API.

The country of every mirrorlist request stays on raw maxminddb (apps.core.geo.GeoIP): on
Geoacumen's country database bench/geoip_lookup.py measured 1.0-1.1 million lookups/s with
maxminddb's C extension against 115,000-165,000/s through geoip2.database.Reader
(MODE_MMAP_EXT) building its models, 6.6-8.8 times slower (100,000 random addresses, no
cache, 2 shared cores).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geoip2.database
    import geoip2.models

__all__ = ["GeoDatabases", "open_reader"]


def open_reader(path: str | os.PathLike[str], kind: str) -> geoip2.database.Reader:
    """A geoip2 reader for `path` (memory-mapped by the C extension when it is built), which
    must hold a `kind` database ("ASN", "City"): a wrong file fails here, not per lookup."""
    import geoip2.database
    import maxminddb

    try:
        reader = geoip2.database.Reader(os.fspath(path), mode=maxminddb.MODE_MMAP_EXT)
    except ValueError:  # the C extension is not built; the pure-Python reader still works
        reader = geoip2.database.Reader(os.fspath(path), mode=maxminddb.MODE_AUTO)
    database_type = reader.metadata().database_type
    if kind not in database_type:
        reader.close()
        raise ValueError(
            f"{os.fspath(path)} holds {database_type}, not the {kind} database expected"
        )
    return reader


class GeoDatabases:
    """The ASN and City databases when configured (None paths: not configured). Opened on
    first use; a lookup answers None for an unknown, private or invalid address."""

    def __init__(self, *, asn_path: str | None = None, city_path: str | None = None):
        self.asn_path = asn_path or None
        self.city_path = city_path or None
        self._asn: geoip2.database.Reader | None = None
        self._city: geoip2.database.Reader | None = None

    def __repr__(self) -> str:
        return f"GeoDatabases(asn_path={self.asn_path!r}, city_path={self.city_path!r})"

    def asn(self, ip: str) -> geoip2.models.ASN | None:
        if not self.asn_path:
            return None
        if self._asn is None:
            self._asn = open_reader(self.asn_path, "ASN")
        return _lookup(self._asn.asn, ip)

    def city(self, ip: str) -> geoip2.models.City | None:
        if not self.city_path:
            return None
        if self._city is None:
            self._city = open_reader(self.city_path, "City")
        return _lookup(self._city.city, ip)

    def close(self) -> None:
        for reader in (self._asn, self._city):
            if reader is not None:
                reader.close()
        self._asn = self._city = None


def _lookup(method, ip: str):
    import geoip2.errors

    if not isinstance(ip, str) or not ip:
        return None
    try:
        return method(ip.strip())
    except (geoip2.errors.AddressNotFoundError, ValueError):
        # ValueError: not an address, or an IPv6 one in an IPv4-only database.
        return None
