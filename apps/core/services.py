"""Services any app can use: saving an edited row whole, deleting one, and telling the
listeners after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.dispatch import Signal

from .audit import records_by


@records_by
@transaction.atomic
def instance_save(*, instance: models.Model, by=None, changed: Iterable[str] = ()) -> models.Model:
    """Validate and save a row someone edited (the admin saves its many-to-many choices in
    the same transaction). For rows whose change nobody else needs to hear about."""
    instance.full_clean()
    instance.save()
    return instance


@records_by
@transaction.atomic
def instance_delete(*, instance: models.Model, by=None) -> None:
    instance.delete()


def signal_after_commit(signal: Signal, *, sender, reason: str) -> None:
    """Send `signal(reason=...)` once the current transaction commits (at once outside
    one); a listener's failure is logged, never undoes the write."""
    transaction.on_commit(lambda: signal.send(sender=sender, reason=reason[:200]), robust=True)


def who(by) -> str:
    """A person for the reasons and logs, or the system when no one is named."""
    return str(by) if by is not None else "the system"
