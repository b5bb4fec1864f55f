"""The bit flip's second half: a staged release opens at its time, or once the share of
mirrors it waits for holds it (the periodic task `mirrors.staged_open`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.releases.models import Release
from apps.releases.services import release_open

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
