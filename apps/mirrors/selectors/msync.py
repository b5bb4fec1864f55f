"""msync: the internal mirror an external mirror should sync from. The close, healthy,
current one, tried in the mirrorlist's bucket order (apps.core.buckets): the internal mirrors
that declared the caller's netblock or ASN, then its country, nearby countries, continent,
the rest of the world; the master when no internal mirror qualifies. Closest first inside a
bucket. The API, the registration form's suggestion and the DNS export all ask here."""

from __future__ import annotations

import functools
import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.core.buckets import ASN, GEOGRAPHIC, MASTER, NETBLOCK, Place, place_of
from apps.core.geo import COUNTRIES, GeoIP, haversine_km

from ..choices import ContentState, MirrorTier, Protocol
from ..models import MaintenanceWindow, Mirror, MirrorRepositoryState, MirrorURL, Netblock

ALTERNATIVES = 4  # the next choices an answer lists after the chosen one


@dataclass(frozen=True)
class Upstream:
    """A mirror msync may hand out, with what a syncing mirror and the DNS need of it."""

    id: int
    name: str
    tier: str
    country: str
    continent: str
    lat: float | None
    lon: float | None
    asn: int | None
    urls: dict[str, str] = field(default_factory=dict)  # protocol -> URL (rsync, https, ...)
    ipv4: str | None = None  # its server's addresses: the DNS answer
    ipv6: str | None = None
    networks: tuple = ()


@dataclass(frozen=True)
class Candidates:
    """Every mirror msync may answer, read once: the healthy current internal mirrors and
    the masters that are up (the last resort)."""

    internal: tuple[Upstream, ...]
    masters: tuple[Upstream, ...]


def msync_candidates(*, now=None) -> Candidates:
    """Internal mirrors that are approved, switched on, up, outside a maintenance window and
    current for every repository they carry (at least one checked), and the masters that are
    up. Five queries, whatever the number of mirrors."""
    now = now or timezone.now()
    resting = set(MaintenanceWindow.objects.open_at(now).values_list("mirror_id", flat=True))
    not_current = set(
        MirrorRepositoryState.objects.filter(mirror__tier=MirrorTier.INTERNAL)
        .filter(~Q(state=ContentState.CURRENT))
        .values_list("mirror_id", flat=True)
    )
    checked = set(
        MirrorRepositoryState.objects.filter(
            mirror__tier=MirrorTier.INTERNAL, state=ContentState.CURRENT
        ).values_list("mirror_id", flat=True)
    )
    rows = (
        Mirror.objects.serving()
        .filter(tier__in=[MirrorTier.INTERNAL, MirrorTier.MASTER])
        .order_by("name")
        .values_list(
            "id", "name", "tier", "country", "continent", "latitude", "longitude", "asn",
            "server__ipv4", "server__ipv6",
        )
    )  # fmt: skip
    urls: dict[int, dict[str, str]] = defaultdict(dict)
    for mirror_id, protocol, url in (
        MirrorURL.objects.filter(mirror__tier__in=[MirrorTier.INTERNAL, MirrorTier.MASTER])
        .order_by("mirror_id", "protocol", "-ipv6", "url")
        .values_list("mirror_id", "protocol", "url")
    ):
        urls[mirror_id].setdefault(protocol, url)
    networks: dict[int, list] = defaultdict(list)
    for mirror_id, cidr in Netblock.objects.filter(mirror__tier=MirrorTier.INTERNAL).values_list(
        "mirror_id", "cidr"
    ):
        networks[mirror_id].append(ipaddress.ip_network(cidr, strict=False))
    internal, masters = [], []
    for pk, name, tier, cc, continent, lat, lon, asn, ipv4, ipv6 in rows:
        if pk in resting:
            continue
        known = COUNTRIES.get(str(cc))
        upstream = Upstream(
            id=pk, name=name, tier=tier, country=str(cc),
            continent=continent or (known.continent if known else ""),
            lat=lat if lat is not None else (known.lat if known else None),
            lon=lon if lon is not None else (known.lon if known else None),
            asn=asn, urls=urls.get(pk, {}), ipv4=ipv4, ipv6=ipv6,
            networks=tuple(networks.get(pk, ())),
        )  # fmt: skip
        if tier == MirrorTier.MASTER:
            masters.append(upstream)
        elif pk in checked and pk not in not_current:
            internal.append(upstream)
    return Candidates(tuple(internal), tuple(masters))


