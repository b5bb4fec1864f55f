"""The demo data's mirrors: the internal ones on the donated servers, the talk's external
ones by country, and the tree they sync in."""

from __future__ import annotations

from django.utils.text import slugify

from apps.core.geo import COUNTRIES, haversine_km
from apps.mirrors.choices import Approval, MirrorTier
from apps.mirrors.models import Mirror, MirrorURL, Netblock
from apps.releases.choices import ReleaseStatus
from apps.servers.choices import ServerRole
from apps.sponsors.choices import SponsorKind
from apps.sponsors.models import Sponsor

from .tables import (
    ARCHITECTURES,
    BANDWIDTHS,
    CITIES,
    ORGANISATION_PATTERNS,
    SEED_MIRROR_COUNTS,
)


def _carry(mirror: Mirror, releases, arches, repos, *, arch_names) -> None:
    served = [r for r in releases.values() if r.status != ReleaseStatus.END_OF_LIFE]
    mirror.releases.set(served)
    mirror.architectures.set([arches[a] for a in arch_names])
    mirror.repositories.set(list(repos.values()))


def internal_mirrors_load(rng, servers, releases, arches, repos):
    masters, internals = [], []
    for server in servers:
        role_names = {role.name for role in server.roles.all()}
        if ServerRole.MIRROR_MASTER in role_names:
            tier, bucket = MirrorTier.MASTER, masters
        elif ServerRole.INTERNAL_MIRROR in role_names:
            tier, bucket = MirrorTier.INTERNAL, internals
        else:
            continue
        country = COUNTRIES[str(server.country)]
        mirror, _ = Mirror.objects.update_or_create(
            name=server.hostname,
            defaults={
                "organisation": server.sponsor.name,
                "sponsor": server.sponsor,
                "server": server,
                "country": country.code,
                "continent": country.continent,
                "latitude": country.lat,
                "longitude": country.lon,
                "contact_email": "infra@example.org",
                "bandwidth_mbps": server.bandwidth_mbps or 1000,
                "tier": tier,
                "approval": Approval.APPROVED,
                "upstream": masters[0] if tier == MirrorTier.INTERNAL and masters else None,
            },
        )
        # Masters and internal mirrors serve rsync too: the external mirrors sync from it
        # (what msync hands them).
        _set_urls(mirror, [("http", f"http://{server.hostname}/centos/"),
                           ("rsync", f"rsync://{server.hostname}/centos/")])  # fmt: skip
        _carry(mirror, releases, arches, repos, arch_names=list(ARCHITECTURES))
        bucket.append(mirror)
    # Internal mirrors sync from the closer of the two masters.
    for mirror in internals:
        mirror.upstream = min(masters, key=lambda m: _distance(m, mirror))
        mirror.save(update_fields=["upstream"])
    return masters, internals


def _distance(a: Mirror, b: Mirror) -> float:
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def _set_urls(mirror: Mirror, urls: list[tuple[str, str]]) -> None:
    MirrorURL.objects.filter(mirror=mirror).exclude(url__in=[u for _, u in urls]).delete()
    for protocol, url in urls:
        MirrorURL.objects.update_or_create(
            url=url,
            defaults={"mirror": mirror, "protocol": protocol, "ipv6": protocol == "https"},
        )


def external_mirrors_load(rng, internals, users, releases, arches, repos):
    externals = []
    sponsors_by_org: dict[str, Sponsor] = {}
    for cc, count in SEED_MIRROR_COUNTS.items():
        country = COUNTRIES[cc]
        cities = CITIES[cc]
        for n in range(count):
            city = cities[n % len(cities)]
            pattern, kind = ORGANISATION_PATTERNS[(n + len(cc) + ord(cc[0])) % 6]
            # (city, pattern) pairs do not repeat within a country: 6 patterns, coprime counts.
            organisation = pattern.format(city=city)
            host_slug = slugify(organisation).replace("-", "")
            name = f"centos.{host_slug}.{cc.lower()}.test"
            # Jitter around the country's centre so the map has no single dot per country.
            lat = round(country.lat + rng.uniform(-1.5, 1.5), 4)
            lon = round(country.lon + rng.uniform(-1.5, 1.5), 4)
            sponsor = None
            if kind in (SponsorKind.UNIVERSITY, SponsorKind.HOSTING) and n % 2 == 0:
                sponsor = sponsors_by_org.get(organisation) or _sponsor_for(organisation, kind, cc)
                sponsors_by_org[organisation] = sponsor
            arch_names = ["i386", "x86_64"] if rng.random() < 0.7 else list(ARCHITECTURES)
            mirror, _ = Mirror.objects.update_or_create(
                name=name,
                defaults={
                    "organisation": organisation,
                    "sponsor": sponsor,
                    "country": cc,
                    "continent": country.continent,
                    "latitude": lat,
                    "longitude": lon,
                    "owner": users[len(externals) % len(users)]
                    if len(externals) % 7 == 0
                    else None,
                    "contact_email": f"mirror-admin@{name}",
                    "bandwidth_mbps": rng.choice(BANDWIDTHS),
                    "tier": MirrorTier.EXTERNAL,
                    "approval": Approval.APPROVED,
                    "private": False,
                },
            )
            urls = [("http", f"http://{name}/centos/")]
            if rng.random() < 0.45:
                urls.append(("https", f"https://{name}/centos/"))
            if rng.random() < 0.3:
                urls.append(("ftp", f"ftp://{name}/pub/centos/"))
            if rng.random() < 0.5:
                urls.append(("rsync", f"rsync://{name}/centos/"))
            _set_urls(mirror, urls)
            _carry(mirror, releases, arches, repos, arch_names=arch_names)
            # Campus networks the university mirrors prefer to serve (benchmark ranges).
            cidrs = (
                [f"198.18.{len(externals) % 256}.0/24"] if kind == SponsorKind.UNIVERSITY else []
            )
            Netblock.objects.filter(mirror=mirror).exclude(cidr__in=cidrs).delete()
            for cidr in cidrs:
                Netblock.objects.get_or_create(mirror=mirror, cidr=cidr)
            externals.append(mirror)
    _link_sync_tree(externals, internals)
    return externals


def _sponsor_for(organisation: str, kind: str, cc: str) -> Sponsor:
    slug = slugify(organisation)
    sponsor, _ = Sponsor.objects.update_or_create(
        slug=slug,
        defaults={
            "name": organisation,
            "kind": kind,
            "website": f"https://www.{slug}.test/",
            "country": cc,
            "description": f"{organisation} runs a public mirror of the distribution.",
            "active": True,
        },
    )
    return sponsor


def _link_sync_tree(externals: list[Mirror], internals: list[Mirror]) -> None:
    """msync hands each external mirror a close internal one; a few big external
    mirrors feed the smaller ones of their country."""
    hubs: dict[str, Mirror] = {}
    for mirror in sorted(externals, key=lambda m: (-m.bandwidth_mbps, m.name)):
        hub = hubs.get(str(mirror.country))
        if hub is None or mirror.bandwidth_mbps >= 10000:
            hubs.setdefault(str(mirror.country), mirror)
            mirror.upstream = min(internals, key=lambda m: _distance(m, mirror))
        elif mirror.bandwidth_mbps <= 155:
            mirror.upstream = hub
        else:
            mirror.upstream = min(internals, key=lambda m: _distance(m, mirror))
    Mirror.objects.bulk_update(externals, ["upstream"])
