"""Filters shared by the server pages and the API."""

import django_filters

from .choices import ServerRole
from .models import Server


class ServerFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        field_name="roles__name", choices=ServerRole.choices, label="Role"
    )
    sponsor = django_filters.CharFilter(field_name="sponsor__slug", label="Sponsor (slug)")

    class Meta:
        model = Server
        fields = ["role", "status", "health", "country", "sponsor"]
