"""Choices of the mirrors app."""

from django.db import models


class MirrorTier(models.TextChoices):
    MASTER = "master", "Master"
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


class Approval(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DISABLED = "disabled", "Disabled"


class MirrorStatus(models.TextChoices):
    UNKNOWN = "unknown", "Not checked yet"
    UP = "up", "Up"
    DOWN = "down", "Down"


class Protocol(models.TextChoices):
    HTTP = "http", "HTTP"
    HTTPS = "https", "HTTPS"
    FTP = "ftp", "FTP"
    RSYNC = "rsync", "rsync"


class Continent(models.TextChoices):
    AFRICA = "AF", "Africa"
    ANTARCTICA = "AN", "Antarctica"
    ASIA = "AS", "Asia"
    EUROPE = "EU", "Europe"
    NORTH_AMERICA = "NA", "North America"
    OCEANIA = "OC", "Oceania"
    SOUTH_AMERICA = "SA", "South America"


class ContentState(models.TextChoices):
    """How a mirror's copy of one repository compares with the master's."""

    UNKNOWN = "unknown", "Not checked yet"
    CURRENT = "current", "Current"
    BEHIND = "behind", "Behind"
    MISSING = "missing", "Missing"


class ImageState(models.TextChoices):
    UNKNOWN = "unknown", "Not checked yet"
    PRESENT = "present", "Present"
    MISSING = "missing", "Missing"
    WRONG_SIZE = "wrong_size", "Wrong size"
