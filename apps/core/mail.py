"""The portal's emails: every message carries the subject prefix and is signed with the
portal's name and address, whoever sends it (moderation, checks, invitations, registration)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import mail
from django.db import transaction

from .markup import header_line

logger = logging.getLogger(__name__)


def person_name(user) -> str:
    """How an email greets a person: their full name, else their address (never the
    generated user name they did not choose)."""
    if user is None:
        return "there"
    return (user.get_full_name() or "").strip() or user.email or "there"


def portal_message(*, subject: str, body: str, to: list[str]) -> mail.EmailMessage:
    """One email of the portal, prefixed and signed."""
    prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
    signature = f"\n-- \n{settings.PORTAL_NAME}\n{settings.PORTAL_URL}\n"
    subject = header_line(subject)  # one line, whatever a stored name holds
    return mail.EmailMessage(
        subject=subject if subject.startswith(prefix) else prefix + subject,
        body=body.rstrip("\n") + "\n" + signature,
        to=to,
    )


def send_after_commit(message: mail.EmailMessage, what: str) -> None:
    """Send once the transaction commits; a mail server outage never undoes the write."""

    def send() -> None:
        try:
            message.send()
        except Exception:
            logger.exception("Could not send %s", what)

    transaction.on_commit(send)
