"""Reads for the mirror list pages: the summary by country, a country's mirrors and the
status table. Each is a bounded number of queries, whatever the number of mirrors."""

from django.db.models import Count, Max, Prefetch, Q

from ..choices import MirrorStatus
from ..models import MirrorURL


def mirror_country_summary(queryset) -> list[dict]:
    """[{country, name, count, up}] by country name: the "Mirror Locations" table (one query)."""
    from django_countries import countries

    rows = (
        queryset.order_by()
        .values("country")
        .annotate(
            count=Count("id", distinct=True),
            up=Count("id", distinct=True, filter=Q(status=MirrorStatus.UP)),
        )
    )
    summary = [{**row, "name": countries.name(row["country"])} for row in rows]
    return sorted(summary, key=lambda row: row["name"])


def mirror_country_list(queryset, country: str):
    """The mirrors of one country with their URLs and worst lag, by name."""
    return (
        queryset.filter(country=country)
        .annotate(lag=Max("repository_states__lag_seconds"))
        .select_related(None)
        .prefetch_related(None)
        .prefetch_related(Prefetch("urls", queryset=MirrorURL.objects.order_by("protocol", "url")))
        .order_by("name")
    )


def mirror_status_rows(queryset):
    """The status table's rows: a mirror's name, country, state, worst lag, last check and
    protocols, without the columns the table does not show."""
    return (
        queryset.select_related(None)
        .prefetch_related(None)
        .only(
            "name",
            "country",
            "status",
            "status_since",
            "last_checked_at",
            "tier",
            "approval",
            "approval_reason",
            "suspended_at",
            "suspended_reason",
            "owner_active",
        )
        .annotate(lag=Max("repository_states__lag_seconds"))
        .prefetch_related(
            Prefetch("urls", queryset=MirrorURL.objects.only("mirror_id", "protocol", "url"))
        )
        .order_by("country", "name")  # a GROUP BY drops the model's default ordering
    )
