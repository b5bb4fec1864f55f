"""Move a release to the vault: `manage.py endoflife 4.4 --by ops`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.releases.models import Release
from apps.releases.services import release_mark_end_of_life


class Command(BaseCommand):
    help = (
        "Mark a release end of life: mirrors stop being asked for it, the mirrorlist and the "
        "ISO redirect send clients to the vault (VAULT_URL), and its page says when and where."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="the release, e.g. 4.4")
        parser.add_argument("--by", metavar="USERNAME", help="who does it (for the timeline)")
        parser.add_argument("--note", default="", help="a word for the timeline")

    def handle(self, *args, version, by=None, note="", **options):
        release = Release.objects.filter(version=version).first()
        if release is None:
            raise CommandError(f"No release {version!r}.")
        person = None
        if by:
            person = get_user_model().objects.filter(username=by).first()
            if person is None:
                raise CommandError(f"No user {by!r}.")
        was = release.status
        release = release_mark_end_of_life(release=release, by=person, note=note)
        if was == release.status:
            self.stdout.write(f"{version} was already end of life: nothing changed.")
        else:
            self.stdout.write(f"{version} is end of life: clients asking for it go to the vault.")
