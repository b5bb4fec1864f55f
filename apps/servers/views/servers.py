"""The server inventory page."""

from django.shortcuts import render

from ..filters import ServerFilterSet
from ..selectors import server_list, traffic_sparkline


def server_index(request):
    filterset = ServerFilterSet(request.GET, queryset=server_list())
    servers = list(filterset.qs)
    for server in servers:
        server.sparkline = traffic_sparkline(server)
    return render(request, "servers/server_list.html", {"filter": filterset, "servers": servers})
