"""Writes of the servers app: whoever calls (the admin, the API), a change is validated and
saved here, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction


@transaction.atomic
def server_save(*, instance: models.Model, by=None, changed: Iterable[str] = ()) -> models.Model:
    """Save a server, role or traffic day someone edited (the admin saves the
    many-to-many choices in the same transaction)."""
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def server_delete(*, instance: models.Model, by=None) -> None:
    instance.delete()
