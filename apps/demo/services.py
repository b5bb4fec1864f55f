"""The demo data: CentOS's infrastructure as the 2007 FOSDEM talk describes it.

33 donated servers, the sponsors who gave them, releases 3.x to 5.0 with their
architectures, repositories and ISO images, internal mirrors on the donated
servers and 154 external mirrors in the 43 countries of the talk's "CentOS
Mirror Locations" table, syncing in a tree. Host names are under example.org
and .test. Everything comes from a seeded random generator and is written with
natural keys, so loading twice gives the same database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.core.geo import COUNTRIES, haversine_km
from apps.delivery.services import snapshot_publish
from apps.mirrors.choices import Approval, MirrorTier
from apps.demo.history import demo_history_write
from apps.mirrors.models import Mirror, MirrorURL, Netblock
from apps.releases.choices import ImageKind, ReleaseStatus
from apps.releases.models import Architecture, Image, Release, Repository, RepositoryVersion
from apps.servers.choices import ServerHealth, ServerRole, ServerStatus
from apps.servers.models import Role, Server, ServerTraffic
from apps.sponsors.choices import SponsorKind
from apps.sponsors.models import Sponsor

SEED = 2007

# The talk's "CentOS Mirror Locations" table: 43 countries, 154 external mirrors.
SEED_MIRROR_COUNTS: dict[str, int] = {
    "AU": 3, "AT": 2, "BD": 1, "BE": 2, "BR": 1, "BG": 1, "CA": 3, "CL": 4, "CN": 5,
    "CZ": 4, "DK": 2, "FI": 2, "FR": 5, "DE": 6, "GR": 4, "HU": 1, "IN": 1, "ID": 1,
    "IE": 1, "IL": 3, "IT": 3, "JP": 5, "KR": 3, "LU": 1, "NL": 4, "NZ": 1, "NO": 1,
    "PL": 4, "PT": 2, "PR": 1, "RO": 3, "RU": 1, "SG": 2, "SI": 2, "ZA": 1, "ES": 3,
    "SE": 2, "TW": 5, "TR": 1, "UA": 1, "GB": 6, "US": 49, "VE": 1,
}  # fmt: skip

CITIES: dict[str, tuple[str, ...]] = {
    "AU": ("Sydney", "Melbourne", "Brisbane"), "AT": ("Vienna", "Graz"), "BD": ("Dhaka",),
    "BE": ("Brussels", "Leuven"), "BR": ("Sao Paulo",), "BG": ("Sofia",),
    "CA": ("Toronto", "Montreal", "Vancouver"), "CL": ("Santiago", "Valparaiso"),
    "CN": ("Beijing", "Shanghai", "Hangzhou"), "CZ": ("Prague", "Brno"),
    "DK": ("Copenhagen", "Aarhus"), "FI": ("Helsinki", "Espoo"),
    "FR": ("Paris", "Lyon", "Strasbourg"), "DE": ("Berlin", "Frankfurt", "Munich", "Aachen"),
    "GR": ("Athens", "Thessaloniki"), "HU": ("Budapest",), "IN": ("Bangalore",),
    "ID": ("Jakarta",), "IE": ("Dublin",), "IL": ("Tel Aviv", "Haifa", "Jerusalem"),
    "IT": ("Milan", "Rome", "Bologna"), "JP": ("Tokyo", "Osaka", "Tsukuba"),
    "KR": ("Seoul", "Daejeon"), "LU": ("Luxembourg",), "NL": ("Amsterdam", "Utrecht", "Delft"),
    "NZ": ("Auckland",), "NO": ("Oslo",), "PL": ("Warsaw", "Krakow", "Poznan"),
    "PT": ("Lisbon", "Porto"), "PR": ("San Juan",), "RO": ("Bucharest", "Cluj"),
    "RU": ("Moscow",), "SG": ("Singapore",), "SI": ("Ljubljana", "Maribor"),
    "ZA": ("Johannesburg",), "ES": ("Madrid", "Barcelona", "Valencia"),
    "SE": ("Stockholm", "Uppsala"), "TW": ("Taipei", "Hsinchu", "Taichung"),
    "TR": ("Ankara",), "UA": ("Kyiv",), "GB": ("London", "Manchester", "Warwick", "Kent"),
    "US": ("Dallas", "Chicago", "Atlanta", "Seattle", "Boston", "San Jose", "New York",
           "Raleigh", "Columbus", "Denver", "Phoenix", "Salt Lake City", "Pittsburgh"),
    "VE": ("Caracas",),
}  # fmt: skip

ORGANISATION_PATTERNS = (
    ("University of {city}", SponsorKind.UNIVERSITY),
    ("{city} Hosting", SponsorKind.HOSTING),
    ("{city} Institute of Technology", SponsorKind.UNIVERSITY),
    ("{city} Internet Exchange", SponsorKind.COMPANY),
    ("{city} Data Centre", SponsorKind.HOSTING),
    ("{city} Linux Users Group", SponsorKind.INDIVIDUAL),
)

# Sponsors of the donated servers: universities and hosting companies.
SERVER_SPONSORS = (
    ("Lone Star Hosting", SponsorKind.HOSTING, "US", "Dallas"),
    ("Midwest University", SponsorKind.UNIVERSITY, "US", "Chicago"),
    ("Peachtree Networks", SponsorKind.HOSTING, "US", "Atlanta"),
    ("Cascade Colocation", SponsorKind.HOSTING, "US", "Seattle"),
    ("Thames Valley University", SponsorKind.UNIVERSITY, "GB", "Warwick"),
    ("Albion Dedicated Servers", SponsorKind.HOSTING, "GB", "London"),
    ("Rhein-Main Rechenzentrum", SponsorKind.HOSTING, "DE", "Frankfurt"),
    ("Technische Hochschule Nord", SponsorKind.UNIVERSITY, "DE", "Aachen"),
    ("Polder Hosting", SponsorKind.HOSTING, "NL", "Amsterdam"),
    ("Nordic University Network", SponsorKind.UNIVERSITY, "SE", "Uppsala"),
    ("Maple Leaf Hosting", SponsorKind.HOSTING, "CA", "Toronto"),
    ("Sakura Internet Research", SponsorKind.COMPANY, "JP", "Tokyo"),
    ("Southern Cross University", SponsorKind.UNIVERSITY, "AU", "Sydney"),
    ("Pampas Datacenter", SponsorKind.HOSTING, "CL", "Santiago"),
)

# 33 donated servers: (host name, roles, sponsor index, datacentre).
SERVERS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("ns1.example.org", (ServerRole.DNS,), 0),
    ("ns2.example.org", (ServerRole.DNS,), 5),
    ("ns3.example.org", (ServerRole.DNS,), 11),
    ("www1.example.org", (ServerRole.WEBSITE,), 0),
    ("www2.example.org", (ServerRole.WEBSITE,), 6),
    ("wiki.example.org", (ServerRole.WIKI,), 1),
    ("msync1.example.org", (ServerRole.MIRROR_MASTER,), 0),
    ("msync2.example.org", (ServerRole.MIRROR_MASTER,), 6),
    ("vault.example.org", (ServerRole.VAULT,), 2),
    ("lists.example.org", (ServerRole.MAILMAN,), 4),
    ("beta.example.org", (ServerRole.BETA_MASTER,), 3),
    ("build-i386.example.org", (ServerRole.BUILD_MASTER,), 1),
    ("build-x86-64.example.org", (ServerRole.BUILD_MASTER,), 1),
    ("build-ppc.example.org", (ServerRole.BUILD_MASTER,), 7),
    ("mirror-us1.example.org", (ServerRole.INTERNAL_MIRROR,), 0),
    ("mirror-us2.example.org", (ServerRole.INTERNAL_MIRROR,), 1),
    ("mirror-us3.example.org", (ServerRole.INTERNAL_MIRROR,), 2),
    ("mirror-us4.example.org", (ServerRole.INTERNAL_MIRROR,), 3),
    ("mirror-ca1.example.org", (ServerRole.INTERNAL_MIRROR,), 10),
    ("mirror-uk1.example.org", (ServerRole.INTERNAL_MIRROR,), 4),
    ("mirror-uk2.example.org", (ServerRole.INTERNAL_MIRROR,), 5),
    ("mirror-de1.example.org", (ServerRole.INTERNAL_MIRROR,), 6),
    ("mirror-de2.example.org", (ServerRole.INTERNAL_MIRROR,), 7),
    ("mirror-nl1.example.org", (ServerRole.INTERNAL_MIRROR,), 8),
    ("mirror-se1.example.org", (ServerRole.INTERNAL_MIRROR,), 9),
    ("mirror-jp1.example.org", (ServerRole.INTERNAL_MIRROR,), 11),
    ("mirror-au1.example.org", (ServerRole.INTERNAL_MIRROR,), 12),
    ("mirror-cl1.example.org", (ServerRole.INTERNAL_MIRROR,), 13),
    ("mirror-us5.example.org", (ServerRole.INTERNAL_MIRROR, ServerRole.DNS), 0),
    ("mirror-nl2.example.org", (ServerRole.INTERNAL_MIRROR, ServerRole.WEBSITE), 8),
    ("mirror-jp2.example.org", (ServerRole.INTERNAL_MIRROR,), 11),
    ("mirror-uk3.example.org", (ServerRole.INTERNAL_MIRROR, ServerRole.WIKI), 4),
    ("mirror-de3.example.org", (ServerRole.INTERNAL_MIRROR, ServerRole.MAILMAN), 6),
)

ARCHITECTURES = {
    "i386": "32-bit x86",
    "x86_64": "64-bit x86 (AMD64, Intel EM64T)",
    "ia64": "Intel Itanium",
    "ppc": "PowerPC 32-bit",
    "ppc64": "PowerPC 64-bit",
    "s390": "IBM S/390",
    "s390x": "IBM zSeries",
    "alpha": "DEC Alpha",
    "sparc": "SPARC and Niagara",
    "arm": "ARM (embedded)",
}

REPOSITORIES = {
    "os": "The release as shipped on the ISO images.",
    "updates": "Security and bug-fix updates.",
    "extras": "Packages that add to the release without replacing any.",
    "addons": "Packages built from upstream sources outside the release.",
    "centosplus": "Packages that replace base packages; use with care.",
    "contrib": "Packages contributed by users.",
    "fasttrack": "Updates that upstream will ship in the next point release.",
}


@dataclass(frozen=True)
class ReleaseSpec:
    version: str
    status: str
    released_on: dt.date
    arches: tuple[str, ...]
    repos: tuple[str, ...]


RELEASES = (
    ReleaseSpec("3.8", ReleaseStatus.END_OF_LIFE, dt.date(2006, 8, 25),
                ("i386", "x86_64", "ia64", "s390", "s390x"),
                ("os", "updates", "extras", "addons", "centosplus", "contrib")),
    ReleaseSpec("3.9", ReleaseStatus.CURRENT, dt.date(2007, 7, 26),
                ("i386", "x86_64", "ia64", "s390", "s390x"),
                ("os", "updates", "extras", "addons", "centosplus", "contrib")),
    ReleaseSpec("4.4", ReleaseStatus.END_OF_LIFE, dt.date(2006, 8, 30),
                ("i386", "x86_64", "ia64", "ppc", "s390", "s390x", "alpha", "sparc"),
                ("os", "updates", "extras", "addons", "centosplus", "contrib", "fasttrack")),
    ReleaseSpec("4.5", ReleaseStatus.CURRENT, dt.date(2007, 5, 17),
                ("i386", "x86_64", "ia64", "ppc", "s390", "s390x", "alpha", "sparc"),
                ("os", "updates", "extras", "addons", "centosplus", "contrib", "fasttrack")),
    ReleaseSpec("5.0", ReleaseStatus.CURRENT, dt.date(2007, 4, 12),
                ("i386", "x86_64", "ia64", "ppc", "ppc64"),
                ("os", "updates", "extras", "centosplus", "fasttrack")),
)  # fmt: skip

# Architectures that get ISO images (the others are served as trees only).
ISO_ARCHES = ("i386", "x86_64", "ppc")
BANDWIDTHS = (100, 155, 622, 1000, 1000, 2500, 10000)
REPOSITORY_HISTORY = 3  # versions of each repository kept for alternates


def _fake_digest(*parts: object, algo: str = "sha256") -> str:
    return hashlib.new(algo, "/".join(map(str, parts)).encode()).hexdigest()


def _round_now(now: dt.datetime | None) -> dt.datetime:
    now = now or timezone.now()
    return now.replace(minute=0, second=0, microsecond=0)


@transaction.atomic
def demo_load(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the demo data. Returns counts of what it holds."""
    now = _round_now(now)
    rng = random.Random(SEED)
    arches, repos, releases = _load_releases(now)
    sponsors = _load_server_sponsors()
    servers = _load_servers(rng, sponsors, now)
    users = _load_users()
    masters, internals = _load_internal_mirrors(rng, servers, releases, arches, repos)
    externals = _load_external_mirrors(rng, internals, users, releases, arches, repos)
    _load_server_traffic(rng, servers, now)
    _finish(now=now)
    return {
        "releases": len(releases),
        "servers": len(servers),
        "sponsors": Sponsor.objects.count(),
        "masters": len(masters),
        "internal_mirrors": len(internals),
        "external_mirrors": len(externals),
    }


