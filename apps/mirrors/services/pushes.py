"""A push: the new repository versions one master refresh found, the mirrors expected to
follow it, and their content re-checks spread over the next minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q

from apps.releases.models import RepositoryVersion

from ..choices import MirrorTier
from ..models import MaintenanceWindow, Mirror, MirrorRepositoryState, Push
from . import queueing

RepoKey = tuple[int, int, int]  # (release_id, repository_id, architecture_id)
REPOSITORIES_LENGTH = Push._meta.get_field("repositories").max_length


def push_record(
    *,
    new: Sequence[RepositoryVersion],
    known_keys: Collection[RepoKey],
    labels: Mapping[RepoKey, str],
    now: dt.datetime,
    master_timestamp: int | None,
) -> Push | None:
    """Record the push of the `new` versions whose repository had a version before, count
    the mirrors expected to follow it and queue their content checks after commit.
    `labels` names each key as people read it ("5.0/os/x86_64").

    A repository the portal saw no version of yet (the first refresh ever, a new release)
    has nothing to propagate: no push for it. Runs inside the master refresh's transaction.
    """
    pushed = {
        (v.release_id, v.repository_id, v.architecture_id, v.sha256)
        for v in new
        if (v.release_id, v.repository_id, v.architecture_id) in known_keys
    }
    if not pushed:
        return None
    keys = sorted({row[:3] for row in pushed})
    # bulk_create(ignore_conflicts=True) returns no primary keys: read the rows back.
    versions = [
        pk
        for pk, *row in RepositoryVersion.objects.filter(
            release_id__in={k[0] for k in keys}, sha256__in={row[3] for row in pushed}
        ).values_list("pk", "release_id", "repository_id", "architecture_id", "sha256")
        if tuple(row) in pushed
    ]
    expected = _mirrors_expected(keys)
    push = Push.objects.create(
        detected_at=now,
        master_timestamp=master_timestamp,
        repositories=_shortened(",".join(sorted(labels[key] for key in keys))),
        mirrors_expected=len(expected),
    )
    push.versions.set(versions)
    resting = set(MaintenanceWindow.objects.open_at(now).values_list("mirror_id", flat=True))
    queueing.recheck_queue(
        sorted(set(expected) - resting),
        reason=f"push {push.pk}",
        spread_seconds=settings.MIRROR_PUSH_RECHECK_WINDOW_SECONDS,
    )
    return push


def _mirrors_expected(keys: Sequence[RepoKey]) -> list[int]:
    """Approved mirrors (masters aside) that a check found carrying one of these keys."""
    carries = reduce(
        or_, (Q(release_id=r, repository_id=repo, architecture_id=a) for r, repo, a in keys)
    )
    return list(
        MirrorRepositoryState.objects.filter(
            carries,
            mirror__in=Mirror.objects.approved().exclude(tier=MirrorTier.MASTER),
        )
        .values_list("mirror_id", flat=True)
        .distinct()
        .order_by("mirror_id")
    )


def _shortened(text: str) -> str:
    """The keys as they fit Push.repositories: whole keys, then "…" for the rest."""
    if len(text) <= REPOSITORIES_LENGTH:
        return text
    return text[: REPOSITORIES_LENGTH - 1].rsplit(",", 1)[0] + ",…"
