"""The server inventory page."""

from django.shortcuts import render

from .filters import ServerFilterSet
from .selectors import server_list


def server_index(request):
    filterset = ServerFilterSet(request.GET, queryset=server_list())
    return render(
        request, "servers/server_list.html", {"filter": filterset, "servers": filterset.qs}
    )