def _finish(*, now: dt.datetime) -> None:
    """Later parts of the portal add their demo state here (check history, snapshot)."""
    demo_history_write(now=now, seed=SEED)
    snapshot_publish(reason="loaddemo")


def _load_releases(now: dt.datetime):
    arches = {
        name: Architecture.objects.update_or_create(name=name, defaults={"description": desc})[0]
        for name, desc in ARCHITECTURES.items()
    }
    repos = {
        name: Repository.objects.update_or_create(name=name, defaults={"description": desc})[0]
        for name, desc in REPOSITORIES.items()
    }
    releases = {}
    for spec in RELEASES:
        major, minor = (int(part) for part in spec.version.split("."))
        release, _ = Release.objects.update_or_create(
            version=spec.version,
            defaults={
                "major": major,
                "minor": minor,
                "status": spec.status,
                "released_on": spec.released_on,
            },
        )
        release.architectures.set([arches[a] for a in spec.arches])
        release.repositories.set([repos[r] for r in spec.repos])
        releases[spec.version] = release
        _load_repository_versions(release, spec, arches, repos, now)
        _load_images(release, spec, arches)
    return arches, repos, releases


def _load_repository_versions(release, spec, arches, repos, now):
    """The master's last few repomd.xml versions of each repository."""
    for repo_name in spec.repos:
        for arch_name in spec.arches:
            for age in range(REPOSITORY_HISTORY):
                # os changes only at release time; the others every few hours.
                step = dt.timedelta(days=30) if repo_name == "os" else dt.timedelta(hours=6)
                published = now - dt.timedelta(hours=2) - age * step
                if spec.status == ReleaseStatus.END_OF_LIFE:
                    published -= dt.timedelta(days=365)
                timestamp = int(published.timestamp())
                key = (spec.version, repo_name, arch_name, timestamp)
                RepositoryVersion.objects.update_or_create(
                    release=release,
                    repository=repos[repo_name],
                    architecture=arches[arch_name],
                    sha256=_fake_digest(*key),
                    defaults={
                        "timestamp": timestamp,
                        "sha512": _fake_digest(*key, algo="sha512"),
                        "size": 3000 + (timestamp % 997),
                        "published_at": published,
                    },
                )
            # Keep only this many: older demo runs must not pile up versions.
            keep = RepositoryVersion.objects.filter(
                release=release, repository=repos[repo_name], architecture=arches[arch_name]
            ).order_by("-timestamp")[:REPOSITORY_HISTORY]
            RepositoryVersion.objects.filter(
                release=release, repository=repos[repo_name], architecture=arches[arch_name]
            ).exclude(pk__in=list(keep.values_list("pk", flat=True))).delete()


