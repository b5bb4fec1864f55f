"""The public mirror list, by country."""

from itertools import groupby

from django.shortcuts import get_object_or_404, render

from .filters import MirrorFilterSet
from .models import Mirror
from .selectors import mirror_counts_by_country, mirror_detail, mirror_public_list


def mirror_index(request):
    filterset = MirrorFilterSet(request.GET, queryset=mirror_public_list())
    mirrors = list(filterset.qs)
    by_country = sorted(
        (
            (mirrors_in[0].country, mirrors_in)
            for _, group in groupby(mirrors, key=lambda m: m.country.code)
            if (mirrors_in := list(group))
        ),
        key=lambda pair: pair[0].name,
    )
    context = {
        "filter": filterset,
        "mirror_count": len(mirrors),
        "by_country": by_country,
        "chart": mirror_counts_by_country(filterset.qs),
    }
    return render(request, "mirrors/mirror_list.html", context)


def mirror_page(request, pk: int):
    """A mirror, what it carries and how its checks went: for its volunteers and users."""
    mirror = get_object_or_404(
        Mirror.objects.approved().public().select_related("sponsor", "upstream"), pk=pk
    )
    return render(request, "mirrors/mirror_detail.html", mirror_detail(mirror))
