"""Importing a mirror list: all or nothing, and the lists follow after commit."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from apps.core.geo import COUNTRIES

from ..choices import Approval, MirrorTier
from ..importers import (
    WEB_SCHEMES,
    ImportedMirror,
    ImportResult,
    MirrorListError,
    list_decode,
    parse_apt_mirrors,
)
from ..models import Mirror, MirrorURL
from .moderation import changes_publish


@transaction.atomic
def mirrors_import(
    *,
    records: list[ImportedMirror],
    approval: str = Approval.APPROVED,
    tier: str = MirrorTier.EXTERNAL,
    organisation: str = "",
) -> ImportResult:
    """Create or update the mirrors and URLs of parsed records, all or nothing.

    A URL already registered to another mirror is an error: importing must not
    silently move an endpoint between mirrors.
    """
    existing = {m.name: m for m in Mirror.objects.filter(name__in=[r.name for r in records])}
    records, skipped = _with_a_web_url(records, existing)
    all_urls = [url for r in records for _, url, _ in r.urls]
    url_owner = dict(MirrorURL.objects.filter(url__in=all_urls).values_list("url", "mirror__name"))
    created = updated = 0
    new_urls: list[MirrorURL] = []
    for record in records:
        for _, url, line_number in record.urls:
            owner = url_owner.get(url)
            if owner is not None and owner != record.name:
                raise MirrorListError(line_number, f"{url} already belongs to mirror {owner}")
        country = COUNTRIES.get(record.country)
        mirror = existing.get(record.name)
        if mirror is None:
            mirror = Mirror.objects.create(
                name=record.name,
                organisation=organisation,
                country=record.country,
                continent=country.continent if country else "",
                latitude=country.lat if country else None,
                longitude=country.lon if country else None,
                tier=tier,
                approval=approval,
            )
            created += 1
        else:
            changed = mirror.country != record.country
            mirror.country = record.country
            if country and changed:
                mirror.continent = country.continent
                mirror.latitude, mirror.longitude = country.lat, country.lon
            mirror.save()
            updated += 1
        for protocol, url, _ in record.urls:
            if url not in url_owner:
                new_urls.append(MirrorURL(mirror=mirror, protocol=protocol, url=url))
    MirrorURL.objects.bulk_create(new_urls)
    changes_publish(f"imported {created} new and {updated} known mirrors")
    return ImportResult(
        mirrors_created=created,
        mirrors_updated=updated,
        urls_created=len(new_urls),
        countries=len({r.country for r in records}),
        skipped=tuple(skipped),
    )


def _with_a_web_url(records: list[ImportedMirror], existing: dict) -> tuple[list, list[str]]:
    """The records a mirror can be made or kept from: an HTTP or HTTPS URL in the list, or
    already on the known mirror (yum and dnf use nothing else, and the form and the API
    refuse a mirror without one). The others are left out, each named."""
    has_web = set(
        MirrorURL.objects.filter(
            mirror__in=existing.values(), protocol__in=WEB_SCHEMES
        ).values_list("mirror__name", flat=True)
    )
    kept, skipped = [], []
    for record in records:
        if any(p in WEB_SCHEMES for p, _, _ in record.urls) or record.name in has_web:
            kept.append(record)
        else:
            protocols = " and ".join(sorted({p for p, _, _ in record.urls}))
            skipped.append(
                f"line {record.urls[0][2]}: {record.name} is listed with {protocols} only; "
                "a mirror needs an HTTP or HTTPS URL"
            )
    return kept, skipped


def mirrors_import_file(*, path: Path, **options) -> ImportResult:
    return mirrors_import(records=parse_apt_mirrors(list_decode(path.read_bytes())), **options)
