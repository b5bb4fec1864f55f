"""What a chunk of a sweep probes: the master's side (CheckContext) and one probe batch per
mirror (its URLs and the files it should carry)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from apps.releases.models import Image, Release, RepositoryVersion

from ..checks.engine import ProbeBatch, Target
from ..checks.evaluate import (
    KnownVersion,
)
from ..checks.packages import packages_sample
from ..choices import (
    CheckKind,
    ContentState,
    Protocol,
)
from ..models import (
    Mirror,
    MirrorRepositoryState,
    MirrorURL,
    Push,
)

BATCH = 2000
# The order a mirror's URLs are asked in: the content is read through the first that serves
# the newest timestamp file, and rsync never (it serves mirrors, not clients).
PROTOCOL_ORDER = {Protocol.HTTPS: 0, Protocol.HTTP: 1, Protocol.FTP: 2, Protocol.RSYNC: 3}
PUSH_ARRIVALS_DAYS = 14  # a mirror first seen with a push's versions later is not counted
RepoKey = tuple[int, int, int]  # (release_id, repository_id, architecture_id)


@dataclass
class CheckContext:
    """The master's side of the comparison, loaded once per chunk (a fixed few queries)."""

    releases: dict[int, Release]
    versions: dict[RepoKey, list[KnownVersion]]
    images: dict[tuple[int, int], list[Image]]  # (release_id, architecture_id) -> images
    # sha256 of a repomd.xml -> the recent pushes a mirror serving it has followed, and when
    # each push was detected: what the recording turns into PushArrival rows.
    push_versions: dict[str, list[int]] = field(default_factory=dict)
    pushes: dict[int, dt.datetime] = field(default_factory=dict)
    # the newest version's newest packages, of which a few are asked of each mirror
    packages: dict[RepoKey, list] = field(default_factory=dict)

    @classmethod
    def load(cls) -> CheckContext:
        releases = {
            r.pk: r
            for r in Release.objects.served_by_mirrors().prefetch_related(
                "architectures", "repositories"
            )
        }
        keep = max(1, settings.MIRROR_CHECK_VERSION_HISTORY)
        versions: dict[RepoKey, list[KnownVersion]] = defaultdict(list)
        packages: dict[RepoKey, list] = {}
        rows = (
            RepositoryVersion.objects.filter(release_id__in=releases)
            .latest_first()
            .values_list(
                "release_id", "repository_id", "architecture_id", "sha256", "timestamp",
                "published_at", "packages",
            )
        )  # fmt: skip
        for rel, repo, arch, sha256, stamp, published, listed in rows:
            key = (rel, repo, arch)
            if len(versions[key]) < keep:
                versions[key].append(KnownVersion(sha256, stamp, published.timestamp()))
            packages.setdefault(key, listed or [])  # the newest version's
        images: dict[tuple[int, int], list[Image]] = defaultdict(list)
        for image in Image.objects.filter(release_id__in=releases).select_related(
            "release", "architecture"
        ):
            images[(image.release_id, image.architecture_id)].append(image)
        push_versions, pushes = _push_versions_load(releases)
        return cls(
            releases=releases,
            versions=dict(versions),
            images=dict(images),
            push_versions=push_versions,
            pushes=pushes,
            packages=packages,
        )


def _push_versions_load(releases) -> tuple[dict[str, list[int]], dict[int, dt.datetime]]:
    """The versions of the pushes of the last PUSH_ARRIVALS_DAYS (one query).

    A version also stands for the earlier pushes of its repository: a mirror that synced
    after two pushes holds only the second one's version, yet it has followed both.
    """
    since = timezone.now() - dt.timedelta(days=PUSH_ARRIVALS_DAYS)
    rows = (
        Push.versions.through.objects.filter(
            push__detected_at__gte=since, repositoryversion__release_id__in=releases
        )
        .order_by("push__detected_at", "push_id")
        .values_list(
            "push_id", "push__detected_at", "repositoryversion__sha256",
            "repositoryversion__release_id", "repositoryversion__repository_id",
            "repositoryversion__architecture_id",
        )
    )  # fmt: skip
    pushes: dict[int, dt.datetime] = {}
    by_key: dict[RepoKey, list[int]] = defaultdict(list)  # oldest push first
    push_versions: dict[str, list[int]] = defaultdict(list)
    for push_id, detected_at, sha256, *key in rows:
        pushes[push_id] = detected_at
        followed = by_key[tuple(key)]
        if push_id not in followed:
            followed.append(push_id)
        push_versions[sha256] = list(dict.fromkeys([*push_versions[sha256], *followed]))
    return dict(push_versions), pushes


