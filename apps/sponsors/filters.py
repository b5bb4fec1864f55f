"""Filters shared by the sponsor pages and the API."""

import django_filters

from .models import Sponsor


class SponsorFilterSet(django_filters.FilterSet):
    class Meta:
        model = Sponsor
        fields = ["kind", "country", "active"]
