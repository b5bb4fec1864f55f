"""What people decide about mirrors: approve, reject, disable, enable, edit and delete.

Whoever calls (the admin, the web forms, the API, a command), each write goes through one
of these, and each sends `mirrors_changed` after commit so the lists that clients get
follow at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import person, records_by
from apps.core.mail import portal_message
from apps.core.services import signal_after_commit, who

from ..choices import Approval, MirrorStatus, Protocol
from ..models import Mirror, MirrorImageState, MirrorRepositoryState, MirrorURL
from ..signals import mirrors_changed

logger = logging.getLogger(__name__)


def changes_publish(reason: str) -> None:
    """After commit, tell the listeners (the delivery app) that the lists must follow."""
    signal_after_commit(mirrors_changed, sender=Mirror, reason=reason)


def _decide(mirror: Mirror, approval: str, reason: str, *, by, also=()) -> None:
    """Record a person's decision: what, why, who and when. It ends any suspension by the
    checks: the person has looked at the mirror since."""
    mirror.approval, mirror.approval_reason = approval, reason
    mirror.approval_by, mirror.approval_at = person(by), timezone.now()
    mirror.suspended_at, mirror.suspended_reason = None, ""
    mirror.save(update_fields=[*DECISION_FIELDS, *also, "modified"])


DECISION_FIELDS = ["approval", "approval_reason", "approval_by", "approval_at",
                   "suspended_at", "suspended_reason"]  # fmt: skip


@records_by
@transaction.atomic
def mirror_approve(*, mirror: Mirror, by=None) -> Mirror:
    """Approve a pending, rejected, disabled or suspended mirror; it needs a URL to check."""
    if not mirror.urls.filter(protocol__in=[Protocol.HTTP, Protocol.HTTPS]).exists():
        raise ValidationError("A mirror without an http or https URL cannot be approved.")
    _decide(mirror, Approval.APPROVED, "", by=by)
    changes_publish(f"{mirror.name} approved by {who(by)}")
    moderation_notify(mirror=mirror, event="approved")
    from .webhooks import webhooks_notify  # (it imports this module's neighbours)

    webhooks_notify(events=[(mirror.pk, "approved", f"approved by {who(by)}")])
    return mirror


@records_by
@transaction.atomic
def mirror_reject(*, mirror: Mirror, reason: str, by=None) -> Mirror:
    if not reason.strip():
        raise ValidationError("Say why the mirror is rejected: its owner reads it.")
    _decide(mirror, Approval.REJECTED, reason.strip(), by=by)
    changes_publish(f"{mirror.name} rejected by {who(by)}")
    moderation_notify(mirror=mirror, event="rejected")
    return mirror


@records_by
@transaction.atomic
def mirror_disable(*, mirror: Mirror, reason: str = "", by=None) -> Mirror:
    """Take an approved mirror out of every list until an admin enables it again."""
    _decide(mirror, Approval.DISABLED, reason.strip() or f"Disabled by {who(by)}.", by=by)
    changes_publish(f"{mirror.name} disabled by {who(by)}")
    moderation_notify(mirror=mirror, event="disabled")
    return mirror


@records_by
@transaction.atomic
def mirror_enable(*, mirror: Mirror, by=None) -> Mirror:
    """Put a disabled or suspended mirror back; the checks decide when it is listed again
    (its status starts from unknown, so the next sweep's first result counts)."""
    if mirror.approval != Approval.DISABLED and not mirror.suspended_at:
        raise ValidationError(f"Only a disabled or suspended mirror can be enabled, not "
                              f"a {mirror.get_standing_display().lower()} one.")  # fmt: skip
    mirror.status, mirror.consecutive_failures, mirror.consecutive_successes = (
        MirrorStatus.UNKNOWN, 0, 0
    )  # fmt: skip
    _decide(mirror, Approval.APPROVED, "", by=by,
            also=["status", "consecutive_failures", "consecutive_successes"])  # fmt: skip
    changes_publish(f"{mirror.name} enabled by {who(by)}")
    moderation_notify(mirror=mirror, event="enabled")
    return mirror


_MODERATION_EMAILS = {
    "approved": ("Mirror {name} is approved",
                 "The mirror admins approved {name}. The checks now test it, and the mirror "
                 "lists send clients to it once it is found up and current.\n"),
    "rejected": ("Mirror {name} was not approved",
                 "The mirror admins did not approve {name}.\n\nReason: {reason}\n"),
    "disabled": ("Mirror {name} has been disabled",
                 "The mirror admins took {name} out of the mirror lists.\n\nReason: {reason}\n"),
    "enabled": ("Mirror {name} is enabled again",
                "The mirror admins enabled {name} again. It is back in the mirror lists once "
                "the checks find it up and current.\n"),
}  # fmt: skip


def mirror_recipients(*, mirror: Mirror, event: str) -> list[str]:
    """Who hears of `event`: the owner, the co-owners, the contact and the extra addresses,
    unless the mirror's people turned that event off."""
    if event not in (mirror.notify_events or []):
        return []
    found = [mirror.owner.email if mirror.owner else "", mirror.contact_email]
    found += list(mirror.co_owners.values_list("email", flat=True))
    found += [line.strip() for line in (mirror.notify_addresses or "").splitlines()]
    return list(dict.fromkeys(a for a in found if a))


def moderation_notify(*, mirror: Mirror, event: str) -> None:
    """Email the mirror's people about an admin's decision, after commit ("moderation" in
    its notify_events); a mail server outage never undoes the decision."""
    to = mirror_recipients(mirror=mirror, event="moderation")
    if not to:
        return
    subject, body = _MODERATION_EMAILS[event]
    values = {"name": mirror.name, "reason": mirror.standing_reason}
    message = portal_message(subject=subject.format(**values), body=body.format(**values),
                             to=to)  # fmt: skip

    def send() -> None:
        try:
            message.send()
        except Exception:
            logger.exception("Could not send the %s email of %s", event, mirror.name)

    transaction.on_commit(send)


@records_by
@transaction.atomic
def mirror_save(*, mirror: Mirror, by=None, changed: Iterable[str] = ()) -> Mirror:
    """Save a mirror someone edited (its URLs and netblocks are saved by the caller's
    formsets in the same transaction): validated, then published after commit."""
    mirror.full_clean()
    mirror.save()
    fields = ", ".join(changed) or "fields"
    changes_publish(f"{mirror.name} edited by {who(by)} ({fields})")
    return mirror


@records_by
@transaction.atomic
def mirror_parts_save(*, mirror: Mirror, formset, by=None) -> None:
    """Save a validated formset of a mirror's URLs or netblocks (the admin's inlines, the
    owner's forms)."""
    formset.save()
    what = formset.model._meta.verbose_name_plural
    changes_publish(f"{what} of {mirror.name} changed by {who(by)}")


@records_by
@transaction.atomic
def mirror_url_save(*, mirror_url: MirrorURL, by=None) -> MirrorURL:
    mirror_url.full_clean()
    mirror_url.save()
    changes_publish(f"URL {mirror_url.url} saved by {who(by)}")
    return mirror_url


@records_by
@transaction.atomic
def mirror_url_delete(*, mirror_url: MirrorURL, by=None) -> None:
    url = mirror_url.url
    mirror_url.delete()
    changes_publish(f"URL {url} deleted by {who(by)}")


@records_by
@transaction.atomic
def mirror_delete(*, mirror: Mirror, by=None) -> None:
    name = mirror.name
    mirror.delete()
    changes_publish(f"{name} deleted by {who(by)}")


@records_by
@transaction.atomic
def check_record_delete(*, record, by=None) -> None:
    """Delete what the checks recorded (a check, a day's summary, a sweep, a repository or
    image state); a state is what the lists are built from, so they follow."""
    label = f"{record._meta.verbose_name} {record.pk}"
    record.delete()
    if isinstance(record, MirrorRepositoryState | MirrorImageState):
        changes_publish(f"{label} deleted by {who(by)}")
