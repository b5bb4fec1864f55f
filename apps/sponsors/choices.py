"""Choices of the sponsors app."""

from django.db import models


class SponsorKind(models.TextChoices):
    UNIVERSITY = "university", "University"
    HOSTING = "hosting", "Hosting company"
    COMPANY = "company", "Company"
    INDIVIDUAL = "individual", "Individual"
