"""Choices of the delivery app."""

from django.db import models


class UsageKind(models.TextChoices):
    """What a counted answer was."""

    MIRRORLIST = "mirrorlist", "Mirror list"
    METALINK = "metalink", "Metalink"
    ISO = "iso", "ISO redirect"
    ISO_METALINK = "iso_metalink", "ISO metalink"
    TORRENT = "torrent", "Torrent"
