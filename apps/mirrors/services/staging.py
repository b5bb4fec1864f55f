"""The bit flip's second half: a staged release opens at its time, or once the share of
mirrors it waits for holds it (the periodic task `mirrors.staged_open`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from apps.releases.choices import ReleaseStatus
from apps.releases.models import Release, ReleaseEvent
from apps.releases.services import release_open

from ..models import RolloutSample
from ..selectors.staging import staging_progress


def staged_releases_open_due(*, now: dt.datetime | None = None) -> list[str]:
    """Open every staged release that is due; return their versions."""
    now = now or timezone.now()
    opened = []
    for release in Release.objects.staged():
        reason = ""
        if release.opens_at and release.opens_at <= now:
            reason = f"opened at its time, {release.opens_at:%Y-%m-%d %H:%M} UTC"
        elif release.opens_at_share:
            progress = staging_progress(release)
            if progress["total"] and progress["share"] >= release.opens_at_share:
                reason = (f"opened at {progress['share']}% of the mirrors "
                          f"({progress['held']} of {progress['total']}; "
                          f"threshold {release.opens_at_share}%)")  # fmt: skip
        if reason:
            release_open(release=release, by=None, reason=reason)
            opened.append(release.version)
    return opened


def rollout_samples_record(*, now: dt.datetime | None = None) -> int:
    """A sample of how far each staged release, and each opened in the last
    RELEASE_ROLLOUT_DAYS, has spread; at most one per RELEASE_ROLLOUT_SAMPLE_MINUTES.
    Returns how many were recorded."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.RELEASE_ROLLOUT_DAYS)
    opened = ReleaseEvent.objects.filter(status=ReleaseStatus.CURRENT, at__gte=since)
    releases = Release.objects.filter(
        pk__in=[*Release.objects.staged().values_list("pk", flat=True),
                *opened.values_list("release_id", flat=True)]
    )  # fmt: skip
    last = dict(
        RolloutSample.objects.filter(release__in=releases)
        .values("release_id").annotate(at=Max("at")).values_list("release_id", "at")
    )  # fmt: skip
    gap = dt.timedelta(minutes=settings.RELEASE_ROLLOUT_SAMPLE_MINUTES)
    samples = []
    for release in releases:
        if release.pk in last and now - last[release.pk] < gap:
            continue
        p = staging_progress(release)
        samples.append(RolloutSample(
            release=release, at=now, held=p["held"], total=p["total"], master=p["master"],
            continents={k: list(v) for k, v in p["continents"].items()},
        ))  # fmt: skip
    RolloutSample.objects.bulk_create(samples)
    return len(samples)
