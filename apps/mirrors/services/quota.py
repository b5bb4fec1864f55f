"""A mirror that reported sending more than its monthly quota: its people are told once a
month, and the lists follow (the snapshot build leaves it out until the month turns)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core import mail
from django.db import transaction
from django.utils import timezone

from ..models import Mirror
from ..quota import GB, month_bytes_out, month_key
from .moderation import changes_publish

logger = logging.getLogger(__name__)

SUBJECT = "{name} is over its monthly transfer quota"
BODY = (
    "{name} sent {sent:.0f} GB this month, over the {quota} GB quota you declared, so it is "
    "out of the mirror lists until the month turns (UTC) on {turn}. Nothing else changes: "
    "its checks go on. Raise the quota on its page if you can send more."
)


@transaction.atomic
def mirror_quota_check(*, mirror: Mirror, today: dt.date | None = None) -> bool:
    """After traffic is counted: True if the mirror is over its quota this month. The
    first time in a month its owner and contact are e-mailed and the lists are rebuilt."""
    if not mirror.transfer_quota_gb:
        return False
    today = today or timezone.now().date()
    sent = month_bytes_out(mirror_ids=[mirror.pk], today=today).get(mirror.pk, 0)
    if sent < mirror.transfer_quota_gb * GB:
        return False
    month = month_key(today)
    if mirror.quota_notified_month == month:
        return True
    Mirror.objects.filter(pk=mirror.pk).update(quota_notified_month=month)
    mirror.quota_notified_month = month
    changes_publish(f"{mirror.name} over its transfer quota")
    to = [a for a in {mirror.owner.email if mirror.owner else "", mirror.contact_email} if a]
    if to:
        turn = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        values = {"name": mirror.name, "sent": sent / GB, "quota": mirror.transfer_quota_gb,
                  "turn": turn}  # fmt: skip
        message = mail.EmailMessage(
            subject=SUBJECT.format(**values), body=BODY.format(**values), to=sorted(to)
        )

        def send() -> None:
            try:
                message.send()
            except Exception:
                logger.exception("Could not send the quota e-mail of %s", mirror.name)

        transaction.on_commit(send)
    return True