def _load_images(release, spec, arches):
    for arch_name in spec.arches:
        if arch_name not in ISO_ARCHES:
            continue
        version = spec.version
        names = [
            (
                f"CentOS-{version}-{arch_name}-bin{n}of4.iso",
                ImageKind.CD,
                650_000_000 + n * 1_048_576,
            )
            for n in range(1, 5)
        ]
        names.append((f"CentOS-{version}-{arch_name}-bin-DVD.iso", ImageKind.DVD, 2_400_000_000))
        names.append(
            (f"CentOS-{version}-{arch_name}-netinstall.iso", ImageKind.NETINSTALL, 7_000_000)
        )
        for name, kind, size in names:
            size += sum(map(ord, name)) * 1024  # distinct, stable sizes
            Image.objects.update_or_create(
                release=release,
                architecture=arches[arch_name],
                name=name,
                defaults={
                    "kind": kind,
                    "size": size,
                    "sha256": _fake_digest(name),
                    "published_at": dt.datetime.combine(
                        spec.released_on, dt.time(12), tzinfo=dt.UTC
                    ),
                },
            )


def _load_server_sponsors() -> list[Sponsor]:
    sponsors = []
    for index, (name, kind, country, city) in enumerate(SERVER_SPONSORS):
        slug = slugify(name)
        description = (
            f"**{name}** in {city} donates servers and bandwidth to the project.\n\n"
            f"- hosting for the project's infrastructure since {2003 + index % 4}\n"
            f"- network and power at no cost\n"
        )
        sponsor, _ = Sponsor.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "website": f"https://www.{slug}.example.org/",
                "country": country,
                "description": description,
                "sponsor_since": dt.date(2003 + index % 4, 1 + index % 12, 1),
                "active": True,
            },
        )
        sponsors.append(sponsor)
    return sponsors


