"""Rebuild the snapshot when what it depends on changes: after each sweep, and after a
person's change to mirrors or releases (the services of those apps send the signals after
commit; the rebuild is debounced)."""

from django.dispatch import receiver

from apps.mirrors.signals import mirrors_changed, sweep_finished
from apps.releases.signals import releases_changed

from .tasks import snapshot_rebuild_schedule


@receiver(sweep_finished)
def rebuild_after_sweep(sender, **kwargs):
    snapshot_rebuild_schedule(reason=f"sweep {getattr(kwargs.get('sweep'), 'pk', '')}".strip())


@receiver(mirrors_changed)
@receiver(releases_changed)
def rebuild_after_change(sender, reason: str = "", **kwargs):
    snapshot_rebuild_schedule(reason=reason or "mirrors or releases changed")
