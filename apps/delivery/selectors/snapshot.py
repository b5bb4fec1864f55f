"""The one pass over the database that a snapshot is built from (its parts are read by
parts.py), and the published snapshots."""

from __future__ import annotations

import contextlib
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.mirrors.selectors import architecture_masters, master_base_urls
from apps.releases.choices import ReleaseStatus

from ..models import Snapshot
from ..render import safe_text
from .listing import listing_collect, windows_collect
from .parts import (
    slash,
    snapshot_architectures_read,
    snapshot_images_read,
    snapshot_mirrors_read,
    snapshot_netblocks_read,
    snapshot_releases_read,
    snapshot_repos_read,
)
from .status import status_collect

SNAPSHOT_FORMAT = 1


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
    releases = snapshot_releases_read()
    architectures = snapshot_architectures_read()
    listed = snapshot_mirrors_read(now=now, resting=resting)
    repos = snapshot_repos_read(
        releases=releases, architectures=architectures, position=listed.position, now=now
    )
    images, image_keys = snapshot_images_read(
        releases=releases, architectures=architectures, position=listed.position
    )
    masters = [url for url in master_base_urls() if safe_text(url)]
    _own_masters_mark(releases, architectures, repos.repos, images)
    listing = listing_collect(
        windows=windows, resting=resting, repo_keys=repos.keys, image_keys=image_keys
    )
    for mirror_id, sides in listed.sides_out.items():
        if str(mirror_id) in listing:
            listing[str(mirror_id)]["sides"] = sides
    for mirror_id, key, lag in repos.replaced_current:
        # Checked current before the master's push: behind now, until its next check.
        if str(mirror_id) in listing and key in repos.keys:
            listing[str(mirror_id)].setdefault("repos", {})[repos.keys[key]] = ["behind", lag]
    # The next build is due when a maintenance window opens or closes, or when a mirror
    # leaves the grace window, whichever comes first.
    grace_end = min(repos.grace_ends, default=None)
    next_change = min(filter(None, (window_next, grace_end)), default=None)
    return {
        "format": SNAPSHOT_FORMAT,
        "master_url": masters[0] if masters else "",
        "vault_url": slash(settings.VAULT_URL),
        "releases": {version: {"major": major, "status": status}
                     for _id, version, major, _minor, status, _template in releases},
        "aliases": _major_aliases(releases),
        "mirrors": listed.mirrors,
        "netblocks": snapshot_netblocks_read(listed.position),
        "repos": repos.repos,
        "images": images,
        # Why each mirror is in the answers or not (the mirror page reads it) and the
        # maintenance windows, so a rebuild is scheduled when the next one opens or closes.
        "listing": listing,
        "windows": {str(k): v for k, v in windows.items()},
        "window_next": next_change,
        # Every URL of the public mirrors, checked how and when: the status JSON (status_json).
        "status": status_collect(now=now),
        "collect_ms": round((time.monotonic() - started) * 1000),
    }  # fmt: skip


def _own_masters_mark(releases, architectures, repos: dict, images: dict) -> None:
    """A secondary architecture on a master of its own: its repositories and image folders
    say so ("master"), the answers' last resort instead of the snapshot's master_url."""
    versions = {row[0]: row[1] for row in releases}
    own = {
        f"{versions[release_id]}/{architectures[arch_id]}": url
        for (release_id, arch_id), url in architecture_masters().items()
        if release_id in versions and arch_id in architectures and safe_text(url)
    }
    if not own:
        return
    for key, repo in repos.items():
        version, _name, arch = key.split("/")
        if f"{version}/{arch}" in own:
            repo["master"] = own[f"{version}/{arch}"]
    for key, folder in images.items():
        if key in own:
            folder["master"] = own[key]


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
