"""The approved partner network: organisations that offer support, hosting, consulting or
training around the distribution, their application, staff's review and its record."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_countries.fields import CountryField

from apps.core.markup import render_markdown
from apps.core.models import TimeStampedModel

from .choices import LANGUAGE_NAMES, LANGUAGES, PartnerAction, PartnerKind, PartnerStatus


def logo_upload_to(instance, filename: str) -> str:
    """A random name; the extension is the format the logo was checked to be."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"partners/logos/{secrets.token_urlsafe(12)}.{extension}"


class PartnerQuerySet(models.QuerySet):
    def listed(self, today=None):
        """In the directory: approved, and the approval not yet lapsed (by the date alone,
        so a partner leaves on time even if the daily task has not run)."""
        today = today or timezone.localdate()
        return self.filter(status=PartnerStatus.APPROVED, approved_until__gte=today)


class Partner(TimeStampedModel):
    """An organisation in (or applying to) the approved partner network."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    website = models.URLField()
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(help_text="Hears of every step of the review.")
    description = models.TextField(help_text="Markdown. HTML is cleaned before it is shown.")
    logo = models.FileField(
        upload_to=logo_upload_to, blank=True, max_length=200,
        help_text="PNG, JPEG or SVG; saved only through the services (checked, re-encoded).",
    )  # fmt: skip
    sponsor = models.OneToOneField(
        "sponsors.Sponsor", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="partner", help_text="The same organisation as a sponsor, if it is one.",
    )  # fmt: skip
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="partner_applications",
    )  # fmt: skip
    status = models.CharField(
        max_length=10, choices=PartnerStatus.choices, default=PartnerStatus.PENDING, db_index=True
    )
    reason = models.TextField(blank=True, help_text="Why it was rejected (the applicant reads it).")
    approved_until = models.DateField(null=True, blank=True, db_index=True)
    reminded_for = models.DateField(
        null=True, blank=True, help_text="The lapse date the last reminder was about."
    )

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partners:detail", kwargs={"slug": self.slug})

    @cached_property
    def description_html(self) -> str:
        return render_markdown(self.description)

    @property
    def kind_values(self) -> list[str]:
        return sorted(k.kind for k in self.kinds.all())

    @property
    def country_codes(self) -> list[str]:
        return sorted(c.country.code for c in self.countries.all())

    @property
    def language_codes(self) -> list[str]:
        return sorted(lang.language for lang in self.languages.all())

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGE_NAMES.get(code, code) for code in self.language_codes]


class PartnerKindOffered(models.Model):
    """One kind of service a partner offers."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="kinds")
    kind = models.CharField(max_length=20, choices=PartnerKind.choices, db_index=True)

    class Meta:
        ordering = ["partner", "kind"]
        constraints = [models.UniqueConstraint(fields=["partner", "kind"], name="unique_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class PartnerCountry(models.Model):
    """A country a partner serves."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="countries")
    country = CountryField(db_index=True)

    class Meta:
        ordering = ["partner", "country"]
        verbose_name_plural = "partner countries"
        constraints = [
            models.UniqueConstraint(fields=["partner", "country"], name="unique_partner_country")
        ]

    def __str__(self) -> str:
        return str(self.country.name)


class PartnerLanguage(models.Model):
    """A language a partner serves its customers in."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(max_length=10, choices=LANGUAGES, db_index=True)

    class Meta:
        ordering = ["partner", "language"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "language"], name="unique_partner_language")
        ]

    def __str__(self) -> str:
        return self.get_language_display()


class PartnerEvent(models.Model):
    """One step of a partner's review, who took it and when (the audit record)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=PartnerAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.partner} {self.action} {self.at:%Y-%m-%d}"
