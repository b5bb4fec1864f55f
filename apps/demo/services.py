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

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.delivery.services import snapshot_publish
from apps.demo.history import demo_history_write
from apps.mirrors.models import MirrorTraffic
from apps.releases.choices import ImageKind, ReleaseStatus
from apps.releases.models import Architecture, Image, Release, Repository, RepositoryVersion
from apps.servers.choices import ServerCondition, ServerRole, ServerStatus
from apps.servers.models import Role, Server, ServerTraffic
from apps.sponsors.models import Sponsor

from .conditions import demo_conditions_load
from .mirrors import external_mirrors_load, internal_mirrors_load
from .partners import demo_partners_load
from .tables import (
    ARCHITECTURES,
    BUSIEST_WEEK_2006,
    BUSIEST_WEEK_BYTES,
    ISO_ARCHES,
    RELEASES,
    REPOSITORIES,
    REPOSITORY_HISTORY,
    SEED,
    SERVER_SPONSORS,
    SERVERS,
)
from .usage import demo_usage_load


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
    masters, internals = internal_mirrors_load(rng, servers, releases, arches, repos)
    externals = external_mirrors_load(rng, internals, users, releases, arches, repos)
    _load_server_traffic(rng, servers, now)
    demo_conditions_load(servers=servers, now=now, seed=SEED)
    _load_mirror_traffic(rng, externals, now)
    demo_usage_load(random.Random(SEED))
    demo_partners_load(today=now.date())
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
        condition = ServerCondition.OK
        if index in (9, 21):
            condition = ServerCondition.WARNING
        elif index == 27:
            condition = ServerCondition.CRITICAL
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
                "condition": condition,
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


def _load_server_traffic(rng: random.Random, servers: list[Server], now: dt.datetime) -> None:
    """A year of traffic, ISO year 2006, whose busiest week is 4.4's (28 August to 3
    September 2006: 20.74 TB out, the seed's figure, to the byte), with 3.8's the week
    before it busy too; and the last sixty days, quieter, for the pages that show recent
    traffic."""
    today = now.date()
    year = [BUSIEST_WEEK_2006 + dt.timedelta(days=d) for d in range(-34 * 7, 18 * 7)]
    recent = [today - dt.timedelta(days=d) for d in range(59, -1, -1)]
    mirror_servers = [s for s in servers if s.hostname.startswith("mirror-")]
    peak_per_server_day = BUSIEST_WEEK_BYTES / 7 / len(mirror_servers)
    busiest = {BUSIEST_WEEK_2006 + dt.timedelta(days=d) for d in range(7)}
    after_release = {BUSIEST_WEEK_2006 + dt.timedelta(days=d) for d in range(-7, 14)}
    out: dict[tuple[Server, dt.date], int] = {}
    for server in servers:
        is_mirror = server in mirror_servers
        base = peak_per_server_day / 6 if is_mirror else 4e9
        for day in [*year, *recent]:
            weekday_factor = 0.75 if day.weekday() >= 5 else 1.0
            value = base * weekday_factor * rng.uniform(0.85, 1.15)
            if is_mirror and day in after_release and day not in busiest:
                value *= 2.5  # 3.8 the week before, and the tail after 4.4
            out[server, day] = int(value)
    # The mirrors carry 4.4's week: what the other servers sent, the mirrors make up to
    # exactly 20.74 TB.
    others = sum(
        v for (server, day), v in out.items() if day in busiest and server not in mirror_servers
    )
    mirror_rows = [(server, day) for server in mirror_servers for day in sorted(busiest)]
    share, remainder = divmod(BUSIEST_WEEK_BYTES - others, len(mirror_rows))
    for n, key in enumerate(mirror_rows):
        out[key] = share + (remainder if n == 0 else 0)
    days = set(year) | set(recent)
    ServerTraffic.objects.filter(server__in=servers).exclude(day__in=days).delete()
    ServerTraffic.objects.bulk_create(
        [
            ServerTraffic(server=server, day=day, bytes_out=v, bytes_in=int(v * 0.02))
            for (server, day), v in out.items()
        ],
        update_conflicts=True,
        unique_fields=["server", "day"],
        update_fields=["bytes_out", "bytes_in"],
        batch_size=2000,
    )


def _load_mirror_traffic(rng: random.Random, mirrors, now: dt.datetime) -> None:
    """Every fifth sponsored external mirror reports its traffic: thirty days of it, so
    their sponsors' pages show what their mirrors serve."""
    today = now.date()
    reporting = [m for m in mirrors if m.sponsor_id][::5]
    rows = [
        MirrorTraffic(
            mirror=mirror,
            day=today - dt.timedelta(days=d),
            bytes_out=int(mirror.bandwidth_mbps * 1e6 / 8 * 86400 * rng.uniform(0.05, 0.2)),
        )
        for mirror in reporting
        for d in range(30)
    ]
    MirrorTraffic.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["mirror", "day"], update_fields=["bytes_out"]
    )
