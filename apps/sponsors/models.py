"""Sponsors: the universities and companies that donate servers and bandwidth,
and get a promotion page in return."""

from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django_countries.fields import CountryField

from apps.core.markup import render_markdown
from apps.core.models import TimeStampedModel

from .choices import SponsorKind


class SponsorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Sponsor(TimeStampedModel):
    """A university, hosting company, company or person who gives to the project."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=SponsorKind.choices, db_index=True)
    website = models.URLField(blank=True)
    logo_url = models.URLField(blank=True)
    description = models.TextField(
        blank=True, help_text="Markdown. HTML is cleaned before it is shown."
    )
    country = CountryField(blank=True)
    sponsor_since = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True, db_index=True)

    objects = SponsorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sponsors:detail", kwargs={"slug": self.slug})

    @cached_property
    def description_html(self) -> str:
        return render_markdown(self.description)
