"""manage.py setmaster URL [URL...]: make or change the master mirror (what MASTER_URL once
set), through the mirrors' services: the lists follow, and who did it is recorded."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.mirrors.services.master_set import master_set


class Command(BaseCommand):
    help = (
        "Make the master mirror, or change its URLs: each URL replaces the master's URL of "
        "the same protocol (http, https, ftp, rsync). A new master needs --country."
    )

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="+", metavar="URL")
        parser.add_argument("--name", help="The master to change when there are several, or "
                            "the new master's name (default: the URL's host).")  # fmt: skip
        parser.add_argument("--country", help="Where a new master stands (ISO code, e.g. US).")
        parser.add_argument("--by", metavar="USERNAME", help="Who makes the change (recorded).")

    def handle(self, *args, urls, name=None, country=None, by=None, **options):
        person = None
        if by:
            person = get_user_model().objects.filter(username=by).first()
            if person is None:
                raise CommandError(f"No account is named {by!r}.")
        try:
            master, created = master_set(urls=urls, name=name, country=country, by=person)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(f"The master is unchanged: {reasons}") from exc
        listed = ", ".join(master.urls.order_by("protocol").values_list("url", flat=True))
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Made' if created else 'Changed'} the master {master.name}: {listed}"
            )  # fmt: skip
        )
