"""`manage.py importinfra DIR [--dry-run]`: read an exportinfra folder back, all or nothing."""

from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.infra.selectors import FOLDERS
from apps.infra.services import Document, InfraImportError, infra_import
from apps.infra.yamlio import load


class Command(BaseCommand):
    help = (
        "Create or update the sponsors, servers and mirrors described by the YAML files under "
        "DIR (as exportinfra writes them), through the services, all or nothing. Each error "
        "names its file and line; --dry-run prints what would change and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Change nothing.")
        parser.add_argument("--by", help="The username the changes are recorded under.")

    def handle(self, *args, directory: Path, dry_run: bool, by: str | None, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        person = None
        if by:
            person = get_user_model().objects.filter(username=by).first()
            if person is None:
                raise CommandError(f"--by: nobody is called {by!r}")
        documents, errors = [], []
        for path in sorted(directory.glob("*/*.yaml")):
            name = path.relative_to(directory).as_posix()
            if name.split("/", 1)[0] not in FOLDERS:
                continue
            try:
                data, lines = load(path.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as error:
                mark = getattr(error, "problem_mark", None)
                line = mark.line + 1 if mark else 1
                errors.append(f"{name}:{line}: not YAML: {getattr(error, 'problem', error)}")
                continue
            documents.append(Document(path=name, data=data, lines=lines))
        if errors:
            raise CommandError("\n".join(errors))
        try:
            report = infra_import(documents=documents, by=person, dry_run=dry_run)
        except InfraImportError as failed:
            raise CommandError(
                "\n".join([*failed.errors, f"{len(failed.errors)} errors: nothing changed"])
            ) from failed
        for change in report.changes:
            self.stdout.write(("would " if dry_run else "") + change)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(f"{len(report.changes)} {verb}, {report.unchanged} unchanged")
