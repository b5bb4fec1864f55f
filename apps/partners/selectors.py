"""Reads of the partners app: the directory, a partner's page, the review queue, and the
map of the countries the listed partners serve."""

from __future__ import annotations

from collections import Counter

from django.db.models import Prefetch
from django.urls import reverse
from django_countries import countries as country_names

from apps.mirrors.worldmap import world_map

from .models import Partner, PartnerEvent

PARTS = ("kinds", "countries", "languages")


def partner_directory():
    """The listed partners with what the list shows, in three queries after the first."""
    return Partner.objects.listed().select_related("sponsor").prefetch_related(*PARTS)


def partner_for_page(*, slug: str, user) -> Partner | None:
    """A listed partner; staff also see the pending, rejected and lapsed ones, with the
    record of their review."""
    partners = Partner.objects.select_related("sponsor").prefetch_related(*PARTS)
    if user.is_authenticated and user.is_staff:
        events = PartnerEvent.objects.select_related("by")
        partners = Partner.objects.prefetch_related(*PARTS, Prefetch("events", events))
        return partners.select_related("sponsor").filter(slug=slug).first()
    return partners.listed().filter(slug=slug).first()


def partner_review_queue():
    """Applications waiting for staff, the oldest first."""
    return (
        Partner.objects.filter(status="pending")
        .select_related("applicant")
        .prefetch_related(*PARTS)
        .order_by("created", "pk")
    )


def partner_for_sponsor(sponsor) -> Partner | None:
    """The listed partner that is the same organisation as `sponsor`, if any."""
    return Partner.objects.listed().filter(sponsor=sponsor).first()


def partner_map(partners: list[Partner]) -> dict:
    """The world map (apps.mirrors.worldmap) shaded by how many of `partners` serve each
    country; a country links to the directory filtered to it."""
    counts = Counter(code for partner in partners for code in partner.country_codes)
    rows = [{"country": cc, "name": str(dict(country_names).get(cc, cc)), "count": n}
            for cc, n in sorted(counts.items())]  # fmt: skip
    drawn = world_map(rows)
    directory = reverse("partners:list")
    for item in [*drawn["shapes"], *drawn["dots"]]:
        if item["count"]:
            item["url"] = f"{directory}?country={item['code']}"
    return drawn
