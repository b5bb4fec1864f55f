"""Content checks outside the sweeps: a mirror the health loop saw come back, and every
mirror carrying a repository the master just pushed. Same probe batches, probes and recording as
a sweep's chunk; the lists follow after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ..models import MaintenanceWindow, Mirror
from ..selectors.probe_batches import CheckContext, probe_batches_build
from .image_parts import image_parts_add
from .moderation import changes_publish
from .recording import outcomes_record
from .sweeps import outcomes_stream


def mirrors_recheck(*, mirror_ids: Sequence[int], reason: str, now: dt.datetime | None = None):
    """Check the content of these approved mirrors now (those in an open maintenance window
    are left alone) and publish the lists after commit when anything was recorded; return
    the number of checks recorded."""
    now = now or timezone.now()
    ids = list(
        Mirror.objects.approved()
        .filter(pk__in=list(mirror_ids))
        .exclude(maintenance__in=MaintenanceWindow.objects.open_at(now))
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    context = CheckContext.load()
    probe_batches = probe_batches_build(mirror_ids=ids, context=context)
    image_parts_add(probe_batches, context)
    recorded = 0
    with transaction.atomic():
        for batch in outcomes_stream(probe_batches):
            recorded += outcomes_record(sweep=None, outcomes=batch, context=context)
        if recorded:
            changes_publish(f"content re-check of {len(ids)} mirrors ({reason})")
    return recorded
