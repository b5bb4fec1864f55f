"""Filters shared by the partner directory and the API: kind, country served, language."""

import django_filters
from django_countries import countries

from .choices import LANGUAGES, PartnerKind
from .models import Partner


class PartnerFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=PartnerKind.choices, empty_label="Any kind", field_name="kinds__kind", label="Kind"
    )
    country = django_filters.ChoiceFilter(
        choices=countries, empty_label="Any country", field_name="countries__country",
        label="Country served",
    )  # fmt: skip
    language = django_filters.ChoiceFilter(
        choices=LANGUAGES,
        empty_label="Any language",
        field_name="languages__language",
        label="Language",
    )

    class Meta:
        model = Partner
        fields = ["kind", "country", "language"]
