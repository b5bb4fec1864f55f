"""Filters shared by the sponsor pages and the API."""

import django_filters
from django_countries import countries

from apps.core.filters import IsoDateTimeFilter

from .choices import SponsorKind, SponsorState
from .models import Sponsor


class SponsorFilterSet(django_filters.FilterSet):
    """`active` is a choice, not a yes/no/unknown: current sponsors unless asked for the
    former ones or all."""

    kind = django_filters.ChoiceFilter(choices=SponsorKind.choices, empty_label="Any kind")
    country = django_filters.ChoiceFilter(choices=countries, empty_label="Any country")
    active = django_filters.ChoiceFilter(
        label="Show",
        choices=SponsorState.choices,
        empty_label=None,
        method="filter_active",
    )

    class Meta:
        model = Sponsor
        fields = ["kind", "country", "active"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("active"):
            data = data.copy()
            data["active"] = SponsorState.ACTIVE
        super().__init__(data, *args, **kwargs)

    def filter_active(self, queryset, name, value):
        if value == SponsorState.ALL:
            return queryset
        return queryset.filter(active=value == SponsorState.ACTIVE)


CONTINENTS = [
    ("AF", "Africa"), ("AN", "Antarctica"), ("AS", "Asia"), ("EU", "Europe"),
    ("NA", "North America"), ("OC", "Oceania"), ("SA", "South America"),
]  # fmt: skip


class SponsorAPIFilterSet(SponsorFilterSet):
    """The list page's filters, and what else the API offers (the counts to sort by are
    sponsor_list's annotations)."""

    continent = django_filters.ChoiceFilter(
        choices=CONTINENTS, label="Continent", method="filter_continent"
    )
    updated_since = IsoDateTimeFilter(
        field_name="modified", lookup_expr="gte", label="Changed at or after (ISO 8601)"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("sponsor_since", "sponsor_since"), ("modified", "modified"),
                ("server_count", "servers"), ("mirror_count", "mirrors")),
    )  # fmt: skip

    class Meta:
        model = Sponsor
        fields = ["kind", "country", "active"]

    def filter_continent(self, queryset, name, value):
        from apps.core.geo import COUNTRIES

        return queryset.filter(
            country__in=[cc for cc, c in COUNTRIES.items() if c.continent == value]
        )
