"""Releases, architectures, repositories, the master's published repository
versions and the ISO images of each release."""

from string import Formatter

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from apps.core.models import TimeStampedModel

from ..choices import (
    MIRRORED_STATUSES,
    PUBLIC_STATUSES,
    ArchitectureTier,
    ImageKind,
    ReleaseStatus,
    RepositoryKind,
)

PATH_PLACEHOLDERS = ("version", "major", "repo", "arch")


def path_template_problem(template: str, allowed: tuple[str, ...]) -> str | None:
    """Why `template` cannot place files in the tree (None when it can)."""
    try:
        fields = [field for _, field, _, _ in Formatter().parse(template) if field is not None]
    except ValueError as exc:
        return f"Not a template: {exc}. Placeholders are written {{version}}."
    unknown = [f"{{{f}}}" for f in fields if f not in allowed]
    if unknown:
        known = ", ".join(f"{{{a}}}" for a in allowed)
        return f"Unknown placeholder {', '.join(unknown)}: use {known}."
    parts = template.split("/")
    if template.startswith("/") or ".." in parts or not template.isprintable() or " " in template:
        return (
            "A path inside the tree, such as {version}/{repo}/{arch}/: no leading slash, "
            "no '..', no spaces or control characters."
        )
    return None


sha256_validator = RegexValidator(r"^[0-9a-fA-F]{64}$", "A sha256 is 64 hexadecimal digits.")


class ReleaseQuerySet(models.QuerySet):
    def current(self):
        return self.filter(status=ReleaseStatus.CURRENT)

    def beta(self):
        return self.filter(status=ReleaseStatus.BETA)

    def end_of_life(self):
        return self.filter(status=ReleaseStatus.END_OF_LIFE)

    def served_by_mirrors(self):
        """Releases that mirrors carry, staged ones included; end-of-life ones live in the
        vault, planned ones and candidates on the build and beta masters."""
        return self.filter(status__in=MIRRORED_STATUSES)

    def public(self):
        """Releases the public answers and download pages name (end of life: the vault)."""
        return self.filter(status__in=PUBLIC_STATUSES)

    def staged(self):
        return self.filter(status=ReleaseStatus.STAGED)


class Release(TimeStampedModel):
    """A release such as 4.4: its major line (4), status and date.

    End-of-life releases are served from the vault, not from the mirrors.
    """

    version = models.CharField(max_length=20, unique=True, help_text="For example 4.4 or 5.0.")
    major = models.PositiveSmallIntegerField(db_index=True)
    minor = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.CURRENT, db_index=True
    )
    released_on = models.DateField(null=True, blank=True)
    image_path_template = models.CharField(
        max_length=200,
        default="{version}/isos/{arch}/",
        help_text="Where the ISO images of one architecture lie, relative to the tree's top. "
        "Placeholders: {version}, {major}, {arch}. The folder holds the checksum files too.",
    )
    architectures = models.ManyToManyField(
        "Architecture", related_name="releases", blank=True, through="ReleaseArchitecture"
    )
    repositories = models.ManyToManyField("Repository", related_name="releases", blank=True)
    notes = models.TextField(blank=True)
    upgrade_notes = models.TextField(
        blank=True, help_text="Migration and upgrade notes, in Markdown (shown sanitised)."
    )
    opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Staged: open to the public at this time."
    )
    opens_at_share = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Staged: open once this percentage of the mirrors hold it (1 to 100).",
    )

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-major", "-minor"]

    def __str__(self) -> str:
        return self.version

    @property
    def is_end_of_life(self) -> bool:
        return self.status == ReleaseStatus.END_OF_LIFE

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def image_folder_for(self, architecture: "Architecture") -> str:
        folder = self.image_path_template.format(
            version=self.version, major=self.major, arch=architecture.name
        )
        return folder if folder.endswith("/") else folder + "/"


class Architecture(models.Model):
    """A processor architecture a release is built for (i386, x86_64, ppc, ...)."""

    name = models.SlugField(max_length=20, unique=True)
    description = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReleaseArchitecture(models.Model):
    """An architecture of one release, primary or secondary. Secondary ones (sparc, ppc64,
    arm...) may live on other masters and do not hold the release's go."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE)
    architecture = models.ForeignKey(Architecture, on_delete=models.CASCADE)
    tier = models.CharField(
        max_length=10, choices=ArchitectureTier.choices, default=ArchitectureTier.PRIMARY
    )
    master_url = models.URLField(
        blank=True,
        help_text="Secondary: the master that carries it, when not the release's own "
        "(for example http://altarch.example.org/centos/).",
    )

    class Meta:
        db_table = "releases_release_architectures"
        ordering = ["release", "architecture"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "architecture"],
                name="unique_release_architecture",
                violation_error_message="This architecture is already one of the release's: "
                "change its tier instead.",
            )  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.release} {self.architecture} ({self.tier})"

    def clean(self) -> None:
        if self.master_url and self.tier != ArchitectureTier.SECONDARY:
            raise ValidationError({
                "master_url": "A primary architecture lives on the release's master: only a "
                "secondary one names another."
            })  # fmt: skip
        if self.master_url and not self.master_url.startswith(("http://", "https://")):
            raise ValidationError({"master_url": "A master is reached over http or https."})


class Repository(models.Model):
    """A yum repository of each release: os, updates, extras, centosplus, ...

    `path_template` places it in the tree, relative to the tree's top.
    """

    name = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(
        max_length=12, choices=RepositoryKind.choices, default=RepositoryKind.BASE
    )
    upstream_url = models.URLField(
        blank=True, help_text="Third party: where the repository comes from."
    )
    owner = models.CharField(
        max_length=100, blank=True, help_text="Third party: who keeps it (dag, karan.org...)."
    )
    path_template = models.CharField(
        max_length=200,
        default="{version}/{repo}/{arch}/",
        help_text="Placeholders: {version}, {major}, {repo}, {arch}.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "repositories"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Every mirror URL clients get is built from the template: refuse what would not
        format, or would leave the tree."""
        problem = path_template_problem(self.path_template, PATH_PLACEHOLDERS)
        if problem:
            raise ValidationError({"path_template": problem})
        if self.kind == RepositoryKind.THIRD_PARTY and not (self.upstream_url and self.owner):
            raise ValidationError(
                {"upstream_url": "A third-party repository names its upstream URL and owner."}
            )

    def path_for(self, release: Release, architecture: "Architecture") -> str:
        return self.path_template.format(
            version=release.version, major=release.major, repo=self.name, arch=architecture.name
        )


