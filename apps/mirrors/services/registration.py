"""What a volunteer does with a mirror: register it, edit it, and the first check that runs
at once after either (outside any sweep, so it needs no sweep lock)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from apps.core.audit import records_as, records_by
from apps.core.geo import COUNTRIES, continent_of
from apps.core.mail import person_name, portal_message, send_after_commit
from apps.core.outbox import task_record, task_waiting
from apps.core.services import who

from ..choices import Approval, MirrorStatus, Protocol
from ..models import Mirror, MirrorURL, Netblock
from ..models.network import repository_kinds_default
from ..selectors.msync import msync_answer
from ..selectors.probe_batches import CheckContext, probe_batches_build
from .moderation import changes_publish
from .recording import outcomes_record
from .sweeps import outcomes_stream

MIRROR_FIELDS = ("name", "organisation", "country", "contact_email", "bandwidth_mbps", "asn",
                 "transfer_quota_gb", "repository_kinds")  # fmt: skip


@dataclass
class MirrorDetails:
    """What a volunteer says of their mirror (the registration and edit forms' cleaned data)."""

    name: str
    country: str
    contact_email: str
    bandwidth_mbps: int
    urls: dict[str, str]  # protocol -> normalised URL; a protocol left out has none
    organisation: str = ""
    ipv4: bool = True
    ipv6: bool = False
    releases: Iterable = ()
    architectures: Iterable = ()
    repositories: Iterable = ()
    images: Iterable = ()
    upstream: Mirror | None = None
    netblocks: list[str] = field(default_factory=list)
    asn: int | None = None
    transfer_quota_gb: int | None = None
    repository_kinds: list[str] = field(default_factory=repository_kinds_default)


def upstream_suggest(*, country: str) -> Mirror | None:
    """What msync would hand a new mirror in `country`: the close, healthy, current internal
    mirror (apps.mirrors.selectors.msync), else the master; None without either."""
    chosen = msync_answer(country=country or None)["mirror"]
    return Mirror.objects.filter(pk=chosen["id"]).first() if chosen else None


def _apply(mirror: Mirror, details: MirrorDetails) -> None:
    for name in MIRROR_FIELDS:
        setattr(mirror, name, getattr(details, name))
    country = COUNTRIES.get(str(details.country).upper())
    mirror.continent = continent_of(details.country) or ""
    mirror.latitude, mirror.longitude = (country.lat, country.lon) if country else (None, None)
    mirror.upstream = details.upstream or upstream_suggest(country=details.country)


def _parts_save(mirror: Mirror, details: MirrorDetails) -> None:
    """One URL per protocol the form manages, the netblocks, and what it carries."""
    existing: dict[str, MirrorURL] = {}
    for url in mirror.urls.order_by("pk"):
        existing.setdefault(url.protocol, url)
    for protocol in Protocol.values:
        value, row = details.urls.get(protocol), existing.get(protocol)
        if not value:
            if row is not None:
                mirror.urls.filter(protocol=protocol).delete()
            continue
        row = row or MirrorURL(mirror=mirror, protocol=protocol)
        row.url, row.ipv4, row.ipv6 = value, details.ipv4, details.ipv6
        row.full_clean()
        row.save()
    wanted = list(dict.fromkeys(details.netblocks))
    mirror.netblocks.exclude(cidr__in=wanted).delete()
    have = set(mirror.netblocks.values_list("cidr", flat=True))
    Netblock.objects.bulk_create(
        [Netblock(mirror=mirror, cidr=cidr) for cidr in wanted if cidr not in have]
    )
    mirror.releases.set(details.releases)
    mirror.architectures.set(details.architectures)
    mirror.repositories.set(details.repositories)
    mirror.images.set(details.images)


FIRST_CHECK_KEY = "mirrors.first-check:{}"


def first_check_queue(mirror: Mirror) -> None:
    """Record the mirror's first check in the outbox: sent after commit, or once the broker
    is back, and once however often it is asked for meanwhile."""
    task_record(
        name="mirrors.mirror_check_first",
        kwargs={"mirror_id": mirror.pk},
        key=FIRST_CHECK_KEY.format(mirror.pk),
    )


def first_check_waiting(mirror: Mirror) -> bool:
    """Whether the mirror's first check waits for the broker (recorded, not started)."""
    return task_waiting(key=FIRST_CHECK_KEY.format(mirror.pk))


@records_as("owner")
@transaction.atomic
def mirror_register(*, owner, details: MirrorDetails) -> Mirror:
    """Create a pending mirror with its URLs, netblocks and choices; after commit, queue its
    first check. It reaches the lists only once an admin approves it."""
    mirror = Mirror(owner=owner, approval=Approval.PENDING, status=MirrorStatus.UNKNOWN)
    _apply(mirror, details)
    if not mirror.contact_email and owner is not None:
        mirror.contact_email = owner.email
    mirror.full_clean()
    mirror.save()
    _parts_save(mirror, details)
    changes_publish(f"{mirror.name} registered by {who(owner)}")
    first_check_queue(mirror)
    return mirror


@records_by
@transaction.atomic
def mirror_owner_update(*, mirror: Mirror, details: MirrorDetails, by=None) -> Mirror:
    """Save what an owner changed; the mirror is checked again at once."""
    _apply(mirror, details)
    mirror.full_clean()
    mirror.save()
    _parts_save(mirror, details)
    changes_publish(f"{mirror.name} edited by its owner {who(by)}")
    first_check_queue(mirror)
    return mirror


def registration_notify(*, mirror: Mirror, site_url: str) -> None:
    """After a registration, after commit: the volunteer hears that it is registered and what
    happens next; staff hear that a mirror waits for them (with the queue's address)."""
    base = site_url.rstrip("/")
    owner = mirror.owner
    page = base + reverse("mirrors:mine-detail", args=[mirror.pk])
    if owner is not None and owner.email:
        body = (
            f"Hello {person_name(owner)},\n\nyou registered the mirror {mirror.name} "
            f"({mirror.country.name}). Its first check runs now; an admin looks at it and "
            "approves it, and it reaches the mirror lists once the checks find it current.\n\n"
            f"Its page, with what the checks found and what to do next:\n{page}\n"
        )
        message = portal_message(subject=f"Your mirror {mirror.name} is registered",
                                 body=body, to=[owner.email])  # fmt: skip
        send_after_commit(message, f"the registration email of {mirror.name}")
    staff = list(
        get_user_model().objects.filter(is_staff=True, is_active=True)
        .exclude(email="").values_list("email", flat=True)
    )  # fmt: skip
    if staff:
        queue = base + reverse("mirrors:moderation")
        body = (
            f"{mirror.name} ({mirror.country.name}) was registered by {person_name(owner)} "
            f"and waits for moderation:\n{queue}\n"
        )
        message = portal_message(subject=f"Mirror {mirror.name} waits for moderation",
                                 body=body, to=staff)  # fmt: skip
        send_after_commit(message, f"the moderation notice of {mirror.name}")


def mirror_check_first(*, mirror_id: int) -> int:
    """Check one mirror now, as a sweep would (same probe batch, probes and recording), but
    outside any sweep; return the number of checks recorded."""
    context = CheckContext.load()
    probe_batches = probe_batches_build(mirror_ids=[mirror_id], context=context)
    recorded = 0
    with transaction.atomic():
        for batch in outcomes_stream(probe_batches):
            recorded += outcomes_record(sweep=None, outcomes=batch, context=context)
        if recorded:  # its page's "why not listed" is read from the next snapshot
            changes_publish(f"first check of mirror {mirror_id}")
    return recorded
