"""Writes of the sponsors app: a sponsor's details, and its logo (checked and re-encoded
before anything is stored)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.audit import records_by
from apps.core.services import instance_save

from .logos import logo_prepare
from .models import Sponsor


@records_by
@transaction.atomic
def sponsor_save(*, sponsor: Sponsor, by=None, changed: Iterable[str] = ()) -> Sponsor:
    """Validate and save a sponsor's details (its logo changes only through
    `sponsor_logo_set`)."""
    return instance_save(instance=sponsor, by=by, changed=changed)


@records_by
@transaction.atomic
def sponsor_logo_set(*, sponsor: Sponsor, upload, by=None) -> Sponsor:
    """Give `sponsor` the logo in `upload` (None removes it). The file is checked and a
    fresh copy stored under a random name; a bad file raises ValidationError({"logo": ...})
    and changes nothing. The old file is deleted once the change is committed."""
    fresh = None
    if upload is not None:
        try:
            fresh = logo_prepare(upload)
        except ValidationError as error:
            raise ValidationError({"logo": error.error_list}) from None
    old_name = sponsor.logo.name if sponsor.logo else ""
    storage = sponsor.logo.storage
    if fresh is None:
        sponsor.logo = ""
        sponsor.save(update_fields=["logo", "modified"])
    else:
        sponsor.logo.save(fresh.name, fresh, save=False)
        try:
            sponsor.save(update_fields=["logo", "modified"])
        except BaseException:
            storage.delete(sponsor.logo.name)  # nobody's file once the row is not saved
            raise
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name), robust=True)
    return sponsor


# What a sponsor's contacts edit on their promotion page (the rest is staff's: kind, slug,
# since when, active, contacts).
PAGE_FIELDS = ("name", "website", "email", "country", "description")


@records_by
@transaction.atomic
def sponsor_page_update(
    *, sponsor: Sponsor, by, logo=None, remove_logo: bool = False, **fields
) -> Sponsor:
    """Change what a sponsor's contact owns on its page: the `PAGE_FIELDS` given, and the
    logo (`logo` an upload, or `remove_logo`). Validated whole; a bad value or file raises
    ValidationError and nothing is changed (the row is read again)."""
    unknown = set(fields) - set(PAGE_FIELDS)
    if unknown:
        raise TypeError(f"not a page field: {', '.join(sorted(unknown))}")
    changed = [name for name, value in fields.items() if getattr(sponsor, name) != value]
    try:
        for name in changed:
            setattr(sponsor, name, fields[name])
        if changed:
            sponsor_save(sponsor=sponsor, by=by, changed=changed)
        if logo is not None or (remove_logo and sponsor.logo):
            sponsor_logo_set(sponsor=sponsor, upload=logo, by=by)
    except BaseException:
        sponsor.refresh_from_db()
        raise
    return sponsor
