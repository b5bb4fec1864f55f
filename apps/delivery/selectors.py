"""Reads of the delivery app: the one pass over the database that a snapshot is built from,
and the usage statistics."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import time
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from apps.core.geo import COUNTRIES
from apps.mirrors.choices import ImageState, MirrorStatus, MirrorTier, Protocol
from apps.mirrors.models import (
    Mirror,
    MirrorImageState,
    MirrorURL,
    MirrorURLState,
    Netblock,
)
from apps.mirrors.quota import draw_weights
from apps.mirrors.selectors import master_base_urls
from apps.releases.choices import PUBLIC_STATUSES, ReleaseStatus
from apps.releases.models import Architecture, Image, Release, Repository, RepositoryVersion

from .listing_read import listing_collect, windows_collect
from .models import DailyUsage, ImageTorrent, Snapshot
from .render import safe_text
from .repository_read import repository_mirrors
from .status_read import status_collect

SNAPSHOT_FORMAT = 1
# Protocols a client can be sent to; rsync is for mirrors syncing, not for yum.
CLIENT_PROTOCOLS = (Protocol.HTTP.value, Protocol.HTTPS.value, Protocol.FTP.value)


def snapshot_data_collect() -> dict:
    """Everything the delivery answers need, as plain lists and dicts (the snapshot's body).

    A fixed number of queries whatever the number of mirrors: each table is read once with
    `values_list` and joined here in Python. Only approved, active, up mirrors that are not
    masters nor in a maintenance window enter; a repository lists the mirrors whose copy is
    *current*, an image the mirrors where it is *present*. All of it is read in one
    transaction, REPEATABLE READ on PostgreSQL, so a snapshot never mixes the writes of two
    sweeps.
    """
    with _one_view_of_the_database():
        return _snapshot_data_read()


@contextlib.contextmanager
def _one_view_of_the_database():
    if connection.in_atomic_block:  # the caller's transaction (tests) already is one view
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _snapshot_data_read() -> dict:
    started = time.monotonic()
    now = timezone.now()
    windows, resting, window_next = windows_collect(now=now)
    # Only public releases (and end-of-life ones, for the vault): a staged release is synced
    # by the mirrors but named by no answer until it opens; candidates by none at all.
    releases = list(
        Release.objects.public().values_list(
            "id", "version", "major", "minor", "status", "image_path_template"
        )
    )
    repositories = dict(Repository.objects.values_list("id", "path_template"))
    repository_names = dict(Repository.objects.values_list("id", "name"))
    architectures = dict(Architecture.objects.values_list("id", "name"))

    mirror_rows = list(
        Mirror.objects.serving()
        .exclude(tier=MirrorTier.MASTER)
        .order_by("id")
        .values_list(
            "id",
            "name",
            "country",
            "continent",
            "latitude",
            "longitude",
            "bandwidth_mbps",
            "tier",
            "private",
            "asn",
            "transfer_quota_gb",
        )
    )
    # The 7th value becomes the draw weight: less near a monthly quota, none over it.
    weights = draw_weights([(r[0], r[6], r[10]) for r in mirror_rows], today=now.date())
    mirror_rows = [(*r[:6], weights[r[0]], *r[7:10]) for r in mirror_rows
                   if weights[r[0]] is not None and r[0] not in resting]  # fmt: skip
    position = {row[0]: i for i, row in enumerate(mirror_rows)}
    urls: dict[int, dict[str, list]] = defaultdict(dict)
    # IPv6-capable URLs first, so that the one kept per protocol is the better one.
    for mirror_id, protocol, url, ipv6 in (
        MirrorURL.objects.filter(mirror__in=Mirror.objects.serving(), protocol__in=CLIENT_PROTOCOLS)
        .order_by("mirror_id", "protocol", "-ipv6", "url")
        .values_list("mirror_id", "protocol", "url", "ipv6")
    ):
        if mirror_id in position and protocol not in urls[mirror_id] and safe_text(url):
            # A row with a CR/LF or another control character never enters (render.py).
            urls[mirror_id][protocol] = [url if url.endswith("/") else url + "/", bool(ipv6)]

    sides_out = _sides_out(position)
    mirrors = []
    for mirror_id, name, cc, continent, lat, lon, bandwidth, tier, private, asn in mirror_rows:
        country = COUNTRIES.get(cc)
        mirrors.append(
            {
                "id": mirror_id,
                "name": name,
                "cc": cc,
                "continent": continent or (country.continent if country else ""),
                "lat": lat if lat is not None else (country.lat if country else None),
                "lon": lon if lon is not None else (country.lon if country else None),
                "weight": bandwidth,
                "internal": tier == MirrorTier.INTERNAL,
                "private": private,
                "asn": asn,
                "urls": urls.get(mirror_id, {}),
                # Address families whose clients it is not listed to: the dual-stack side
                # of a client URL is down or behind.
                **({"out": sorted(sides_out[mirror_id])} if sides_out.get(mirror_id) else {}),
            }
        )

    netblocks = [
        [cidr, position[mirror_id]]
        for mirror_id, cidr in Netblock.objects.values_list("mirror_id", "cidr")
        if mirror_id in position
    ]

    # Which repositories each release has: its declared ones plus any the master published.
    combos: set[tuple[int, int, int]] = set()
    release_repos: dict[int, list[int]] = defaultdict(list)
    release_arches: dict[int, list[int]] = defaultdict(list)
    for release_id, repo_id in Release.repositories.through.objects.values_list(
        "release_id", "repository_id"
    ):
        release_repos[release_id].append(repo_id)
    for release_id, arch_id in Release.architectures.through.objects.values_list(
        "release_id", "architecture_id"
    ):
        release_arches[release_id].append(arch_id)
    for release_id, *_rest in releases:
        for repo_id in release_repos[release_id]:
            for arch_id in release_arches[release_id]:
                combos.add((release_id, repo_id, arch_id))

    versions: dict[tuple[int, int, int], list[list]] = defaultdict(list)
    # For each alternate (a listed version but the newest): when the master replaced it,
    # that is when the next newer version was published, and when it was itself published.
    replaced_at: dict[tuple[int, int, int], dict[str, tuple[float, float]]] = defaultdict(dict)
    newer_published: dict[tuple[int, int, int], float] = {}
    now_ts = now.timestamp()
    for (
        release_id,
        repo_id,
        arch_id,
        ts,
        sha256,
        sha512,
        size,
        published,
    ) in RepositoryVersion.objects.order_by("-timestamp", "-published_at", "-id").values_list(
        "release_id", "repository_id", "architecture_id", "timestamp", "sha256", "sha512", "size",
        "published_at",
    ):  # fmt: skip
        key = (release_id, repo_id, arch_id)
        combos.add(key)
        published_ts = published.timestamp() if published else now_ts
        if len(versions[key]) <= settings.DELIVERY_ALTERNATES:
            if versions[key]:
                replaced_at[key][sha256] = (newer_published[key], published_ts)
            versions[key].append([ts, sha256, sha512, size])
        newer_published[key] = published_ts

    current, grace, grace_ends, replaced_current = repository_mirrors(
        position=position, versions=versions, replaced_at=replaced_at, now_ts=now_ts
    )
    release_info = {}
    by_id = {}
    for release_id, version, major, minor, status, image_template in releases:
        by_id[release_id] = (version, major, minor, status, image_template)
        release_info[version] = {"major": major, "status": status}

    repos, repo_keys = {}, {}
    for release_id, repo_id, arch_id in sorted(combos):
        if release_id not in by_id:
            continue  # not public yet
        version, major, _minor, status, _image_template = by_id[release_id]
        arch, repo = architectures[arch_id], repository_names[repo_id]
        path = repositories[repo_id].format(version=version, major=major, repo=repo, arch=arch)
        eol = status == ReleaseStatus.END_OF_LIFE
        repo_keys[(release_id, repo_id, arch_id)] = f"{version}/{repo}/{arch}"
        repos[f"{version}/{repo}/{arch}"] = {
            "path": path if path.endswith("/") else path + "/",
            "eol": eol,
            "mirrors": [] if eol else current.get((release_id, repo_id, arch_id), []),
            "grace": [] if eol else grace.get((release_id, repo_id, arch_id), []),
            "versions": versions.get((release_id, repo_id, arch_id), []),
        }

    present: dict[int, list[int]] = defaultdict(list)
    for mirror_id, image_id in (
        MirrorImageState.objects.filter(state=ImageState.PRESENT)
        .order_by("mirror_id")
        .values_list("mirror_id", "image_id")
    ):
        if mirror_id in position:
            present[image_id].append(position[mirror_id])
    torrents = {
        image_id: base64.b64encode(bytes(metainfo)).decode()
        for image_id, metainfo in ImageTorrent.objects.values_list("image_id", "metainfo")
    }
    images: dict[str, dict] = {}
    image_keys: dict[int, str] = {}
    # Size and hash are the master's (read from its checksum files), never what was typed;
    # an image whose size the master has not given yet cannot be verified, so waits.
    for image_id, release_id, arch_id, name, size, sha256 in Image.objects.filter(
        size__isnull=False, release__status__in=PUBLIC_STATUSES
    ).values_list("id", "release_id", "architecture_id", "name", "size", "sha256"):
        version, major, _minor, status, image_template = by_id[release_id]
        arch = architectures[arch_id]
        eol = status == ReleaseStatus.END_OF_LIFE
        path = image_template.format(version=version, major=major, arch=arch)
        folder = images.setdefault(
            f"{version}/{arch}",
            {"path": _slash(path), "eol": eol, "files": {}},
        )
        image_keys[image_id] = f"{version}/{arch}/{name}"
        folder["files"][name] = {
            "size": size,
            "sha256": sha256,
            "mirrors": [] if eol else present.get(image_id, []),
            "torrent": torrents.get(image_id),
        }

    masters = [url for url in master_base_urls() if safe_text(url)]
    listing = listing_collect(
        windows=windows, resting=resting, repo_keys=repo_keys, image_keys=image_keys
    )
    for mirror_id, sides in sides_out.items():
        if str(mirror_id) in listing:
            listing[str(mirror_id)]["sides"] = sides
    for mirror_id, key, lag in replaced_current:
        # Checked current before the master's push: behind now, until its next check.
        if str(mirror_id) in listing and key in repo_keys:
            listing[str(mirror_id)].setdefault("repos", {})[repo_keys[key]] = ["behind", lag]
    # The next build is due when a maintenance window opens or closes, or when a mirror
    # leaves the grace window, whichever comes first.
    next_change = min(filter(None, (window_next, min(grace_ends, default=None))), default=None)
    return {
        "format": SNAPSHOT_FORMAT,
        "master_url": masters[0] if masters else "",
        "vault_url": _slash(settings.VAULT_URL),
        "releases": release_info,
        "aliases": _major_aliases(releases),
        "mirrors": mirrors,
        "netblocks": netblocks,
        "repos": repos,
        "images": images,
        # Why each mirror is in the answers or not (the mirror page reads it) and the
        # maintenance windows, so a rebuild is scheduled when the next one opens or closes.
        "listing": listing,
        "windows": {str(k): v for k, v in windows.items()},
        "window_next": next_change,
        # Every URL of the public mirrors, checked how and when: the status JSON (status_json).
        "status": status_collect(now=now),
        "collect_ms": round((time.monotonic() - started) * 1000),
    }


def _sides_out(position: dict[int, int]) -> dict[int, dict[str, str]]:
    """{mirror id: {family: "down" or "behind"}} of the listed mirrors one of whose client
    URLs' hosts has both families and the side of that family fails (one query)."""
    out: dict[int, dict[str, str]] = defaultdict(dict)
    for mirror_id, family, status in (
        MirrorURLState.objects.filter(dual=True, mirror_url__protocol__in=CLIENT_PROTOCOLS)
        .filter(~Q(status=MirrorStatus.UP) | Q(behind=True))
        .order_by("mirror_url__mirror_id", "family")
        .values_list("mirror_url__mirror_id", "family", "status")
    ):
        down = status != MirrorStatus.UP
        if mirror_id in position and family and (down or family not in out[mirror_id]):
            out[mirror_id][family] = "down" if down else "behind"
    return out


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _major_aliases(releases) -> dict[str, str]:
    """ "5" means the newest release of major 5 that mirrors carry (else the newest at all),
    as CentOS's mirrorlist understood release=5."""
    best: dict[str, tuple] = {}
    for _id, version, major, minor, status, *_rest in releases:
        rank = (status != ReleaseStatus.END_OF_LIFE, status == ReleaseStatus.CURRENT, minor)
        if str(major) not in best or rank > best[str(major)][0]:
            best[str(major)] = (rank, version)
    return {major: version for major, (_rank, version) in best.items()}


def snapshot_latest_version() -> int | None:
    """The newest published version: one indexed query, cheap enough to poll."""
    return Snapshot.objects.newest().values_list("version", flat=True).first()


def snapshot_latest() -> tuple[int, bytes] | None:
    row = Snapshot.objects.newest().values_list("version", "blob").first()
    return (row[0], bytes(row[1])) if row else None


def usage_totals(*, days: int = 30, today: dt.date | None = None) -> dict:
    """Per-day totals, and the top countries, releases and files, for the last `days` days."""
    today = today or timezone.now().date()
    since = today - dt.timedelta(days=days - 1)
    rows = DailyUsage.objects.filter(day__gte=since)
    per_day = dict(rows.values_list("day").annotate(total=Sum("count")).order_by("day"))
    per_kind = dict(rows.values_list("kind").annotate(total=Sum("count")).order_by("kind"))

    def top(field: str, limit: int = 15) -> list[dict]:
        q = rows.exclude(**{field: ""}).values(field).annotate(total=Sum("count"))
        return [{"key": r[field], "total": r["total"]} for r in q.order_by("-total", field)[:limit]]

    return {
        "since": since,
        "until": today,
        "days": [
            {"day": since + dt.timedelta(days=i), "total": per_day.get(since + dt.timedelta(i), 0)}
            for i in range(days)
        ],
        "kinds": [{"key": k, "total": v} for k, v in per_kind.items()],
        "countries": top("country"),
        "releases": top("release"),
        "files": top("file"),
        "repos": top("repo"),
    }


def images_without_torrent() -> list[int]:
    from apps.releases.models import Image

    return list(Image.objects.filter(torrent__isnull=True).values_list("id", flat=True))
