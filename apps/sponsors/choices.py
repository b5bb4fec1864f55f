"""Choices of the sponsors app."""

from django.db import models


class SponsorKind(models.TextChoices):
    UNIVERSITY = "university", "University"
    HOSTING = "hosting", "Hosting company"
    COMPANY = "company", "Company"
    INDIVIDUAL = "individual", "Individual"


# The headings of the sponsor list, one group per kind, in this order.
SPONSOR_KIND_GROUPS = {
    SponsorKind.UNIVERSITY: "Universities",
    SponsorKind.HOSTING: "Hosting companies",
    SponsorKind.COMPANY: "Companies",
    SponsorKind.INDIVIDUAL: "Individuals",
}


class SponsorState(models.TextChoices):
    """The list's filter on `active`: values as the API took them before (true/false)."""

    ACTIVE = "true", "Current sponsors"
    FORMER = "false", "Former sponsors"
    ALL = "all", "All"
