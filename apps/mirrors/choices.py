"""Choices of the mirrors app."""

from django.db import models

from apps.core.http import IPV4, IPV6, FetchError


class MirrorTier(models.TextChoices):
    MASTER = "master", "Master"
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


class Approval(models.TextChoices):
    """A person's decision on a mirror (who and when in Mirror.approval_by and
    approval_at). The checks' own verdict, a suspension after MIRROR_CHECK_SUSPEND_AFTER
    failures in a row, is apart: Mirror.suspended_at and suspended_reason."""

    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DISABLED = "disabled", "Disabled by an admin"


# A mirror's standing: its approval, or this when the checks suspended it (pages, lists).
SUSPENDED = "suspended"
SUSPENDED_LABEL = "Suspended after failing checks"


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
    # current metadata, but a sampled package missing or of the wrong size or checksum
    INCOMPLETE = "incomplete", "Incomplete"


class ImageState(models.TextChoices):
    UNKNOWN = "unknown", "Not checked yet"
    PRESENT = "present", "Present"
    MISSING = "missing", "Missing"
    WRONG_SIZE = "wrong_size", "Wrong size"
    INCOMPLETE = "incomplete", "Incomplete"  # its size right, some bytes not the master's


# The mirror checks: sweeps and the checks they record.


class SweepState(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    ABANDONED = "abandoned", "Abandoned (its lease expired)"


class SweepTrigger(models.TextChoices):
    PERIODIC = "periodic", "Periodic task"
    COMMAND = "command", "sweepmirrors command"
    MANUAL = "manual", "Manual"


class CheckKind(models.TextChoices):
    TIMESTAMP = "timestamp", "Timestamp file"
    REPOMD = "repomd", "repomd.xml"
    IMAGE = "image", "ISO image"
    HEALTH = "health", "Health probe"  # kept only when it changed the mirror's status
    PACKAGE = "package", "Sampled package"  # of a repository found current
    IMAGE_PART = "image_part", "ISO image part"  # a byte range (or all) of an image found present


class AddressFamily(models.TextChoices):
    """The address family a check asked over (a host with both is checked over each)."""

    IPV4 = IPV4, "IPv4"
    IPV6 = IPV6, "IPv6"


class CheckError(models.TextChoices):
    """Why a check failed; the values are apps.core.http.FetchError's."""

    DNS = FetchError.DNS.value, "DNS"
    REFUSED = FetchError.REFUSED.value, "Connection refused"
    TIMEOUT = FetchError.TIMEOUT.value, "Timeout"
    TLS = FetchError.TLS.value, "TLS"
    HTTP_STATUS = FetchError.HTTP_STATUS.value, "HTTP status"
    WRONG_CONTENT = FetchError.WRONG_CONTENT.value, "Wrong content"
    TOO_LARGE = FetchError.TOO_LARGE.value, "Too large"
    NOT_FOUND = FetchError.NOT_FOUND.value, "Not found"
    LOGIN = FetchError.LOGIN.value, "Login refused"
    FORBIDDEN_TARGET = FetchError.FORBIDDEN_TARGET.value, "Forbidden target"
    OTHER = FetchError.OTHER.value, "Other"
