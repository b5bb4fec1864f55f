"""Reads of the mirrors app."""

from django.db.models import Prefetch

from .models import Mirror, MirrorURL


def mirror_public_list():
    """Approved, public mirrors with their URLs, for the mirror list page and the API."""
    return (
        Mirror.objects.approved()
        .public()
        .select_related("sponsor", "upstream")
        .prefetch_related(Prefetch("urls", queryset=MirrorURL.objects.order_by("protocol", "url")))
    )


def mirror_counts_by_country(queryset=None) -> list[dict]:
    """[{country, name, count, share}] largest first, for the chart of mirrors per country."""
    from django_countries import countries

    qs = queryset if queryset is not None else Mirror.objects.approved().public()
    rows = list(qs.order_by().count_by_country())
    top = max((row["count"] for row in rows), default=0) or 1
    return [
        {
            "country": row["country"],
            "name": countries.name(row["country"]),
            "count": row["count"],
            "share": round(100 * row["count"] / top),
        }
        for row in rows
    ]
