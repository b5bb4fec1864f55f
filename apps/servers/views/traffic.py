"""The bandwidth pages: the whole infrastructure's (/servers/bandwidth/) and one server's
(/servers/<hostname>/bandwidth/)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from ..models import Server
from ..selectors.traffic import bandwidth_overview, server_bandwidth

DAY_CHOICES = (30, 90)


def _days(request) -> int:
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    return days if days in DAY_CHOICES else 30


def bandwidth_index(request):
    year = request.GET.get("year")
    if year is not None:
        if not year.isdigit() or not 1990 <= int(year) <= 2200:
            raise Http404("No such year.")
        year = int(year)
    context = bandwidth_overview(year=year, days=_days(request))
    return render(request, "servers/bandwidth.html", {**context, "day_choices": DAY_CHOICES})


def server_bandwidth_page(request, hostname: str):
    server = get_object_or_404(Server.objects.select_related("sponsor"), hostname=hostname)
    context = {"bandwidth": server_bandwidth(server, days=_days(request)), "server": server}
    return render(request, "servers/server_bandwidth.html", {**context, "day_choices": DAY_CHOICES})
