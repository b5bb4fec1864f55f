"""Reads of the releases app."""

from django.db.models import Prefetch

from .models import Image, Release


def release_list():
    return Release.objects.prefetch_related(
        "architectures",
        "repositories",
        Prefetch("images", queryset=Image.objects.select_related("architecture")),
    )


def release_served_list():
    """Releases that mirrors carry (current and end-of-life on the vault)."""
    return Release.objects.served_by_mirrors()