class RepositoryVersionQuerySet(models.QuerySet):
    def for_repository(self, release, repository, architecture):
        return self.filter(release=release, repository=repository, architecture=architecture)

    def latest_first(self):
        return self.order_by("-timestamp", "-published_at")


class RepositoryVersion(models.Model):
    """One version of a repository's repodata/repomd.xml as the master published it.

    The newest is the current one; the few before it let a mirror that is
    slightly behind be recognised, and are the metalink's alternates.
    """

    release = models.ForeignKey(
        Release, on_delete=models.CASCADE, related_name="repository_versions"
    )
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="versions")
    architecture = models.ForeignKey(
        Architecture, on_delete=models.CASCADE, related_name="repository_versions"
    )
    timestamp = models.BigIntegerField(help_text="The <timestamp> inside repomd.xml (Unix time).")
    sha256 = models.CharField(max_length=64)
    sha512 = models.CharField(max_length=128, blank=True)
    size = models.PositiveIntegerField(help_text="Size of repomd.xml in bytes.")
    published_at = models.DateTimeField(default=timezone.now)
    packages = models.JSONField(
        default=list, blank=True,
        help_text="The newest packages its primary.xml lists: [href, size, sha256, build time]; "
        "a few are asked of the mirrors serving this version.",
    )  # fmt: skip

    objects = RepositoryVersionQuerySet.as_manager()

    class Meta:
        ordering = ["release", "repository", "architecture", "-timestamp"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "repository", "architecture", "sha256"],
                name="unique_repository_version",
            )
        ]
        indexes = [models.Index(fields=["release", "repository", "architecture", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.release}/{self.repository}/{self.architecture} @ {self.timestamp}"


class ImageQuerySet(models.QuerySet):
    def for_release(self, release, architecture=None):
        qs = self.filter(release=release)
        return qs.filter(architecture=architecture) if architecture else qs


class Image(TimeStampedModel):
    """An ISO image of a release for one architecture.

    `size` and `sha256` are the master's: the master refresh reads them from the checksum
    files beside the images (sha256sum.txt, SHA256SUMS, CHECKSUM) and from the image's
    Content-Length, and they are what clients are given. `expected_size` and
    `expected_sha256` are what a person typed (say, from the release announcement); a
    difference from the master's is flagged, never served.
    """

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="images")
    architecture = models.ForeignKey(Architecture, on_delete=models.PROTECT, related_name="images")
    name = models.CharField(max_length=200, help_text="File name, e.g. CentOS-5.0-i386-bin-DVD.iso")
    kind = models.CharField(max_length=20, choices=ImageKind.choices, default=ImageKind.CD)
    size = models.BigIntegerField(
        null=True, blank=True, help_text="Bytes, as the master serves it."
    )
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="From the master's checksum file."
    )
    checksums_read_at = models.DateTimeField(
        null=True, blank=True, help_text="When the master refresh last read the size and hash."
    )
    expected_size = models.BigIntegerField(
        null=True, blank=True, help_text="Bytes, as announced; checked against the master's."
    )
    expected_sha256 = models.CharField(
        max_length=64,
        blank=True,
        validators=[sha256_validator],
        help_text="As announced; checked against the master's, never served.",
    )
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["release", "architecture", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "architecture", "name"], name="unique_image_per_release_arch"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def folder(self) -> str:
        return self.release.image_folder_for(self.architecture)

    @property
    def path(self) -> str:
        return self.folder + self.name

    @property
    def checksum_problems(self) -> list[str]:
        """Where what was typed differs from what the master serves (empty: they agree)."""
        problems = []
        if self.expected_sha256 and self.sha256 and self.expected_sha256.lower() != self.sha256:
            problems.append(f"typed sha256 {self.expected_sha256} differs from the master's")
        if self.expected_size and self.size and self.expected_size != self.size:
            problems.append(
                f"typed size {self.expected_size} differs from the master's {self.size}"
            )
        return problems
