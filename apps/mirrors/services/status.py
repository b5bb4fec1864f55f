"""The hysteresis of a mirror's status and the emails that tell its owner."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import mail

from apps.core.mail import portal_message

from ..choices import (
    Approval,
    MirrorStatus,
)
from ..models import (
    Mirror,
)

logger = logging.getLogger(__name__)


@dataclass
class Notice:
    """One thing to tell a mirror's owner."""

    mirror: Mirror
    event: str  # down, recovered, suspended, stale
    detail: str


def mirror_status_next(*, mirror: Mirror, reachable: bool, stale: bool, now: dt.datetime) -> list:
    """Apply one sweep's result to a mirror (in memory) and return the events to tell.

    A mirror never checked takes the first result at once; after that its status flips
    only after MIRROR_CHECK_DOWN_AFTER failures or MIRROR_CHECK_UP_AFTER successes in a
    row, so one lost packet is not an outage. MIRROR_CHECK_SUSPEND_AFTER failures in a row
    suspend it.
    """
    events = []
    mirror.last_checked_at = now
    if reachable:
        mirror.consecutive_successes += 1
        mirror.consecutive_failures = 0
        mirror.last_success_at = now
        if mirror.status == MirrorStatus.UNKNOWN or (
            mirror.status == MirrorStatus.DOWN
            and mirror.consecutive_successes >= settings.MIRROR_CHECK_UP_AFTER
        ):
            if mirror.status == MirrorStatus.DOWN:
                events.append("recovered")
            mirror.status, mirror.status_since = MirrorStatus.UP, now
        events += stale_next(mirror=mirror, stale=stale)
    else:
        mirror.consecutive_failures += 1
        mirror.consecutive_successes = 0
        if mirror.status == MirrorStatus.UNKNOWN or (
            mirror.status == MirrorStatus.UP
            and mirror.consecutive_failures >= settings.MIRROR_CHECK_DOWN_AFTER
        ):
            events.append("down")
            mirror.status, mirror.status_since = MirrorStatus.DOWN, now
        limit = settings.MIRROR_CHECK_SUSPEND_AFTER
        if (
            limit
            and mirror.consecutive_failures >= limit
            and mirror.approval == Approval.APPROVED
            and not mirror.suspended_at
        ):
            events.append("suspended")
            mirror.suspended_at = now
            mirror.suspended_reason = (
                f"Suspended automatically on {now:%Y-%m-%d %H:%M} UTC after "
                f"{mirror.consecutive_failures} failed checks in a row."
            )
    return events


def stale_next(*, mirror: Mirror, stale: bool) -> list:
    """A reachable mirror's staleness (in memory): "stale" to tell once, when it starts."""
    if stale and not mirror.stale_notified:
        mirror.stale_notified = True
        return ["stale"]
    if not stale:
        mirror.stale_notified = False
    return []


_SUBJECTS = {
    "down": "Mirror {name} is down",
    "recovered": "Mirror {name} is up again",
    "stale": "Mirror {name} is out of date",
    "suspended": "Mirror {name} has been suspended",
}
_BODIES = {
    "down": "The checks could not reach {name} {n} times in a row, so mirror lists no longer "
    "send clients to it.\n\nLast problem: {detail}\n",
    "recovered": "{name} answers the checks again and is back in the mirror lists.\n",
    "stale": "{name} answers, but at least one repository is more than {hours} hours behind "
    "the master, so mirror lists leave it out for that repository. Please check its sync.\n",
    "suspended": "{name} failed {n} checks in a row and has been suspended.\n\nReason: {reason}\n"
    "Last problem: {detail}\n\nAsk the mirror admins to re-enable it once it is fixed.\n",
}


def notices_send(*, notices: Sequence[Notice]) -> int:
    """Email the mirrors' contacts about their status changes (one connection for all), and
    tell their webhooks."""
    from .webhooks import NOTICE_EVENTS, webhooks_notify

    try:
        webhooks_notify(
            events=[(n.mirror.pk, NOTICE_EVENTS.get(n.event, ""), n.detail) for n in notices]
        )
    except Exception:  # a webhook must not undo a sweep either
        logger.exception("Could not record the webhook deliveries of %d notices", len(notices))
    messages = []
    for notice in notices:
        mirror = notice.mirror
        if not mirror.contact_email:
            continue
        values = {
            "name": mirror.name,
            "n": mirror.consecutive_failures,
            "detail": notice.detail,
            "reason": mirror.suspended_reason,
            "hours": settings.MIRROR_CHECK_STALE_EMAIL_SECONDS // 3600,
        }
        messages.append(
            portal_message(
                subject=_SUBJECTS[notice.event].format(**values),
                body=_BODIES[notice.event].format(**values),
                to=[mirror.contact_email],
            )
        )
    if not messages:
        return 0
    try:
        return mail.get_connection().send_messages(messages) or 0
    except Exception:  # a mail server outage must not undo a sweep
        logger.exception("Could not send %d mirror notices", len(messages))
        return 0
