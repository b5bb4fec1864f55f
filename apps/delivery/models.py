"""The published snapshots the delivery workers serve from, the torrents of the ISO images,
and the per-day usage statistics the workers flush."""

from django.db import models

from .choices import UsageKind


class SnapshotQuerySet(models.QuerySet):
    def newest(self):
        return self.order_by("-version")


class Snapshot(models.Model):
    """One published snapshot: everything the mirrorlist, metalink and ISO answers need.

    `version` grows with each publication, so a worker compares one integer to know
    whether it has the newest.
    """

    version = models.BigAutoField(primary_key=True)
    built_at = models.DateTimeField(db_index=True)
    blob = models.BinaryField(help_text="The serialised snapshot (orjson).")
    size = models.PositiveIntegerField(default=0, help_text="Bytes of the blob.")
    mirror_count = models.PositiveIntegerField(default=0)
    build_ms = models.PositiveIntegerField(default=0, help_text="Milliseconds to build.")
    reason = models.CharField(max_length=200, blank=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        get_latest_by = "version"

    def __str__(self) -> str:
        return f"snapshot {self.version} ({self.built_at:%Y-%m-%d %H:%M:%S})"


class ImageTorrent(models.Model):
    """The torrent of one ISO image: its piece hashes, computed once from the file's bytes.

    The web seeds (the mirrors that have the file) are added when it is served.
    """

    image = models.OneToOneField(
        "releases.Image", on_delete=models.CASCADE, related_name="torrent", primary_key=True
    )
    metainfo = models.BinaryField(help_text="The bencoded torrent, without web seeds.")
    piece_size = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["image"]

    def __str__(self) -> str:
        return f"torrent of {self.image_id}"


class DailyUsage(models.Model):
    """How many answers of one kind went to one country for one release, architecture and
    repository (or ISO file) on one day."""

    day = models.DateField()
    kind = models.CharField(max_length=20, choices=UsageKind.choices)
    country = models.CharField(max_length=2, blank=True, help_text="Empty when unknown.")
    release = models.CharField(max_length=20)
    arch = models.CharField(max_length=20)
    repo = models.CharField(max_length=40, blank=True)
    file = models.CharField(max_length=200, blank=True)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "kind", "country", "release", "arch", "repo", "file"]
        verbose_name_plural = "daily usage"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "country", "release", "arch", "repo", "file"],
                name="unique_daily_usage",
            )
        ]
        indexes = [models.Index(fields=["day", "kind"])]

    def __str__(self) -> str:
        what = self.file or self.repo
        return f"{self.day} {self.kind} {self.country or '--'} {self.release}/{what}/{self.arch}"
