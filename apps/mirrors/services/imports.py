"""Importing a mirror list: all or nothing, and the lists follow after commit."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from apps.core.geo import COUNTRIES

from ..choices import Approval, MirrorTier
from ..importers import ImportedMirror, ImportResult, MirrorListError, parse_apt_mirrors
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
    )


def mirrors_import_file(*, path: Path, **options) -> ImportResult:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MirrorListError(0, f"the file is not UTF-8 text ({exc.reason})") from exc
    return mirrors_import(records=parse_apt_mirrors(text), **options)
