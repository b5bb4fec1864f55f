"""A mirror reachable from some places and not others: its owner is told, by e-mail and
the webhook event "unreachable_from", once per episode (a vantage point failing it twice
in a row while this place or another vantage point still reaches it; the episode ends when
that point reaches it again)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings

from apps.core.mail import portal_message, send_after_commit

from ..choices import MirrorStatus
from ..models import Mirror, MirrorVantageState, VantagePoint
from .webhooks import webhooks_notify

logger = logging.getLogger(__name__)

BODY = (
    "{name} cannot be reached from {region} (vantage point {point}) since {since:%Y-%m-%d "
    "%H:%M} UTC, while {elsewhere} still reach it.\n\nLast problem from there: {error}\n\n"
    "Clients near {region} may fail to use it: a firewall, a routing or a peering problem "
    "is the usual cause. It stays in the lists while most places reach it.\n"
)


def unreachable_from_tell(
    *, states: Sequence[MirrorVantageState], point: VantagePoint, now: dt.datetime
) -> int:
    """Tell the owners of the mirrors of `states` (failing again from `point`) that are
    still reached elsewhere; marks those states told. The number told."""
    if not states:
        return 0
    recent = now - dt.timedelta(seconds=3 * settings.MIRROR_HEALTH_INTERVAL_SECONDS)
    ids = [s.mirror_id for s in states]
    reached: dict[int, list[str]] = {}
    for pk, region in (
        MirrorVantageState.objects.filter(
            mirror_id__in=ids, reachable=True, checked_at__gte=recent, vantage__enabled=True
        )
        .exclude(vantage=point)
        .values_list("mirror_id", "vantage__region")
    ):
        reached.setdefault(pk, []).append(region)
    mirrors = Mirror.objects.in_bulk(ids)
    events, told = [], 0
    for state in states:
        mirror = mirrors.get(state.mirror_id)
        if mirror is None:
            continue
        elsewhere = sorted(set(reached.get(mirror.pk, [])))
        if mirror.status == MirrorStatus.UP:
            elsewhere.insert(0, "the portal's checks")
        if not elsewhere:
            continue  # unreachable from everywhere: the "down" notice says it
        state.told_at = now
        told += 1
        detail = f"not reachable from {point.region} since {state.since:%Y-%m-%d %H:%M} UTC: "
        events.append((mirror.pk, "unreachable_from", (detail + state.error)[:500]))
        if mirror.contact_email and "down" in (mirror.notify_events or ["down"]):
            values = {"name": mirror.name, "region": point.region, "point": point.name,
                      "since": state.since, "elsewhere": ", ".join(elsewhere),
                      "error": state.error or "no answer"}  # fmt: skip
            message = portal_message(
                subject=f"Mirror {mirror.name} is not reachable from {point.region}",
                body=BODY.format(**values),
                to=[mirror.contact_email],
            )
            send_after_commit(message, f"the regional notice of {mirror.name}")
    if events:
        try:
            webhooks_notify(events=events, now=now)
        except Exception:  # a webhook must not undo the vantage point's results
            logger.exception("Could not record %d unreachable_from deliveries", len(events))
    return told
