"""Choices of the servers app."""

from django.db import models


class ServerRole(models.TextChoices):
    DNS = "dns", "DNS"
    WEBSITE = "website", "Website"
    WIKI = "wiki", "Wiki"
    MIRROR_MASTER = "mirror-master", "Mirror master"
    VAULT = "vault", "Vault"
    MAILMAN = "mailman", "Mailman"
    BETA_MASTER = "beta-master", "Beta master"
    BUILD_MASTER = "build-master", "Build master"
    INTERNAL_MIRROR = "internal-mirror", "Internal mirror"


class ServerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MAINTENANCE = "maintenance", "Maintenance"
    OFFLINE = "offline", "Offline"
    RETIRED = "retired", "Retired"


class ServerCondition(models.TextChoices):
    OK = "ok", "OK"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"
    UNKNOWN = "unknown", "Unknown"


class StateType(models.TextChoices):
    """Nagios' state types: a SOFT state is being retried; a HARD one is settled."""

    SOFT = "soft", "Soft"
    HARD = "hard", "Hard"


class TrafficSource(models.TextChoices):
    SNMP = "snmp", "SNMP poll"
    PUSH = "push", "Pushed by the server"
    IMPORT = "import", "CSV import"
