"""manage.py importmirrors FILE: import a public mirror list (python-apt's .mirrors format)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.mirrors.choices import Approval
from apps.mirrors.importers import MirrorListError
from apps.mirrors.services.imports import mirrors_import_file


class Command(BaseCommand):
    help = (
        "Import mirrors from a list in the format of python-apt-common's templates "
        "(#LOC:CC lines, then one base URL per line). Nothing is imported if any line is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--pending",
            action="store_true",
            help="Import the mirrors as pending approval instead of approved.",
        )
        parser.add_argument(
            "--organisation", default="", help="Organisation to record on new mirrors."
        )

    def handle(self, *args, file: Path, pending: bool, organisation: str, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = mirrors_import_file(
                path=file,
                approval=Approval.PENDING if pending else Approval.APPROVED,
                organisation=organisation,
            )
        except MirrorListError as exc:
            raise CommandError(f"{file}: {exc}. Nothing was imported.") from exc
        for line in result.skipped:
            self.stdout.write(self.style.WARNING(f"{file}: {line}: not imported."))
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {file.name}: {result.mirrors_created} mirrors created, "
                f"{result.mirrors_updated} updated, {result.urls_created} URLs added, "
                f"{result.countries} countries"
                + (f", {len(result.skipped)} hosts left out." if result.skipped else ".")
            )
        )
