"""Choices of the mirror checks (sweeps and checks)."""

from django.db import models

from apps.core.http import FetchError


class SweepState(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    ABANDONED = "abandoned", "Abandoned (its lease expired)"


class SweepTrigger(models.TextChoices):
    PERIODIC = "periodic", "Periodic task"
    COMMAND = "command", "checkmirrors command"
    MANUAL = "manual", "Manual"


class CheckKind(models.TextChoices):
    TIMESTAMP = "timestamp", "Timestamp file"
    REPOMD = "repomd", "repomd.xml"
    IMAGE = "image", "ISO image"


class CheckError(models.TextChoices):
    """Why a check failed; the values are apps.core.http.FetchError's."""

    DNS = FetchError.DNS.value, "DNS"
    REFUSED = FetchError.REFUSED.value, "Connection refused"
    TIMEOUT = FetchError.TIMEOUT.value, "Timeout"
    TLS = FetchError.TLS.value, "TLS"
    HTTP_STATUS = FetchError.HTTP_STATUS.value, "HTTP status"
    WRONG_CONTENT = FetchError.WRONG_CONTENT.value, "Wrong content"
    TOO_LARGE = FetchError.TOO_LARGE.value, "Too large"
    FORBIDDEN_TARGET = FetchError.FORBIDDEN_TARGET.value, "Forbidden target"
    OTHER = FetchError.OTHER.value, "Other"
