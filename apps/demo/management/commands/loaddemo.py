"""manage.py loaddemo: write the demo data (idempotent)."""

from django.core.management.base import BaseCommand

from apps.demo.services import demo_load


class Command(BaseCommand):
    help = "Load the demo data of the 2007 talk: servers, sponsors, releases, mirrors."

    def handle(self, *args, **options):
        counts = demo_load()
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
