"""Pages that compose several apps: the home page, the whole infrastructure at a glance.
Each app answers through one of its selectors."""

from django.shortcuts import render

from apps.mirrors.selectors import mirror_counts_by_country, mirror_network_summary
from apps.releases.selectors import release_served_list
from apps.servers.selectors import server_in_service_count
from apps.sponsors.selectors import sponsor_active_count


def home(request):
    context = {
        "mirror_stats": mirror_network_summary(),
        "server_count": server_in_service_count(),
        "sponsor_count": sponsor_active_count(),
        "releases": release_served_list(),
        "chart": mirror_counts_by_country()[:15],
    }
    return render(request, "home.html", context)
