"""Sponsors: the universities and companies that donate servers and bandwidth,
and get a promotion page in return."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django_countries.fields import CountryField

from apps.core.markup import render_markdown
from apps.core.models import TimeStampedModel

from .choices import SponsorKind

INITIALS_SKIP = {"of", "the", "and", "for", "de", "du", "la", "der", "für", "&"}


def logo_upload_to(instance, filename: str) -> str:
    """A random name, whatever the uploader called the file; the extension is the format
    the logo was checked to be (apps/sponsors/logos.py)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"sponsors/logos/{secrets.token_urlsafe(12)}.{extension}"


class SponsorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def managed_by(self, user):
        """The sponsors whose page `user` may change: staff who may change sponsors, all;
        anyone else, those that name them as a contact."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff and user.has_perm("sponsors.change_sponsor"):
            return self
        return self.filter(contacts=user)


class Sponsor(TimeStampedModel):
    """A university, hosting company, company or person who gives to the project."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=SponsorKind.choices, db_index=True)
    website = models.URLField(blank=True)
    logo = models.FileField(
        upload_to=logo_upload_to,
        blank=True,
        max_length=200,
        help_text="PNG, JPEG or SVG; saved only through sponsor_logo_set (checked, re-encoded).",
    )
    description = models.TextField(
        blank=True, help_text="Markdown. HTML is cleaned before it is shown."
    )
    country = CountryField(blank=True)
    email = models.EmailField(
        "contact e-mail",
        blank=True,
        help_text="Shown on the promotion page, for people who want to reach the sponsor.",
    )
    sponsor_since = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True, db_index=True)
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="sponsorships",
        blank=True,
        help_text="People of the sponsor who may edit its promotion page on the site.",
    )

    objects = SponsorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sponsors:detail", kwargs={"slug": self.slug})

    @property
    def initials(self) -> str:
        """Two letters for a sponsor without a logo: "University of Munich" gives "UM"."""
        words = [w for w in self.name.split() if w.lower() not in INITIALS_SKIP] or [self.name]
        return "".join(w[0] for w in words[:2]).upper()

    @cached_property
    def description_html(self) -> str:
        return render_markdown(self.description)
