"""Who is asking: the client's address (the peer, or X-Forwarded-For from a trusted proxy
only), parsed once into its family and integer value; its country and continent from GeoIP
(maxminddb's C extension) and its ASN from the optional ASN database.

No memo keyed by the client's address: under real traffic every address is new, so such a
memo only misses and grows, and `ip=` lets any caller fill it. A lookup in the memory-mapped
database (about 1 µs) costs less than a missed memo; what is kept is bounded by the
database (the country codes it returns), never by the callers.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
from bisect import bisect_right

from apps.core.client_ip import TrustedProxies, client_address
from apps.core.geo import COUNTRIES, GeoIP
from apps.core.geodb import GeoDatabases

from .snapshot import Client

log = logging.getLogger(__name__)

_V4, _V6 = socket.AF_INET, socket.AF_INET6
_pton = socket.inet_pton
_from_bytes = int.from_bytes


def parse_address(text: str) -> tuple[str, bool, int] | None:
    """(the address as served, is IPv6, its value as an int) or None when `text` is not an
    address. An IPv4 client seen through a dual-stack socket ("::ffff:a.b.c.d") is IPv4."""
    try:
        if ":" not in text:
            return text, False, _from_bytes(_pton(_V4, text))
        if "." in text and text[:7].lower() == "::ffff:":
            v4 = text[7:]
            return v4, False, _from_bytes(_pton(_V4, v4))
        return text, True, _from_bytes(_pton(_V6, text))
    except (OSError, ValueError, TypeError):
        return None


class _Ranges:
    """The trusted proxies as sorted (first, last) integer ranges per family: `contains`
    is one bisect on an address already parsed."""

    def __init__(self, trusted: TrustedProxies):
        self.by_family: dict[bool, tuple[list[int], list[int]]] = {}
        for ipv6 in (False, True):
            nets = sorted(
                (int(n.network_address), int(n.broadcast_address))
                for n in trusted.networks
                if (n.version == 6) == ipv6
            )
            self.by_family[ipv6] = ([a for a, _ in nets], [b for _, b in nets])

    def contains(self, ipv6: bool, value: int) -> bool:
        starts, ends = self.by_family[ipv6]
        k = bisect_right(starts, value) - 1
        while k >= 0:  # nested or overlapping networks: walk back while one could hold it
            if value <= ends[k]:
                return True
            k -= 1
        return False


class ClientLocator:
    """Turns a WSGI environ and the query's overrides into a `Client`.

    `trusted_proxies` are addresses or networks ("10.0.0.0/8") whose X-Forwarded-For we
    believe; the header is walked from the right, skipping trusted hops, so a client cannot
    smuggle in an address by sending the header itself (apps.core.client_ip's rule).
    """

    def __init__(
        self,
        *,
        trusted_proxies=(),
        geoip_path: str | None = None,
        asn_path: str | None = None,
        city_path: str | None = None,
        ip_override_networks=(),
    ):
        self._trusted = TrustedProxies(trusted_proxies)
        self._ranges = _Ranges(self._trusted)
        # DELIVERY_IP_OVERRIDE_NETWORKS: who may stand in for another address (ip=) in the
        # netblock and ASN buckets, which list private mirrors.
        self._overriders = _Ranges(TrustedProxies(ip_override_networks))
        self._geoip_path = geoip_path
        self._asn_path = asn_path
        self._geoip: GeoIP | None = None
        self._asn_reader = None
        # The ASN and City databases (geoip2's typed readers), also read by the API's whereami.
        self.databases = GeoDatabases(asn_path=asn_path, city_path=city_path)
        # {the database's country code: (country, continent)}: bounded by the database.
        self._places: dict = {}

    @property
    def geoip(self) -> GeoIP:
        if self._geoip is None:
            self._geoip = GeoIP(self._geoip_path)
        return self._geoip

    def is_trusted(self, ip: str) -> bool:
        return ip in self._trusted

    def address(self, environ: dict) -> str:
        """The portal's one rule (apps.core.client_ip), as the API throttles apply it."""
        return client_address(
            environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"), self._trusted
        )

    def parsed_address(self, environ: dict) -> tuple[str, bool, int] | None:
        """The same rule as `address`, each hop parsed once (the front's hot path): the
        client's address parsed, or None when the peer's is not an address."""
        peer = parse_address(environ.get("REMOTE_ADDR") or "")
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if peer is None or not forwarded or not self._trusted:
            return peer
        contains = self._ranges.contains
        if not contains(peer[1], peer[2]):
            return peer
        for hop in reversed(forwarded.split(",")):
            hop = hop.strip()
            if not hop:
                continue
            parsed = parse_address(hop)
            if parsed is None:
                return peer  # a malformed hop where the client should be: the peer
            if not contains(parsed[1], parsed[2]):
                return parsed
        return peer

    def client_for(
        self, requester: str, ip: str | None, *, country: str | None = None, trusted=False
    ) -> Client:
        """The client to choose mirrors for: the requester, or the address it names (ip=).
        A named address stands in for the requester's country and family for anyone, but
        for its netblock and ASN (the buckets that hold private mirrors) only when the
        requester is `trusted` (staff) or inside DELIVERY_IP_OVERRIDE_NETWORKS: otherwise
        anyone could list a campus's private mirror by naming an address inside it."""
        if not ip or ip == requester:
            return self.client(requester, country=country)
        return self._stand_in(self.client(ip, country=country), parse_address(requester), trusted)

    def _stand_in(self, located: Client, requester, trusted: bool) -> Client:
        if trusted or (requester is not None and self._overriders.contains(*requester[1:])):
            return located
        return dataclasses.replace(located, ip=None, asn=None, value=None)

    def client(self, ip: str, *, country: str | None = None) -> Client:
        """Locate `ip` (as given, `ip=` or the peer); `country` (the cc= parameter)
        overrides the country and continent."""
        parsed = parse_address(ip) if ip else None
        if parsed is None:
            # Not an address: no netblock, no GeoIP; the family as the text suggests.
            return self._located(ip or None, ":" in (ip or ""), None, country)
        return self._located(*parsed, country)

    def client_of(self, environ: dict, params: dict) -> Client:
        """The client of a front request: `ip=` if given, else the peer or the trusted
        proxy's X-Forwarded-For; `cc=` (or `country=`) overrides the location."""
        country = params.get("cc") or params.get("country")
        ip = params.get("ip")
        parsed = self.parsed_address(environ)
        if ip and (parsed is None or ip != parsed[0]):
            return self._stand_in(self.client(ip, country=country), parsed, False)
        if parsed is None:
            return self._located(environ.get("REMOTE_ADDR") or None, False, None, country)
        return self._located(*parsed, country)

    def _located(self, ip: str | None, ipv6: bool, value: int | None, country) -> Client:
        known = COUNTRIES.get(country.upper()) if country else None
        if known is not None:
            cc, continent = known.code, known.continent
        elif value is not None:  # no cc=, or one that names no country (cc=XYZ): by address
            cc, continent = self._place(ip)
        else:
            cc = continent = None
        asn = self._asn(ip) if self._asn_path and value is not None else None
        return Client(ip, cc, continent, ipv6, asn, value)

    def _place(self, ip: str) -> tuple[str | None, str | None]:
        try:
            record = self.geoip.reader.get(ip)
        except (ValueError, TypeError):
            return None, None
        if not isinstance(record, dict):
            return None, None
        # registered_country covers ranges MaxMind cannot pin to a physical country.
        place = record.get("country") or record.get("registered_country")
        code = place.get("iso_code") if isinstance(place, dict) else None
        continent = record.get("continent")
        continent = continent.get("code") if isinstance(continent, dict) else None
        key = (code, continent)
        found = self._places.get(key)
        if found is None:
            found = self._places[key] = _place_of(code, continent)
        return found

    def _asn(self, ip: str) -> int | None:
        reader = self._asn_reader
        if reader is None:
            import maxminddb

            self.databases.asn("127.0.0.1")  # checks the file holds an ASN database
            reader = self._asn_reader = maxminddb.open_database(self._asn_path, maxminddb.MODE_AUTO)
        try:
            record = reader.get(ip)
        except (ValueError, TypeError):
            return None
        found = record.get("autonomous_system_number") if isinstance(record, dict) else None
        return found if isinstance(found, int) else None


def _place_of(code, continent) -> tuple[str | None, str | None]:
    """(country, continent) from a GeoIP record's codes, as apps.core.geo.GeoIP reads them
    (Geoacumen stores the string "None" for private ranges)."""

    def two_letters(value) -> str | None:
        if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha():
            return value.upper()
        return None

    cc = two_letters(code)
    if cc is None:
        return None, None
    known = COUNTRIES.get(cc)
    return cc, two_letters(continent) or (known.continent if known else None)
