"""`manage.py exportinfra DIR`: the sponsors, servers and mirrors as one YAML file each."""

from pathlib import Path

from django.core.management.base import BaseCommand

from apps.infra.selectors import FOLDERS, infra_documents
from apps.infra.yamlio import dump


class Command(BaseCommand):
    help = (
        "Write the sponsors, servers and mirrors as one YAML file per object under DIR "
        "(sponsors/, servers/, mirrors/), for git; files of objects gone are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        documents = infra_documents()
        written = changed = 0
        for folder in FOLDERS:
            (directory / folder).mkdir(parents=True, exist_ok=True)
        for name, data in documents.items():
            path = directory / name
            text = dump(data)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                changed += 1
            written += 1
        removed = 0
        for folder in FOLDERS:
            for path in sorted((directory / folder).glob("*.yaml")):
                if f"{folder}/{path.name}" not in documents:
                    path.unlink()
                    removed += 1
        self.stdout.write(f"{written} files in {directory} ({changed} written, {removed} removed)")