def msync_place(country: str | None) -> Place:
    """The client's place with the mirrorlist's settings (nearby radius, country groups)."""
    return place_of(
        country, nearby_km=settings.DELIVERY_NEARBY_KM, groups=settings.DELIVERY_COUNTRY_GROUPS
    )


def msync_rank(
    candidates: Candidates,
    *,
    place: Place,
    ip: str | None = None,
    asn: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> list[tuple[str, Upstream, float | None]]:
    """Every candidate as (bucket, mirror, distance in km), best first: bucket order, then
    the nearest (to the client's coordinates, else its country's centroid), then the name.
    The masters come last, in the "master" bucket."""
    origin = COUNTRIES.get(place.cc or "")
    if lat is None or lon is None:
        lat, lon = (origin.lat, origin.lon) if origin else (None, None)
    address = _address(ip)
    order = {name: rank for rank, name in enumerate((NETBLOCK, ASN, *GEOGRAPHIC, MASTER))}

    def distance(m: Upstream) -> float | None:
        if lat is None or lon is None or m.lat is None or m.lon is None:
            return None
        return round(haversine_km(lat, lon, m.lat, m.lon))

    ranked = []
    for m in candidates.internal:
        if address is not None and any(
            address.version == net.version and address in net for net in m.networks
        ):
            bucket = NETBLOCK
        elif asn and m.asn == asn:
            bucket = ASN
        else:
            bucket = place.bucket(m.country, m.continent)
        ranked.append((bucket, m, distance(m)))
    ranked.extend((MASTER, m, distance(m)) for m in candidates.masters)
    far = float("inf")
    ranked.sort(key=lambda r: (order[r[0]], far if r[2] is None else r[2], r[1].name))
    return ranked


def _address(ip: str | None):
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=4)
def _geoip(path: str | None) -> GeoIP:
    return GeoIP(path)


def msync_answer(
    *, ip: str | None = None, country: str | None = None, candidates: Candidates | None = None
) -> dict:
    """What msync answers a caller at `ip` (located by GeoIP) or in `country` (which wins):
    where it is, the chosen mirror and the bucket it came from, and the alternatives.
    `mirror` is None only when no internal mirror qualifies and no master is up."""
    location = _geoip(settings.GEOIP_PATH).locate(ip) if ip else None
    cc = (country or (location.country if location else "") or "").upper() or None
    lat = lon = None
    if location is not None and not country:
        lat, lon = location.lat, location.lon
    place = msync_place(cc)
    ranked = msync_rank(candidates or msync_candidates(), place=place, ip=ip, lat=lat, lon=lon)
    answers = [_describe(bucket, m, km) for bucket, m, km in ranked[: 1 + ALTERNATIVES]]
    return {
        "client": {"ip": ip, "country": cc, "continent": place.continent},
        "mirror": answers[0] if answers else None,
        "bucket": answers[0]["bucket"] if answers else None,
        "alternatives": answers[1:],
    }


def _describe(bucket: str, m: Upstream, km: float | None) -> dict:
    return {
        "id": m.id,
        "name": m.name,
        "tier": m.tier,
        "country": m.country,
        "bucket": bucket,
        "distance_km": km,
        "rsync_url": m.urls.get(Protocol.RSYNC),
        "https_url": m.urls.get(Protocol.HTTPS),
        "http_url": m.urls.get(Protocol.HTTP),
        "ipv4": m.ipv4,
        "ipv6": m.ipv6,
    }
