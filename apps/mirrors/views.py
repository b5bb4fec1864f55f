"""The public mirror list, by country."""

from itertools import groupby

from django.shortcuts import render

from .filters import MirrorFilterSet
from .selectors import mirror_counts_by_country, mirror_public_list


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
