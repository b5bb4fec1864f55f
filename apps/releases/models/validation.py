"""The validation matrix: test cases grouped by release criterion, and the results people
and automation post per candidate, architecture and environment."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..choices import Criterion, Outcome
from .catalogue import Architecture
from .lifecycle import ReleaseCandidate


class ValidationCase(models.Model):
    """A test case such as "install from the DVD, default partitioning". Release-blocking
    cases must pass on every primary architecture before a candidate can go."""

    name = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    criterion = models.CharField(max_length=30, choices=Criterion.choices)
    release_blocking = models.BooleanField(default=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion", "name"]

    def __str__(self) -> str:
        return self.name


class ValidationResult(models.Model):
    """One result of a case on a candidate, architecture and environment (bios, uefi,
    kvm...). The newest of each tester counts; every result is kept."""

    candidate = models.ForeignKey(
        ReleaseCandidate, on_delete=models.CASCADE, related_name="results"
    )
    case = models.ForeignKey(ValidationCase, on_delete=models.CASCADE, related_name="results")
    architecture = models.ForeignKey(Architecture, on_delete=models.PROTECT, related_name="+")
    environment = models.SlugField(max_length=40, default="default")
    outcome = models.CharField(max_length=4, choices=Outcome.choices)
    tester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    bug_urls = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["candidate", "case", "architecture", "environment", "at", "id"]
        indexes = [models.Index(fields=["candidate", "case", "architecture"])]

    def __str__(self) -> str:
        return f"{self.case} on {self.candidate} {self.architecture}: {self.outcome}"
