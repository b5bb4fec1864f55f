"""The home page: the whole infrastructure at a glance."""

from django.db.models import Count, Q
from django.shortcuts import render

from apps.mirrors.models import Mirror
from apps.mirrors.selectors import mirror_counts_by_country
from apps.releases.models import Release
from apps.servers.models import Server
from apps.sponsors.models import Sponsor


def home(request):
    mirror_stats = Mirror.objects.approved().aggregate(
        total=Count("id"),
        up=Count("id", filter=Q(status="up")),
        down=Count("id", filter=Q(status="down")),
        countries=Count("country", distinct=True),
    )
    context = {
        "mirror_stats": mirror_stats,
        "server_count": Server.objects.in_service().count(),
        "sponsor_count": Sponsor.objects.active().count(),
        "releases": Release.objects.served_by_mirrors(),
        "chart": mirror_counts_by_country()[:15],
    }
    return render(request, "core/home.html", context)
