"""Writes of the partners app: an application, staff's approval or rejection, the daily
reminders and lapses. Every step is recorded with who took it and e-mails the applicant."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from apps.core.audit import records_by
from apps.sponsors.logos import logo_prepare

from .choices import LANGUAGE_NAMES, PartnerAction, PartnerKind, PartnerStatus
from .models import Partner, PartnerCountry, PartnerEvent, PartnerKindOffered, PartnerLanguage

logger = logging.getLogger(__name__)

EMAILS = {
    PartnerAction.APPLIED: (
        "Your partner application for {name} arrived",
        "Thank you for applying to the approved partner network with {name}.\n"
        "The infrastructure team reviews every application and will write to you again.",
    ),
    PartnerAction.APPROVED: (
        "{name} is an approved partner",
        "{name} is in the approved partner directory until {until}: {url}\n"
        "We will remind you {reminder} days before the approval lapses.",
    ),
    PartnerAction.REJECTED: (
        "Your partner application for {name}",
        "We cannot approve {name} as a partner now, for this reason:\n\n{reason}\n\n"
        "You are welcome to apply again.",
    ),
    PartnerAction.REMINDED: (
        "The approval of {name} lapses on {until}",
        "The approval of {name} as a partner lapses on {until}; after that day it leaves "
        "the directory. Reply to this e-mail to have it renewed for another year.",
    ),
    PartnerAction.LAPSED: (
        "The approval of {name} has lapsed",
        "{name} left the approved partner directory on {until}. Apply again to return.",
    ),
}


@dataclass
class PartnerDetails:
    """What an applicant tells about the organisation (the web form and the API)."""

    name: str
    website: str
    contact_name: str
    contact_email: str
    description: str
    kinds: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)


def _record(partner: Partner, action: str, by=None, note: str = "") -> None:
    PartnerEvent.objects.create(partner=partner, action=action, by=by, note=note)
    subject, body = EMAILS[action]
    values = {
        "name": partner.name, "reason": partner.reason, "until": partner.approved_until,
        "url": settings.SITE_URL.rstrip("/") + partner.get_absolute_url(),
        "reminder": settings.PARTNER_REMINDER_DAYS,
    }  # fmt: skip
    message = mail.EmailMessage(
        subject=subject.format(**values), body=body.format(**values), to=[partner.contact_email]
    )

    def send() -> None:
        try:
            message.send()
        except Exception:  # a mail outage never undoes the step
            logger.exception("Could not send the %s e-mail of partner %s", action, partner.name)

    transaction.on_commit(send)


def _validate_lists(details: PartnerDetails) -> None:
    errors = {}
    if not details.kinds or set(details.kinds) - set(PartnerKind.values):
        errors["kinds"] = "Choose at least one of: " + ", ".join(PartnerKind.values) + "."
    if not details.countries:
        errors["countries"] = "Name at least one country served."
    if not details.languages or set(details.languages) - set(LANGUAGE_NAMES):
        errors["languages"] = "Name at least one language, as a code such as en or de."
    if errors:
        raise ValidationError(errors)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "partner"
    slug, n = base, 1
    while Partner.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def partner_apply(*, applicant, details: PartnerDetails, logo=None) -> Partner:
    """Record an application, waiting for staff's review; the logo passes the sponsors'
    checks (apps.sponsors.logos) and is stored re-encoded. Bad input changes nothing."""
    _validate_lists(details)
    partner = Partner(
        name=details.name.strip(), slug=_unique_slug(details.name), website=details.website,
        contact_name=details.contact_name.strip(), contact_email=details.contact_email.strip(),
        description=details.description, applicant=applicant, status=PartnerStatus.PENDING,
    )  # fmt: skip
    fresh = None
    if logo is not None:
        try:
            fresh = logo_prepare(logo)
        except ValidationError as error:
            raise ValidationError({"logo": error.error_list}) from None
    partner.full_clean(exclude=["logo", "slug"])
    if fresh is not None:
        partner.logo.save(fresh.name, fresh, save=False)
    try:
        partner.save()
        PartnerKindOffered.objects.bulk_create(
            [PartnerKindOffered(partner=partner, kind=k) for k in sorted(set(details.kinds))]
        )
        codes = sorted({c.upper() for c in details.countries})
        rows = [PartnerCountry(partner=partner, country=c) for c in codes]
        for row in rows:
            try:
                row.full_clean(exclude=["partner"])
            except ValidationError:
                raise ValidationError(
                    {"countries": f"{row.country} is not a country code."}
                ) from None
        PartnerCountry.objects.bulk_create(rows)
        PartnerLanguage.objects.bulk_create(
            [
                PartnerLanguage(partner=partner, language=lang)
                for lang in sorted(set(details.languages))
            ]
        )
    except BaseException:
        if fresh is not None:  # nobody's file once the row is not saved
            partner.logo.storage.delete(partner.logo.name)
        raise
    _record(partner, PartnerAction.APPLIED, by=applicant)
    return partner


@records_by
@transaction.atomic
def partner_approve(*, partner: Partner, by, today: dt.date | None = None) -> Partner:
    """Approve (or renew) for PARTNER_APPROVAL_DAYS from today, or from the current
    approval's end if that is later: renewing early loses no days."""
    today = today or timezone.localdate()
    start = today
    if partner.status == PartnerStatus.APPROVED and partner.approved_until:
        start = max(today, partner.approved_until)
    partner.status, partner.reason = PartnerStatus.APPROVED, ""
    partner.approved_until = start + dt.timedelta(days=settings.PARTNER_APPROVAL_DAYS)
    partner.save(update_fields=["status", "reason", "approved_until", "modified"])
    _record(partner, PartnerAction.APPROVED, by=by, note=f"until {partner.approved_until}")
    return partner


