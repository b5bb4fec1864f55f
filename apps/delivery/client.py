"""Who is asking: the client's address (the peer, or X-Forwarded-For from a trusted proxy
only), its country and continent from GeoIP (maxminddb's C extension, the hot path) and its
ASN from the optional ASN database (geoip2's reader, memoised per address)."""

from __future__ import annotations

import dataclasses
import functools
import logging

from apps.core.client_ip import TrustedProxies, client_address
from apps.core.geo import COUNTRIES, GeoIP
from apps.core.geodb import GeoDatabases

from .snapshot import Client

log = logging.getLogger(__name__)


class ClientLocator:
    """Turns a WSGI environ and the query's overrides into a `Client`.

    `trusted_proxies` are addresses or networks ("10.0.0.0/8") whose X-Forwarded-For we
    believe; the header is walked from the right, skipping trusted hops, so a client cannot
    smuggle in an address by sending the header itself.
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
        # DELIVERY_IP_OVERRIDE_NETWORKS: who may stand in for another address (ip=) in the
        # netblock and ASN buckets, which list private mirrors.
        self._overriders = TrustedProxies(ip_override_networks)
        self._geoip_path = geoip_path
        self._asn_path = asn_path
        self._geoip: GeoIP | None = None
        # The ASN and City databases (geoip2's typed readers), also read by the API's whereami.
        self.databases = GeoDatabases(asn_path=asn_path, city_path=city_path)
        self._asn_lookup = functools.lru_cache(maxsize=65536)(self._asn_uncached)
        self._clients: dict[tuple, Client] = {}

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
        located = self.client(ip, country=country)
        if trusted or requester in self._overriders:
            return located
        return dataclasses.replace(located, ip=None, asn=None)

    def client(self, ip: str, *, country: str | None = None) -> Client:
        """Locate `ip`; `country` (the cc= parameter) overrides the country and continent.

        Memoised per (ip, country): a client asks again and again, and the lookup is on
        every request's path."""
        key = (ip, country)
        found = self._clients.get(key)
        if found is None:
            if len(self._clients) > 100_000:
                self._clients.clear()
            found = self._clients[key] = self._client_uncached(ip, country)
        return found

    def _client_uncached(self, ip: str, country: str | None) -> Client:
        if ip.lower().startswith("::ffff:") and "." in ip:
            ip = ip[7:]
        ipv6 = ":" in ip
        if country:
            cc = country.upper()
            known = COUNTRIES.get(cc)
            continent = known.continent if known else None
        else:
            location = self.geoip.locate(ip) if ip else None
            cc = location.country if location else None
            continent = location.continent if location else None
        asn = self._asn_lookup(ip) if self._asn_path and ip else None
        return Client(ip=ip or None, country=cc, continent=continent, ipv6=ipv6, asn=asn)

    def _asn_uncached(self, ip: str) -> int | None:
        found = self.databases.asn(ip)
        return found.autonomous_system_number if found is not None else None
