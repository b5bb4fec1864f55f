"""Rebuild the snapshot when what it depends on changes: after each sweep, and (debounced,
after commit) after admin changes to mirrors and releases."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from apps.mirrors.models import Mirror, MirrorURL, Netblock
from apps.mirrors.signals import mirrors_changed, sweep_finished
from apps.releases.models import Image, Release, Repository, RepositoryVersion

from .services import snapshot_schedule_rebuild

WATCHED = (Mirror, MirrorURL, Netblock, Release, Repository, RepositoryVersion, Image)


@receiver(sweep_finished)
def rebuild_after_sweep(sender, **kwargs):
    snapshot_schedule_rebuild(reason=f"sweep {getattr(kwargs.get('sweep'), 'pk', '')}".strip())


@receiver(mirrors_changed)
def rebuild_after_mirror_change(sender, reason: str = "", **kwargs):
    snapshot_schedule_rebuild(reason=reason or "mirrors changed")


def _model_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):  # loaddata
        return
    snapshot_schedule_rebuild(reason=f"{sender._meta.model_name} {instance.pk} changed")


for _model in WATCHED:
    post_save.connect(
        _model_changed, sender=_model, dispatch_uid=f"delivery-save-{_model.__name__}"
    )
    post_delete.connect(
        _model_changed, sender=_model, dispatch_uid=f"delivery-delete-{_model.__name__}"
    )
for _through in (Release.architectures.through, Release.repositories.through):
    m2m_changed.connect(_model_changed, sender=_through, dispatch_uid=f"delivery-m2m-{_through}")
