"""Reads of the servers app."""

from django.db.models import Sum

from .models import Server


def server_list():
    return (
        Server.objects.in_service()
        .select_related("sponsor")
        .prefetch_related("roles")
        .annotate(bytes_out_total=Sum("traffic__bytes_out"))
    )
