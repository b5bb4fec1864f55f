"""Filters shared by the server pages and the API (the API's FilterSet extends the page's)."""

import django_filters
from django import forms
from django_countries import countries

from apps.core.filters import IsoDateTimeFilter
from apps.core.geo import COUNTRIES

from .choices import ServerCondition, ServerRole, ServerStatus, StateType
from .models import Server, ServerService

CONTINENTS = [
    ("AF", "Africa"), ("AN", "Antarctica"), ("AS", "Asia"), ("EU", "Europe"),
    ("NA", "North America"), ("OC", "Oceania"), ("SA", "South America"),
]  # fmt: skip


def sponsor_choices() -> list[tuple[str, str]]:
    # The sponsors app sits above this one: its model is reached through the relation.
    sponsors = Server._meta.get_field("sponsor").related_model.objects
    return list(sponsors.order_by("name").values_list("slug", "name"))


def countries_of(continent: str) -> list[str]:
    return [cc for cc, country in COUNTRIES.items() if country.continent == continent]


class ServerFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        field_name="roles__name", choices=ServerRole.choices, label="Role"
    )
    sponsor = django_filters.ChoiceFilter(
        field_name="sponsor__slug", choices=sponsor_choices, label="Sponsor"
    )

    class Meta:
        model = Server
        fields = ["role", "status", "condition", "country", "sponsor"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in self.filters.values():  # "Any" reads better than "---------"
            if isinstance(value, django_filters.ChoiceFilter):
                value.extra["empty_label"] = "Any"


class ServerAPIFilterSet(ServerFilterSet):
    """The page's filters as choices, and what else the API offers."""

    status = django_filters.ChoiceFilter(choices=ServerStatus.choices, label="Status")
    health = django_filters.ChoiceFilter(  # the API keeps its parameter name
        field_name="condition", choices=ServerCondition.choices, label="Condition"
    )
    country = django_filters.ChoiceFilter(choices=countries, label="Country")
    continent = django_filters.ChoiceFilter(
        choices=CONTINENTS, label="Continent", method="filter_continent"
    )
    sponsor = django_filters.ChoiceFilter(
        field_name="sponsor__slug", choices=sponsor_choices, label="Sponsor"
    )
    updated_since = IsoDateTimeFilter(
        field_name="modified", lookup_expr="gte", label="Changed at or after (ISO 8601)"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            "hostname", "country", "status", ("condition", "health"), "bandwidth_mbps", "modified",
        ),
    )  # fmt: skip

    class Meta:
        model = Server
        fields = ["role", "status", "health", "country", "sponsor"]

    def filter_continent(self, queryset, name, value):
        return queryset.filter(country__in=countries_of(value))


class ServiceFilterSet(django_filters.FilterSet):
    """The status page's and the server-services API's filters."""

    server = django_filters.CharFilter(field_name="server__hostname", label="Server (host name)")
    state = django_filters.ChoiceFilter(choices=ServerCondition.choices, label="State")
    state_type = django_filters.ChoiceFilter(choices=StateType.choices, label="State type")
    problems = django_filters.BooleanFilter(
        method="filter_problems",
        label="Show",
        widget=forms.Select(choices=(("", "All services"), ("true", "Problems only (not OK)"))),
    )

    class Meta:
        model = ServerService
        fields = ["server", "state", "state_type", "problems"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in self.filters.values():  # "Any" reads better than "---------"
            if isinstance(value, django_filters.ChoiceFilter):
                value.extra["empty_label"] = "Any"

    def filter_problems(self, queryset, name, value):
        return queryset.exclude(state=ServerCondition.OK) if value else queryset
