"""Rebuild the snapshot when what it depends on changes: after each sweep, and after a
person's change to mirrors or releases (the services of those apps send the signals after
commit; the rebuild is debounced)."""

from django.dispatch import receiver

from apps.mirrors.signals import mirrors_changed, sweep_finished
from apps.releases.signals import releases_changed

from .tasks import snapshot_publish_now, snapshot_rebuild_schedule


@receiver(sweep_finished)
def rebuild_after_sweep(sender, sweep=None, foreground: bool = False, **kwargs):
    """A sweep run by a worker queues the rebuild; one run in the foreground (the
    sweepmirrors command, where no worker may be running) publishes here, and says so."""
    reason = f"sweep {getattr(sweep, 'pk', '')}".strip()
    if foreground:
        row = snapshot_publish_now(reason=reason)
        return f"published snapshot {row.version} ({row.mirror_count} mirrors)"
    snapshot_rebuild_schedule(reason=reason)
    return None


@receiver(mirrors_changed)
@receiver(releases_changed)
def rebuild_after_change(sender, reason: str = "", **kwargs):
    snapshot_rebuild_schedule(reason=reason or "mirrors or releases changed")
