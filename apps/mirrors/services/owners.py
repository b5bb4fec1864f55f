"""What a mirror's people decide about it themselves: switching it out of the lists for a
while, maintenance windows, which emails go where, and inviting co-owners."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.audit import records_by
from apps.core.mail import portal_message
from apps.core.services import who

from ..models import CoOwnerInvite, MaintenanceWindow, Mirror, Netblock, validate_netblock
from ..models.network import NOTIFY_EVENTS
from ..selectors.owners import invite_refusal
from .maintenance import maintenance_added, maintenance_removed
from .moderation import changes_publish

logger = logging.getLogger(__name__)


@records_by
@transaction.atomic
def mirror_owner_switch(*, mirror: Mirror, active: bool, by=None) -> Mirror:
    """Take the mirror out of the lists (or put it back) until its owner says otherwise."""
    mirror.owner_active = active
    mirror.save(update_fields=["owner_active", "modified"])
    state = "back into" if active else "out of"
    changes_publish(f"{mirror.name} switched {state} the lists by {who(by)}")
    return mirror


@records_by
@transaction.atomic
def maintenance_window_add(
    *, mirror: Mirror, starts_at: dt.datetime, ends_at: dt.datetime, note: str = "", by=None
) -> MaintenanceWindow:
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": "This window is already over."})
    window = MaintenanceWindow(mirror=mirror, starts_at=starts_at, ends_at=ends_at,
                               note=note.strip(), created_by=by)  # fmt: skip
    window.full_clean()
    window.save()
    maintenance_added(window=window)
    changes_publish(f"maintenance window added to {mirror.name} by {who(by)}")
    return window


@records_by
@transaction.atomic
def maintenance_window_remove(*, window: MaintenanceWindow, by=None) -> None:
    name = window.mirror.name
    maintenance_removed(window=window)
    window.delete()
    changes_publish(f"maintenance window of {name} removed by {who(by)}")


@records_by
@transaction.atomic
def netblock_add(*, mirror: Mirror, cidr: str, by=None) -> Netblock:
    """Add a network the mirror prefers to serve (validated as the form's netblocks, and
    once per mirror); the lists follow, since netblocks choose the first bucket."""
    validate_netblock(cidr.strip())
    netblock = Netblock(mirror=mirror, cidr=str(ipaddress.ip_network(cidr.strip(), strict=False)))
    netblock.full_clean()
    netblock.save()
    changes_publish(f"netblock {netblock.cidr} added to {mirror.name} by {who(by)}")
    return netblock


@records_by
@transaction.atomic
def netblock_remove(*, netblock: Netblock, by=None) -> None:
    cidr, name = netblock.cidr, netblock.mirror.name
    netblock.delete()
    changes_publish(f"netblock {cidr} of {name} removed by {who(by)}")


@records_by
@transaction.atomic
def mirror_notify_update(
    *, mirror: Mirror, events: list[str], addresses: list[str], by=None
) -> Mirror:
    """Which emails the mirror's people get, and the extra addresses they go to."""
    unknown = set(events) - set(NOTIFY_EVENTS)
    if unknown:
        raise ValidationError(f"Unknown emails: {', '.join(sorted(unknown))}.")
    mirror.notify_events = [e for e in NOTIFY_EVENTS if e in events]
    mirror.notify_addresses = "\n".join(dict.fromkeys(a.strip() for a in addresses if a.strip()))
    mirror.save(update_fields=["notify_events", "notify_addresses", "modified"])
    return mirror


@records_by
@transaction.atomic
def co_owner_invite(*, mirror: Mirror, email: str, by, site_url: str) -> CoOwnerInvite:
    """Invite someone by email to manage the mirror; the email carries the accept link.
    `site_url` is the portal's address as the inviter reached it ("https://host/")."""
    invite = CoOwnerInvite.objects.create(mirror=mirror, email=email.strip(), invited_by=by)
    link = site_url.rstrip("/") + reverse("mirrors:invite-accept", args=[invite.token])
    body = (
        f"{who(by)} invites you to manage the mirror {mirror.name} with them on the "
        f"infrastructure portal.\n\nTo accept, log in (or sign up) and open:\n{link}\n\n"
        "If you did not expect this, ignore this email.\n"
    )
    message = portal_message(subject=f"Manage the mirror {mirror.name}", body=body,
                             to=[invite.email])  # fmt: skip

    def send() -> None:
        try:
            message.send()
        except Exception:
            logger.exception("Could not send the invitation to %s", invite.email)

    transaction.on_commit(send)
    return invite


@transaction.atomic
def co_owner_accept(*, invite: CoOwnerInvite, user) -> Mirror:
    """The invited person, logged in with a confirmed copy of the invited address, becomes
    a co-owner; an invite works once. Anyone else gets the reason and nothing changes."""
    invite = CoOwnerInvite.objects.select_for_update().get(pk=invite.pk)
    if refusal := invite_refusal(invite=invite, user=user):
        raise ValidationError(refusal, code="refused")
    mirror = invite.mirror
    if mirror.owner_id != user.pk:
        mirror.co_owners.add(user)
    invite.accepted_at, invite.accepted_by = timezone.now(), user
    invite.save(update_fields=["accepted_at", "accepted_by"])
    return mirror