def _load_servers(rng: random.Random, sponsors: list[Sponsor], now: dt.datetime) -> list[Server]:
    roles = {role: Role.objects.get_or_create(name=role)[0] for role in ServerRole.values}
    servers = []
    for index, (hostname, role_names, sponsor_index) in enumerate(SERVERS):
        sponsor = sponsors[sponsor_index]
        city = SERVER_SPONSORS[sponsor_index][3]
        health = ServerHealth.OK
        if index in (9, 21):
            health = ServerHealth.WARNING
        elif index == 27:
            health = ServerHealth.CRITICAL
        server, _ = Server.objects.update_or_create(
            hostname=hostname,
            defaults={
                "ipv4": f"192.0.2.{index + 10}",
                "ipv6": f"2001:db8::{index + 10:x}" if index % 3 == 0 else None,
                "sponsor": sponsor,
                "country": sponsor.country,
                "city": city,
                "datacentre": f"{sponsor.name}, {city}",
                "status": ServerStatus.MAINTENANCE if index == 27 else ServerStatus.ACTIVE,
                "health": health,
                "bandwidth_mbps": rng.choice((100, 1000, 1000, 10000)),
                "notes": "Runs CentOS, as every server of the project does.",
            },
        )
        server.roles.set([roles[name] for name in role_names])
        servers.append(server)
    return servers


