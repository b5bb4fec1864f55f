"""Sponsor list and promotion pages."""

from django.shortcuts import get_object_or_404, render

from .filters import SponsorFilterSet
from .models import Sponsor
from .selectors import sponsor_contribution, sponsor_list


def sponsor_index(request):
    filterset = SponsorFilterSet(request.GET, queryset=sponsor_list())
    return render(
        request, "sponsors/sponsor_list.html", {"filter": filterset, "sponsors": filterset.qs}
    )


def sponsor_detail(request, slug: str):
    sponsor = get_object_or_404(Sponsor.objects.active(), slug=slug)
    context = {"sponsor": sponsor, **sponsor_contribution(sponsor)}
    return render(request, "sponsors/sponsor_detail.html", context)
