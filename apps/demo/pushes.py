"""The demo's recent pushes and how they spread through the sync tree, so that the status
page's propagation chart and each mirror's "how fast it follows" have something to show
offline: internal mirrors follow within the hour, external ones some hours after the
internal mirror they sync from, the mirrors that are behind or down later or not at all.

Deterministic for a seed; it replaces every push (the demo database is the demo's).
"""

from __future__ import annotations

import datetime as dt
import random

from apps.mirrors.choices import MirrorTier
from apps.mirrors.models import Mirror, Push, PushArrival
from apps.mirrors.services import BATCH
from apps.releases.choices import ReleaseStatus
from apps.releases.models import Release

PUSHES = 8
EVERY = dt.timedelta(hours=40)


def demo_pushes_write(*, now: dt.datetime, kinds: dict[int, str], seed: int) -> int:
    """Write PUSHES pushes, the newest 3 hours ago, and their arrivals; `kinds` gives each
    mirror's demo profile (current, behind, down, ...). Returns the arrivals written."""
    Push.objects.all().delete()
    mirrors = list(
        Mirror.objects.approved()
        .exclude(tier=MirrorTier.MASTER)
        .order_by("pk")
        .values_list("pk", "tier", "upstream_id")
    )
    release = Release.objects.filter(status=ReleaseStatus.CURRENT).order_by("-major", "-minor")
    release = release.prefetch_related("repositories", "architectures").first()
    keys = [
        f"{release.version}/{repo.name}/{arch.name}"
        for repo in release.repositories.all()
        for arch in release.architectures.all()
    ] if release else []  # fmt: skip
    tiers = {pk: tier for pk, tier, _up in mirrors}
    upstream_of = {pk: up for pk, _tier, up in mirrors}
    arrivals = []
    for n in range(PUSHES):
        detected = now - dt.timedelta(hours=3) - EVERY * (PUSHES - 1 - n)
        push = Push.objects.create(
            detected_at=detected,
            master_timestamp=int(detected.timestamp()),
            # Updates every push; os and the others now and then, as a real master does.
            repositories=",".join(k for k in keys if "/updates/" in k or n % 3 == 0)[:500],
            mirrors_expected=len(mirrors),
        )
        rng = random.Random(f"{seed}:push:{n}")
        delays: dict[int, float] = {}

        def delay_of(pk: int, rng=rng, delays=delays, depth: int = 0) -> float | None:
            if pk in delays:
                return delays[pk]
            upstream = upstream_of.get(pk)
            if tiers.get(pk) == MirrorTier.INTERNAL or upstream not in tiers or depth > 8:
                found = rng.uniform(8, 45) * 60  # internal: synced from the master by cron
            else:
                parent = delay_of(upstream, depth=depth + 1)
                found = None if parent is None else parent + rng.uniform(0.3, 5.5) * 3600
            if kinds.get(pk) == "behind":
                found = None if found is None or rng.random() < 0.5 else found + 14 * 3600
            delays[pk] = found
            return found

        for pk, _tier, _upstream in mirrors:
            seconds = delay_of(pk)
            if seconds is None or kinds.get(pk) == "down":
                continue
            seen = detected + dt.timedelta(seconds=seconds)
            if seen <= now:
                arrivals.append(
                    PushArrival(push=push, mirror_id=pk, seen_at=seen, delay_seconds=int(seconds))
                )
    PushArrival.objects.bulk_create(arrivals, batch_size=BATCH)
    return len(arrivals)
