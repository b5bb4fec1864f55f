"""The mirrors app hears the releases app: a new candidate's images are read from the
master (which the mirrors app knows), by a worker."""

from django.dispatch import receiver

from apps.releases.signals import candidate_added


@receiver(candidate_added)
def read_candidate_images(sender, reason: str = "", **kwargs):
    from .tasks import candidate_images_read

    if reason.isdigit():
        candidate_images_read.delay(int(reason))
