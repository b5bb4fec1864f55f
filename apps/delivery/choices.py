"""Choices of the delivery app."""

from django.db import models

from . import usage


class UsageKind(models.TextChoices):
    """What a counted answer was."""

    MIRRORLIST = usage.MIRRORLIST, "Mirror list"
    METALINK = usage.METALINK, "Metalink"
    ISO = usage.ISO, "ISO redirect"
    ISO_METALINK = usage.ISO_METALINK, "ISO metalink"
    TORRENT = usage.TORRENT, "Torrent"