def _load_users():
    User = get_user_model()
    users = []
    for n in range(1, 6):
        user, created = User.objects.get_or_create(
            username=f"volunteer{n}",
            defaults={"email": f"volunteer{n}@example.org", "first_name": f"Volunteer {n}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users.append(user)
    return users


def _carry(mirror: Mirror, releases, arches, repos, *, arch_names) -> None:
    served = [r for r in releases.values() if r.status != ReleaseStatus.END_OF_LIFE]
    mirror.releases.set(served)
    mirror.architectures.set([arches[a] for a in arch_names])
    mirror.repositories.set(list(repos.values()))


def _load_internal_mirrors(rng, servers, releases, arches, repos):
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
        _set_urls(mirror, [("http", f"http://{server.hostname}/centos/")])
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


def _load_external_mirrors(rng, internals, users, releases, arches, repos):
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


def _load_server_traffic(rng: random.Random, servers: list[Server], now: dt.datetime) -> None:
    """Sixty days of traffic; the internal mirrors push out 20.74 TB in the busiest week,
    the week of the last release, as they did when 4.4 came out."""
    today = now.date()
    days = [today - dt.timedelta(days=d) for d in range(60)]
    release_week = {today - dt.timedelta(days=d) for d in range(21, 28)}
    mirror_servers = [s for s in servers if s.hostname.startswith("mirror-")]
    peak_per_server_day = 20.74e12 / 7 / len(mirror_servers)
    ServerTraffic.objects.filter(server__in=servers, day__lt=days[-1]).delete()
    rows = []
    for server in servers:
        is_mirror = server in mirror_servers
        base = peak_per_server_day / 6 if is_mirror else 4e9
        for day in days:
            weekday_factor = 0.75 if day.weekday() >= 5 else 1.0
            out = base * weekday_factor * rng.uniform(0.85, 1.15)
            if is_mirror and day in release_week:
                out = peak_per_server_day
            rows.append(
                ServerTraffic(server=server, day=day, bytes_out=int(out), bytes_in=int(out * 0.02))
            )
    ServerTraffic.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["server", "day"],
        update_fields=["bytes_out", "bytes_in"],
    )
