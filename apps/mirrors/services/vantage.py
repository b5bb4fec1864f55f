"""Checks from several places. A vantage point is a Celery worker consuming its own queue
(checks.<name>), started anywhere with the broker's URL and no database: each health round
sends it the mirrors' URLs, it probes them from its network and sends back what it saw,
which the portal's workers record (MirrorVantageState). A mirror failing here is taken out
of the lists only when a majority of the vantage points that tried lately (this one
included) cannot reach it either; one reachable from some regions and not others says so
on its page."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.http import SafeClient, Slots

from ..checks.engine import loop_run
from ..models import MirrorVantageState, VantagePoint
from ..signals import vantage_round_wanted
from .vantage_notices import unreachable_from_tell

logger = logging.getLogger(__name__)

IPV6 = "ipv6"


def vantage_dispatch(*, items: Sequence[tuple[int, list[str]]]) -> int:
    """Send this round's mirrors (id, base URLs) to every enabled vantage point's queue;
    the number of vantage points asked. A broker outage costs this round's votes only."""
    points = list(VantagePoint.objects.filter(enabled=True))
    if not points or not items:
        return len(points)
    vantage_round_wanted.send(sender=VantagePoint, points=points, items=list(items))
    return len(points)


def vantage_probe(items, *, families: Sequence[str]) -> list[list]:
    """On the vantage point (no database): HEAD each mirror's timestamp file on its URLs
    (only over IPv4 unless this point has IPv6) until one answers; [[id, reachable, why]]."""
    client = SafeClient.from_settings(
        timeout=settings.MIRROR_HEALTH_TIMEOUT,
        connect_timeout=min(settings.MIRROR_HEALTH_CONNECT_TIMEOUT, settings.MIRROR_HEALTH_TIMEOUT),
        total=settings.MIRROR_HEALTH_CONCURRENCY,
    )
    path = settings.MASTER_TIMESTAMP_FILE
    slots = Slots(max(1, settings.MIRROR_HEALTH_CONCURRENCY))

    async def one(mirror_id: int, urls: list[str]) -> list | None:
        why, tried = "", False
        async with client.session() as session:
            for base in urls:
                for family in await session.families(base + path):
                    if family == IPV6 and IPV6 not in families:
                        continue  # this point cannot judge that side
                    tried = True
                    async with slots:
                        found = await client.fetch(session, base + path, method="HEAD",
                                                   family=family)  # fmt: skip
                    if found.ok or (found.status or 0) // 100 == 2:
                        return [mirror_id, True, ""]
                    why = why or f"{found.error} ({found.detail})"[:200]
        return [mirror_id, False, why] if tried else None

    async def everything():
        import asyncio

        return await asyncio.gather(*(one(pk, urls) for pk, urls in items))

    return [r for r in loop_run(everything(), fast_loop=settings.MIRROR_CHECK_UVLOOP) if r]


@transaction.atomic
def vantage_results_record(*, vantage: str, results: Sequence[list], now=None) -> int:
    """What a vantage point saw: one state per mirror, `since` kept while it holds."""
    now = now or timezone.now()
    point = VantagePoint.objects.filter(name=vantage).first()
    if point is None:
        logger.warning("Results from unknown vantage point %r dropped", vantage)
        return 0
    VantagePoint.objects.filter(pk=point.pk).update(last_answered_at=now)  # (not audited)
    seen = {int(pk): (bool(ok), str(why)[:200]) for pk, ok, why in results}
    known = {
        s.mirror_id: s
        for s in MirrorVantageState.objects.select_for_update().filter(
            vantage=point, mirror_id__in=seen
        )
    }
    changed, new, failing_again = [], [], []
    for pk, (ok, why) in seen.items():
        state = known.get(pk)
        if state is None:
            new.append(MirrorVantageState(mirror_id=pk, vantage=point, reachable=ok, since=now,
                                          checked_at=now, error=why))  # fmt: skip
            continue
        if state.reachable != ok:
            state.since = now
        elif not ok and state.told_at is None:
            failing_again.append(state)  # two failures in a row from here: an episode
        if ok:
            state.told_at = None
        state.reachable, state.checked_at, state.error = ok, now, why
        changed.append(state)
    MirrorVantageState.objects.bulk_create(new, ignore_conflicts=True)
    unreachable_from_tell(states=failing_again, point=point, now=now)
    MirrorVantageState.objects.bulk_update(
        changed, ["reachable", "since", "checked_at", "error", "told_at"]
    )
    return len(seen)


def vantage_majority_keeps(mirror_ids: Sequence[int], *, now: dt.datetime) -> set[int]:
    """Of mirrors this place would take down, those that a majority of the vantage points
    that tried lately (this place counting as one that failed) still reach."""
    recent = now - dt.timedelta(seconds=3 * settings.MIRROR_HEALTH_INTERVAL_SECONDS)
    votes: dict[int, list[int]] = defaultdict(lambda: [0, 1])  # [reached, failed]
    for pk, reachable in MirrorVantageState.objects.filter(
        mirror_id__in=list(mirror_ids), checked_at__gte=recent, vantage__enabled=True
    ).values_list("mirror_id", "reachable"):
        votes[pk][0 if reachable else 1] += 1
    return {pk for pk, (reached, failed) in votes.items() if reached >= failed}
