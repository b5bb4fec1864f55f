"""A release's way from planned to the vault: its dated steps (who moved it), its numbered
candidates with their images, the teams' sign-offs, and the blockers the teams vote on."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..choices import BlockerStatus, Criterion, Milestone, ReleaseStatus, Team
from .catalogue import Architecture, Release

USER = settings.AUTH_USER_MODEL


class ReleaseEvent(models.Model):
    """One step of a release's lifecycle: the status it reached, when, and who moved it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10, choices=ReleaseStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    candidate = models.ForeignKey(
        "ReleaseCandidate", null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["release", "at", "id"]

    def __str__(self) -> str:
        return f"{self.release} {self.status} at {self.at:%Y-%m-%d %H:%M}"


class ReleaseCandidate(models.Model):
    """RC1, RC2... of a release: a set of images per architecture that QA tests.

    Its images lie on the master under `path_template` (placeholders {version}, {major},
    {arch}, {number}), beside a checksum file, as a release's images do."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="candidates")
    number = models.PositiveSmallIntegerField()
    path_template = models.CharField(max_length=200, default="{version}/RC{number}/isos/{arch}/")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["release", "number"]
        constraints = [
            models.UniqueConstraint(fields=["release", "number"], name="unique_candidate_number")
        ]

    def __str__(self) -> str:
        return f"{self.release} RC{self.number}"

    @property
    def label(self) -> str:
        return f"RC{self.number}"

    def folder_for(self, architecture: Architecture) -> str:
        r = self.release
        folder = self.path_template.format(
            version=r.version, major=r.major, arch=architecture.name, number=self.number
        )
        return folder if folder.endswith("/") else folder + "/"


class CandidateImage(models.Model):
    """An image of a candidate for one architecture; size and SHA-256 are the master's."""

    candidate = models.ForeignKey(ReleaseCandidate, on_delete=models.CASCADE, related_name="images")
    architecture = models.ForeignKey(Architecture, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    checksums_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["candidate", "architecture", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "architecture", "name"], name="unique_candidate_image"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Signoff(models.Model):
    """A team member's sign-off of a candidate. Only a QA member who is not a developer
    can sign as QA (services.lifecycle refuses the others)."""

    candidate = models.ForeignKey(
        ReleaseCandidate, on_delete=models.CASCADE, related_name="signoffs"
    )
    team = models.CharField(max_length=20, choices=Team.choices)
    by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["candidate", "at"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "team", "by"], name="unique_signoff")
        ]

    def __str__(self) -> str:
        return f"{self.candidate} signed by {self.by} for {self.team}"


class BlockerQuerySet(models.QuerySet):
    def open_accepted(self):
        return self.filter(status=BlockerStatus.ACCEPTED)


class Blocker(models.Model):
    """A bug proposed as blocking a release's milestone, citing the criterion it breaks.
    The teams vote; accepted ones must be closed before go."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="blockers")
    milestone = models.CharField(max_length=10, choices=Milestone.choices)
    criterion = models.CharField(max_length=30, choices=Criterion.choices)
    bug_url = models.URLField()
    summary = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=BlockerStatus.choices, default=BlockerStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = BlockerQuerySet.as_manager()

    class Meta:
        ordering = ["release", "proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "milestone", "bug_url"], name="unique_blocker"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bug_url} ({self.get_status_display()})"


class BlockerVote(models.Model):
    """One team member's +1 or -1 on a blocker; a later vote replaces their earlier one."""

    blocker = models.ForeignKey(Blocker, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    team = models.CharField(max_length=20, choices=Team.choices)
    vote = models.SmallIntegerField(choices=[(1, "+1"), (-1, "-1")])
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["blocker", "at"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "voter"], name="one_vote_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.voter} {self.vote:+d} on {self.blocker}"
