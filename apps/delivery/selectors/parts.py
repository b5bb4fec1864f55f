"""The snapshot's parts, one selector each, each a fixed number of queries whatever the number
of mirrors (delivery/tests/test_snapshot_parts.py counts them): the public releases, the
listed mirrors, their netblocks, the repositories and the images. snapshot.py joins them."""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from apps.core.geo import COUNTRIES
from apps.mirrors.choices import ImageState, MirrorStatus, MirrorTier, Protocol
from apps.mirrors.models import Mirror, MirrorImageState, MirrorURL, MirrorURLState, Netblock
from apps.mirrors.quota import draw_weights
from apps.releases.choices import PUBLIC_STATUSES, ReleaseStatus
from apps.releases.models import Architecture, Image, Release, Repository, RepositoryVersion

from ..models import ImageTorrent
from ..render import safe_text
from .repositories import repository_mirrors

# Protocols a client can be sent to; rsync is for mirrors syncing, not for yum.
CLIENT_PROTOCOLS = (Protocol.HTTP.value, Protocol.HTTPS.value, Protocol.FTP.value)


def snapshot_releases_read() -> list[tuple]:
    """(id, version, major, minor, status, image_path_template) of the public releases (and
    end-of-life ones, for the vault): a staged release is synced by the mirrors but named by
    no answer until it opens; candidates by none at all. One query."""
    return list(
        Release.objects.public().values_list(
            "id", "version", "major", "minor", "status", "image_path_template"
        )
    )


def snapshot_architectures_read() -> dict[int, str]:
    """Architecture id -> name, for the repositories' and the images' paths. One query."""
    return dict(Architecture.objects.values_list("id", "name"))


@dataclass
class MirrorsPart:
    mirrors: list[dict]  # the snapshot's "mirrors", in the order of their positions
    position: dict[int, int]  # mirror id -> index in mirrors
    sides_out: dict[int, dict[str, str]]  # mirror id -> {family: "down" or "behind"}


def snapshot_mirrors_read(*, now: dt.datetime, resting: set[int]) -> MirrorsPart:
    """The listed mirrors: serving, not the master, not resting, with a draw weight (less
    near a monthly quota, none over it), each with one client URL per protocol."""
    rows = list(
        Mirror.objects.serving()
        .exclude(tier=MirrorTier.MASTER)
        .order_by("id")
        .values_list(
            "id", "name", "country", "continent", "latitude", "longitude", "bandwidth_mbps",
            "tier", "private", "asn", "transfer_quota_gb",
        )
    )  # fmt: skip
    # The 7th value becomes the draw weight: less near a monthly quota, none over it.
    weights = draw_weights([(r[0], r[6], r[10]) for r in rows], today=now.date())
    rows = [(*r[:6], weights[r[0]], *r[7:10]) for r in rows
            if weights[r[0]] is not None and r[0] not in resting]  # fmt: skip
    position = {row[0]: i for i, row in enumerate(rows)}
    urls = _client_urls(position)
    sides_out = _sides_out(position)
    mirrors = []
    for mirror_id, name, cc, continent, lat, lon, bandwidth, tier, private, asn in rows:
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
    return MirrorsPart(mirrors=mirrors, position=position, sides_out=sides_out)


def _client_urls(position: dict[int, int]) -> dict[int, dict[str, list]]:
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
    return urls


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


def snapshot_netblocks_read(position: dict[int, int]) -> list[list]:
    """[cidr, mirror position] of the listed mirrors' netblocks. One query."""
    return [
        [cidr, position[mirror_id]]
        for mirror_id, cidr in Netblock.objects.values_list("mirror_id", "cidr")
        if mirror_id in position
    ]


@dataclass
class ReposPart:
    repos: dict[str, dict]  # "version/repo/arch" -> path, eol, mirrors, grace, versions
    keys: dict[tuple[int, int, int], str]  # (release, repository, architecture) ids -> key
    replaced_current: list  # (mirror id, ids, lag): checked current before the master's push
    grace_ends: list[float]  # when a mirror leaves the grace window


def snapshot_repos_read(
    *,
    releases: list[tuple],
    architectures: dict[int, str],
    position: dict[int, int],
    now: dt.datetime,
) -> ReposPart:
    """Each public repository: the mirrors whose copy is current, those inside the grace
    window, and its newest versions (the alternates a metalink lists)."""
    repositories = dict(Repository.objects.values_list("id", "path_template"))
    repository_names = dict(Repository.objects.values_list("id", "name"))
    combos = _release_combos(releases)
    now_ts = now.timestamp()
    versions, replaced_at = _versions_read(combos, now_ts)
    current, grace, grace_ends, replaced_current = repository_mirrors(
        position=position, versions=versions, replaced_at=replaced_at, now_ts=now_ts
    )
    by_id = {r[0]: r[1:] for r in releases}
    repos, keys = {}, {}
    for ids in sorted(combos):
        if ids[0] not in by_id:
            continue  # not public yet
        version, major, _minor, status, _image_template = by_id[ids[0]]
        arch, repo = architectures[ids[2]], repository_names[ids[1]]
        path = repositories[ids[1]].format(version=version, major=major, repo=repo, arch=arch)
        eol = status == ReleaseStatus.END_OF_LIFE
        keys[ids] = f"{version}/{repo}/{arch}"
        repos[f"{version}/{repo}/{arch}"] = {
            "path": path if path.endswith("/") else path + "/",
            "eol": eol,
            "mirrors": [] if eol else current.get(ids, []),
            "grace": [] if eol else grace.get(ids, []),
            "versions": versions.get(ids, []),
        }
    return ReposPart(repos=repos, keys=keys, replaced_current=replaced_current,
                     grace_ends=grace_ends)  # fmt: skip


def _release_combos(releases: list[tuple]) -> set[tuple[int, int, int]]:
    """Which repositories each release has: its declared ones (the master's published ones
    are added as their versions are read)."""
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
    return combos


def _versions_read(combos: set, now_ts: float) -> tuple[dict, dict]:
    """The newest DELIVERY_ALTERNATES + 1 versions of each repository the master published
    (added to combos), and for each alternate (a listed version but the newest) when the
    master replaced it, that is when the next newer version was published, and when it was
    itself published."""
    versions: dict[tuple[int, int, int], list[list]] = defaultdict(list)
    replaced_at: dict[tuple[int, int, int], dict[str, tuple[float, float]]] = defaultdict(dict)
    newer_published: dict[tuple[int, int, int], float] = {}
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
    return versions, replaced_at


def snapshot_images_read(
    *, releases: list[tuple], architectures: dict[int, str], position: dict[int, int]
) -> tuple[dict[str, dict], dict[int, str]]:
    """The images of the public releases by "version/arch" folder, each with the mirrors
    where it is present and its torrent; and image id -> "version/arch/name"."""
    by_id = {r[0]: r[1:] for r in releases}
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
            {"path": slash(path), "eol": eol, "files": {}},
        )
        image_keys[image_id] = f"{version}/{arch}/{name}"
        folder["files"][name] = {
            "size": size,
            "sha256": sha256,
            "mirrors": [] if eol else present.get(image_id, []),
            "torrent": torrents.get(image_id),
        }
    return images, image_keys


def slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
