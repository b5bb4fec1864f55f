"""Import a server's daily traffic from an old export: date, bytes out, bytes in."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.servers.models import Server
from apps.servers.services.traffic_import import traffic_csv_import


class Command(BaseCommand):
    help = (
        "Import a CSV of daily traffic (date, bytes out, bytes in; ISO dates, an optional "
        "header) into a server's totals. All or nothing: a bad line writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("hostname")
        parser.add_argument("path", help="The CSV file, or - for standard input.")

    def handle(self, *args, hostname, path, **options):
        try:
            server = Server.objects.get(hostname=hostname)
        except Server.DoesNotExist:
            raise CommandError(f"No server is called {hostname!r}.") from None
        try:
            if path == "-":
                import sys

                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8-sig") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            days = traffic_csv_import(server=server, text=text)
        except ValidationError as error:
            raise CommandError("Nothing imported:\n" + "\n".join(error.messages)) from None
        self.stdout.write(f"Imported {days} days of traffic for {server}.")
