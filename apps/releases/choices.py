"""Choices of the releases app."""

from django.db import models


class ReleaseStatus(models.TextChoices):
    BETA = "beta", "Beta"
    CURRENT = "current", "Current"
    END_OF_LIFE = "eol", "End of life"


class ImageKind(models.TextChoices):
    DVD = "dvd", "DVD"
    CD = "cd", "CD"
    NETINSTALL = "netinstall", "Network install"
    LIVECD = "livecd", "Live CD"
    SERVER = "server", "Server CD"