def probe_batches_build(*, mirror_ids: Sequence[int], context: CheckContext) -> list[ProbeBatch]:
    """One probe batch per mirror with a URL: what it carries, as files to probe.

    Reads plain rows (six queries per batch, no model instances) and shares one target
    list between the mirrors that carry the same things, which is nearly all of them.
    """
    probe_batches, failing = [], {}
    through = (
        (Mirror.releases.through, "release_id"),
        (Mirror.architectures.through, "architecture_id"),
        (Mirror.repositories.through, "repository_id"),
        (Mirror.images.through, "image_id"),
    )
    shared: dict[tuple[frozenset, ...], list[Target]] = {}
    pools: dict[tuple[frozenset, ...], list] = {}
    rng = random.Random()  # noqa: S311  (a sample, not a secret)
    count = settings.MIRROR_CHECK_SAMPLE_PACKAGES
    full_max = min(settings.MIRROR_CHECK_SAMPLE_FULL_MAX_BYTES, settings.MIRROR_CHECK_MAX_BYTES)
    for start in range(0, len(mirror_ids), BATCH):
        batch = list(mirror_ids[start : start + BATCH])
        failing.update(
            Mirror.objects.filter(pk__in=batch, consecutive_failures__gt=0).values_list(
                "pk", "consecutive_failures"
            )
        )
        urls: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for mirror_id, url_id, protocol, url in MirrorURL.objects.filter(
            mirror_id__in=batch
        ).values_list("mirror_id", "pk", "protocol", "url"):
            urls[mirror_id].append((PROTOCOL_ORDER.get(protocol, 9), url_id, url))
        # An incomplete repository's named package is asked again, whatever the sample.
        again: dict[int, list[Target]] = defaultdict(list)
        for mirror_id, *key, detail in MirrorRepositoryState.objects.filter(
            mirror_id__in=batch, state=ContentState.INCOMPLETE
        ).values_list("mirror_id", "release_id", "repository_id", "architecture_id", "detail"):
            if (target := _named_package(context, tuple(key), detail)) is not None:
                again[mirror_id].append(target)
        carried: list[dict[int, set[int]]] = []
        for model, column in through:
            rows: dict[int, set[int]] = defaultdict(set)
            for mirror_id, value in model.objects.filter(mirror_id__in=batch).values_list(
                "mirror_id", column
            ):
                rows[mirror_id].add(value)
            carried.append(rows)
        for mirror_id in batch:
            if not urls.get(mirror_id):
                continue
            choice = tuple(frozenset(rows.get(mirror_id, ())) for rows in carried)
            if choice not in shared:
                shared[choice] = _targets_for(*choice, context=context)
                pools[choice] = [
                    (t.key, t.path.removesuffix("repodata/repomd.xml"), context.packages[t.key])
                    for t in shared[choice]
                    if t.kind == CheckKind.REPOMD and context.packages.get(t.key)
                ]
            probe_batches.append(
                ProbeBatch(
                    mirror_id=mirror_id,
                    urls=[(pk, url if url.endswith("/") else url + "/")
                          for _, pk, url in sorted(urls[mirror_id])],
                    timestamp_path=settings.MASTER_TIMESTAMP_FILE,
                    targets=shared[choice],
                    # chosen anew for each mirror and each check
                    samples=again.get(mirror_id, []) + (packages_sample(
                        pools[choice], count=count, rng=rng, full_max_bytes=full_max,
                        full_rate=settings.MIRROR_CHECK_SAMPLE_FULL_RATE,
                    ) if count > 0 and pools[choice] else []),
                )
            )  # fmt: skip
    # Mirrors that failed last time first: if they hang again, their timeouts run while the
    # healthy ones are probed instead of after them.
    probe_batches.sort(key=lambda probe_batch: -failing.get(probe_batch.mirror_id, 0))
    return probe_batches


def _named_package(context: CheckContext, key: RepoKey, detail: str) -> Target | None:
    """The package an incomplete state names, if the newest version still lists it."""
    path = detail.partition(": ")[0]
    release = context.releases.get(key[0])
    if release is None:
        return None
    for repo in release.repositories.all():
        if repo.pk != key[1]:
            continue
        for arch in release.architectures.all():
            if arch.pk != key[2]:
                continue
            base = repo.path_for(release, arch)
            for href, size, _sha256, _when in context.packages.get(key, ()):
                if base + href == path:
                    return Target(CheckKind.PACKAGE, path, key, size=size)
    return None


def _targets_for(
    chosen_releases: frozenset[int],
    chosen_arches: frozenset[int],
    chosen_repos: frozenset[int],
    chosen_images: frozenset[int],
    *,
    context: CheckContext,
) -> list[Target]:
    """The repomd.xml and ISO images a mirror carries; an empty choice means all of them."""
    targets = []
    for release in context.releases.values():
        if chosen_releases and release.pk not in chosen_releases:
            continue
        arches = [
            a for a in release.architectures.all() if not chosen_arches or a.pk in chosen_arches
        ]
        repos = [r for r in release.repositories.all() if not chosen_repos or r.pk in chosen_repos]
        for arch in arches:
            for repo in repos:
                key = (release.pk, repo.pk, arch.pk)
                if key in context.versions:  # nothing to compare with: the master lacks it
                    path = repo.path_for(release, arch) + "repodata/repomd.xml"
                    known = frozenset(v.sha256 for v in context.versions[key])
                    newest = context.versions[key][0].sha256
                    targets.append(Target(CheckKind.REPOMD, path, key, known, newest))
            for image in context.images.get((release.pk, arch.pk), ()):
                if not chosen_images or image.pk in chosen_images:
                    targets.append(Target(CheckKind.IMAGE, image.path, image.pk, size=image.size))
    return targets
