"""The condition pages: every server's services as nagios' status view shows them (problems
first, then one folded line per server), and one server's page with its services and their
history."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from ..choices import ServerCondition
from ..filters import ServiceFilterSet
from ..selectors import server_list
from ..selectors.conditions import (
    server_results,
    service_history,
    service_list,
    service_state_counts,
    services_by_server,
    services_worst_first,
)
from ..selectors.traffic import server_bandwidth

HISTORY_HOURS = 24


def server_status(request):
    everything = service_list()
    filterset = ServiceFilterSet(request.GET, queryset=everything)
    services = list(services_worst_first(filterset.qs)) if filterset.is_valid() else []
    groups = services_by_server(services)
    context = {
        "filter": filterset,
        "services": services,
        "problems": [s for s in services if s.state != ServerCondition.OK and not s.pending],
        "groups": groups,
        "open_groups": len(groups) == 1,
        "counts": [
            (state, ServerCondition(state).label, n)
            for state, n in service_state_counts(everything).items()
        ],
        "now": timezone.now(),
    }
    return render(request, "servers/server_status.html", context)


def server_detail(request, hostname: str):
    server = get_object_or_404(server_list(), hostname=hostname)
    now = timezone.now()
    context = {
        "server": server,
        "services": service_history(server=server, hours=HISTORY_HOURS, now=now),
        "results": server_results(server=server),
        "hours": HISTORY_HOURS,
        "now": now,
        "since": now - timezone.timedelta(hours=HISTORY_HOURS),
        "bandwidth": server_bandwidth(server),
    }
    return render(request, "servers/server_detail.html", context)
