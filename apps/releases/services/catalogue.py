"""Writes of the releases app. Whoever calls (the admin, the API, the master refresh), a
change to what mirror lists depend on sends `releases_changed` after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import models, transaction
from django.utils import timezone

from apps.core.audit import records_by
from apps.core.services import signal_after_commit, who

from ..choices import ReleaseStatus
from ..models import Image, Release, ReleaseEvent
from ..signals import releases_changed

# Fields no mirror list, metalink or redirect carries: a change to them alone publishes no
# new snapshot.
UNSEEN_BY_CLIENTS = frozenset({"description", "notes"})


def _changed(reason: str) -> None:
    signal_after_commit(releases_changed, sender=Release, reason=reason)


@records_by
@transaction.atomic
def catalogue_save(*, instance: models.Model, by=None, changed: Iterable[str] = ()) -> None:
    """Save a release, architecture, repository or repository version someone edited (the
    admin saves the many-to-many choices in the same transaction). A new row, or a change to
    anything clients get, publishes a new snapshot after commit."""
    adding = instance._state.adding
    instance.full_clean()
    instance.save()
    changed = list(changed)
    if not adding and changed and set(changed) <= UNSEEN_BY_CLIENTS:
        return
    fields = ", ".join(changed) or "fields"
    verb = "added" if adding else "edited"
    _changed(f"{instance._meta.verbose_name} {instance} {verb} by {who(by)} ({fields})")


@records_by
@transaction.atomic
def release_save(
    *,
    release: Release,
    by=None,
    changed: Iterable[str] = (),
    architectures: Iterable | None = None,
    repositories: Iterable | None = None,
) -> Release:
    """Save a release with its architectures and repositories (None: left as they are), in
    one transaction, so the snapshot rebuilt after commit sees them together. A status set
    by hand (staff) is a step of the timeline too."""
    before = Release.objects.filter(pk=release.pk).values_list("status", flat=True).first()
    catalogue_save(instance=release, by=by, changed=changed)
    if release.status != before:
        ReleaseEvent.objects.create(
            release=release, status=release.status, by=by if getattr(by, "pk", None) else None,
            note="set by hand" if before else "created",
        )  # fmt: skip
    if architectures is not None:
        release.architectures.set(architectures)
    if repositories is not None:
        release.repositories.set(repositories)
    return release


@records_by
@transaction.atomic
def catalogue_delete(*, instance: models.Model, by=None) -> None:
    label = f"{instance._meta.verbose_name} {instance}"
    instance.delete()
    _changed(f"{label} deleted by {who(by)}")


@records_by
@transaction.atomic
def release_mark_end_of_life(*, release: Release, by=None, note: str = "") -> Release:
    """The release moves to the vault: mirrors stop being asked for it, and clients asking
    for it are sent there. The step is dated and names who took it (again: nothing)."""
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.status == ReleaseStatus.END_OF_LIFE:
        return release
    release.status = ReleaseStatus.END_OF_LIFE
    release.save(update_fields=["status", "modified"])
    ReleaseEvent.objects.create(
        release=release,
        status=ReleaseStatus.END_OF_LIFE,
        by=by if getattr(by, "pk", None) else None,
        note=note[:300] or "moved to the vault",
    )
    _changed(f"release {release} marked end of life by {who(by)}")
    return release


@records_by
@transaction.atomic
def image_save(*, image: Image, by=None, changed: Iterable[str] = ()) -> Image:
    """Save an image someone edited. The size and hash served stay the master's: a typed
    value only sets the expected ones, and a difference shows as a problem on the image."""
    if image.pk and {"size", "sha256"} & set(changed):
        master = Image.objects.only("size", "sha256").get(pk=image.pk)
        image.size, image.sha256 = master.size, master.sha256
    image.full_clean()
    image.save()
    _changed(f"image {image.name} edited by {who(by)}")
    return image


@transaction.atomic
def image_checksums_record(
    *, found: Mapping[int, tuple[int | None, str | None]], now: dt.datetime | None = None
) -> list[Image]:
    """Record what the master serves, {image id: (size, sha256)} (None: not found there);
    return the images whose size or hash changed."""
    now = now or timezone.now()
    images = list(Image.objects.filter(pk__in=list(found)))
    changed = []
    for image in images:
        size, sha256 = found[image.pk]
        new_size = size if size is not None else image.size
        new_sha = sha256.lower() if sha256 else image.sha256
        if (new_size, new_sha) != (image.size, image.sha256):
            image.size, image.sha256 = new_size, new_sha
            changed.append(image)
        image.checksums_read_at = now
    Image.objects.bulk_update(images, ["size", "sha256", "checksums_read_at"], batch_size=500)
    if changed:
        _changed(f"the master's checksums of {len(changed)} images")
    return changed
