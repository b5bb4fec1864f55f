"""Choices of the partners app."""

from django.conf import global_settings
from django.db import models


class PartnerKind(models.TextChoices):
    """The networks the talk names: "approved support, hosting, consulting and training"."""

    SUPPORT = "support", "Support"
    HOSTING = "hosting", "Hosting"
    CONSULTING = "consulting", "Consulting"
    TRAINING = "training", "Training"


class PartnerStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    LAPSED = "lapsed", "Lapsed"


class PartnerAction(models.TextChoices):
    """What happened to an application, in its record."""

    APPLIED = "applied", "Applied"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    REMINDED = "reminded", "Reminded of the lapse"
    LAPSED = "lapsed", "Lapsed"
    EDITED = "edited", "Edited"


# Languages people may be served in: Django's list, by their English names.
LANGUAGES = sorted(
    {(code, name) for code, name in global_settings.LANGUAGES if "-" not in code},
    key=lambda pair: pair[1],
)
LANGUAGE_NAMES = dict(LANGUAGES)