@records_by
@transaction.atomic
def partner_reject(*, partner: Partner, reason: str, by) -> Partner:
    if not reason.strip():
        raise ValidationError({"reason": "Say why: the applicant reads it."})
    partner.status, partner.reason = PartnerStatus.REJECTED, reason.strip()
    partner.save(update_fields=["status", "reason", "modified"])
    _record(partner, PartnerAction.REJECTED, by=by, note=partner.reason)
    return partner


@records_by
@transaction.atomic
def partner_sponsor_link(*, partner: Partner, sponsor, by) -> Partner:
    """Say that the partner is (or, with None, is not) the same organisation as a sponsor."""
    partner.sponsor = sponsor
    partner.full_clean()
    partner.save(update_fields=["sponsor", "modified"])
    PartnerEvent.objects.create(
        partner=partner, action=PartnerAction.EDITED, by=by,
        note=f"sponsor: {sponsor.name if sponsor else 'none'}",
    )  # fmt: skip
    return partner


@transaction.atomic
def partners_expiry_run(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily round (Celery beat): remind the partners whose approval lapses within
    PARTNER_REMINDER_DAYS (once per lapse date) and mark those past it lapsed. The
    directory already leaves lapsed partners out by date; this tells them."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=settings.PARTNER_REMINDER_DAYS)
    approved = Partner.objects.select_for_update().filter(status=PartnerStatus.APPROVED)
    reminded = lapsed = 0
    for partner in approved.filter(approved_until__lt=today):
        partner.status = PartnerStatus.LAPSED
        partner.save(update_fields=["status", "modified"])
        _record(partner, PartnerAction.LAPSED)
        lapsed += 1
    due = approved.filter(approved_until__gte=today, approved_until__lte=soon)
    for partner in due.exclude(reminded_for=F("approved_until")):
        partner.reminded_for = partner.approved_until
        partner.save(update_fields=["reminded_for", "modified"])
        _record(partner, PartnerAction.REMINDED)
        reminded += 1
    return {"reminded": reminded, "lapsed": lapsed}
