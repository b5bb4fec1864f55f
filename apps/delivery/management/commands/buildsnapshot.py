"""manage.py buildsnapshot: build and publish the delivery snapshot now."""

from django.core.management.base import BaseCommand

from apps.delivery.tasks import snapshot_publish_now


class Command(BaseCommand):
    help = (
        "Build the snapshot the mirrorlist, metalink and ISO redirect serve from, and publish it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reason", default="manage.py buildsnapshot")

    def handle(self, *args, reason, **options):
        row = snapshot_publish_now(reason=reason)
        self.stdout.write(
            f"snapshot {row.version}: {row.mirror_count} mirrors, {row.size} bytes, "
            f"{row.build_ms} ms"
        )
