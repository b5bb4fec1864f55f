"""How many answers named a given set of mirrors first, estimated off the request path: the
front counts answers per country and repository (usage.py), not per mirror, so each counted
answer is weighed by the chance the published snapshot's draw puts one of the mirrors first
for a client of that country (its first non-empty bucket's weights). Read by a sponsor's
page; the result is cached, as it walks the usage rows of a month."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.cache import cache
from django.db.models import Max, Sum
from django.utils import timezone

from . import runtime
from .choices import UsageKind
from .models import DailyUsage
from .snapshot import DEFAULT_PROTOCOLS, Client

CACHE_SECONDS = 3600
# The answers that name repositories (yum's and dnf's), whose draw the snapshot's plans give.
REPOSITORY_KINDS = (UsageKind.MIRRORLIST, UsageKind.METALINK)


def first_choice_chance(snapshot, target, country: str, indexes: set[int]) -> float:
    """The chance that a client of `country` (IPv4, default protocols) gets one of the
    mirrors `indexes` first: their weight in the first bucket that has any mirror."""
    client = Client(ip=None, country=country or None, continent=None)
    for bucket in snapshot.planner.buckets(target, client, DEFAULT_PROTOCOLS):
        if bucket.size and bucket.total:
            ours = sum(w for i, w in bucket.members_weights() if i in indexes)
            return ours / bucket.total
    return 0.0


def answers_to_mirrors(
    *, mirror_ids: list[int], days: int = 30, today: dt.date | None = None
) -> dict | None:
    """{"days": [(day, estimated answers)], "estimated", "counted", "since", "until",
    "snapshot"} over the last `days` days that have counted answers (up to `today`); None
    without a loaded snapshot, without these mirrors in it, or without counted answers."""
    store = runtime.store()
    store.ensure_started()
    snapshot = store.snapshot
    if snapshot is None or not mirror_ids:
        return None
    today = today or timezone.now().date()
    mirrors = hashlib.sha256(",".join(map(str, sorted(mirror_ids))).encode()).hexdigest()[:32]
    key = f"answer-share:{snapshot.version}:{today}:{days}:{mirrors}"
    found = cache.get(key)
    if found is None:
        found = _estimate(snapshot, set(mirror_ids), days, today) or {}
        cache.set(key, found, CACHE_SECONDS)
    return found or None


def _estimate(snapshot, mirror_ids: set[int], days: int, today: dt.date) -> dict | None:
    indexes = {m.index for m in snapshot.mirrors if m.id in mirror_ids}
    if not indexes:
        return None  # none of them in the lists: no query
    usage = DailyUsage.objects.filter(kind__in=REPOSITORY_KINDS, day__lte=today)
    until = usage.aggregate(last=Max("day"))["last"]
    if until is None:
        return None
    since = until - dt.timedelta(days=days - 1)
    rows = (
        usage.filter(day__gte=since)
        .values_list("day", "country", "release", "arch", "repo")
        .annotate(n=Sum("count"))
        .order_by()
    )
    chances: dict[tuple, float] = {}
    per_day: dict[dt.date, float] = {}
    counted = 0
    for day, country, release, arch, repo, n in rows.iterator():
        counted += n
        place = (country, release, arch, repo)
        if place not in chances:
            target, _reason = snapshot.repo_target(release, repo, arch)
            chances[place] = (
                first_choice_chance(snapshot, target, country, indexes)
                if target is not None and not target.eol
                else 0.0  # not a repository the lists serve now, or the vault's
            )
        per_day[day] = per_day.get(day, 0.0) + n * chances[place]
    series = [
        (since + dt.timedelta(days=i), round(per_day.get(since + dt.timedelta(days=i), 0.0)))
        for i in range(days)
    ]
    return {
        "days": series,
        "estimated": round(sum(per_day.values())),
        "counted": counted,
        "since": since,
        "until": until,
        "snapshot": snapshot.version,
    }
