"""Make or change the master: the approved mirror of tier master that the checks compare
with, that internal mirrors sync from and that delivery falls back to. `manage.py setmaster`
and PUT /api/v1/master/ call it; the admin's mirror form remains for the rest."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import records_by
from apps.core.geo import COUNTRIES, continent_of
from apps.core.services import who

from ..choices import Approval, MirrorStatus, MirrorTier, Protocol
from ..models import Mirror, MirrorURL
from ..validators import mirror_url_validate
from .moderation import changes_publish

logger = logging.getLogger(__name__)


def _urls_clean(urls: list[str]) -> dict[str, str]:
    """{protocol: normalised URL}, one per protocol; a ValidationError names each bad one."""
    found, errors = {}, []
    for url in urls:
        try:
            clean = mirror_url_validate(str(url).strip())
        except ValidationError as exc:
            errors.append(f"{url!r}: {' '.join(exc.messages)}")
            continue
        protocol = urlsplit(clean).scheme
        if protocol in found:
            errors.append(f"Two {protocol} URLs: give the master one URL per protocol.")
        found[protocol] = clean
    if not urls:
        errors.append("Give the master's URL, such as https://master.example.org/centos/.")
    if errors:
        raise ValidationError({"urls": errors})
    return found


def _master_pick(name: str | None) -> Mirror | None:
    masters = list(Mirror.objects.filter(tier=MirrorTier.MASTER).order_by("name"))
    if name:
        return next((m for m in masters if m.name == name), None)
    if len(masters) > 1:
        names = ", ".join(m.name for m in masters)
        raise ValidationError({"name": [f"There are {len(masters)} masters ({names}): name "
                                        "the one to change."]})  # fmt: skip
    return masters[0] if masters else None


@records_by
@transaction.atomic
def master_set(
    *, urls: list[str], name: str | None = None, country: str | None = None, by=None
) -> tuple[Mirror, bool]:
    """Create the master, or change the named (or only) one: each URL replaces the master's
    URL of the same protocol, the others stay. Returns (master, created). The lists follow
    after commit; the change is recorded with who made it (the admin's history of the
    mirror, and the snapshot's reason)."""
    wanted = _urls_clean(urls)
    master = _master_pick(name)
    created = master is None
    if created:
        if not {Protocol.HTTP, Protocol.HTTPS} & set(wanted):
            raise ValidationError({"urls": ["A new master needs an http or https URL: the "
                                            "checks read its timestamp file there."]})  # fmt: skip
        code = (country or "").upper()
        if code not in COUNTRIES:
            raise ValidationError({"country": ["Say where the master stands: a two-letter "
                                               "country code such as US."]})  # fmt: skip
        place = COUNTRIES[code]
        master = Mirror(
            name=name or urlsplit(next(iter(wanted.values()))).hostname,
            tier=MirrorTier.MASTER, approval=Approval.APPROVED, status=MirrorStatus.UP,
            status_since=timezone.now(), country=code, continent=continent_of(code) or "",
            latitude=place.lat, longitude=place.lon, bandwidth_mbps=1000,
        )  # fmt: skip
        master.full_clean()
        master.save()
    taken = MirrorURL.objects.filter(url__in=wanted.values()).exclude(mirror=master)
    if taken.exists():
        raise ValidationError({"urls": [f"{u.url} is already a URL of {u.mirror}."
                                        for u in taken.select_related("mirror")]})  # fmt: skip
    for protocol, url in wanted.items():
        MirrorURL.objects.filter(mirror=master, protocol=protocol).exclude(url=url).delete()
        MirrorURL.objects.get_or_create(mirror=master, protocol=protocol, url=url)
    if not master.urls.filter(protocol__in=[Protocol.HTTP, Protocol.HTTPS]).exists():
        raise ValidationError({"urls": ["The master needs an http or https URL."]})
    what = ", ".join(wanted.values())
    message = f"{'made' if created else 'changed'} the master {master.name}: {what}"
    changes_publish(f"{message} (by {who(by)})")
    if getattr(by, "pk", None) is not None:
        LogEntry.objects.log_actions(
            user_id=by.pk, queryset=[master], action_flag=ADDITION if created else CHANGE,
            change_message=message, single_object=True,
        )  # fmt: skip
    logger.info("%s, by %s", message, who(by))
    return master, created
