"""manage.py sweepmirrors: a sweep of the mirror checks now, in the foreground; then the
snapshot that clients get is published by this process, and a summary printed."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from tqdm import tqdm

from apps.mirrors import services
from apps.mirrors.choices import ContentState, ImageState, MirrorStatus, SweepState, SweepTrigger
from apps.mirrors.models import Mirror, MirrorImageState, MirrorRepositoryState, Sweep


class Command(BaseCommand):
    help = (
        "Check the approved mirrors now (the same sweep as the periodic task) and print "
        "how many are up, down, current, behind and missing ISO images."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mirror", action="append", metavar="NAME", help="only this mirror")
        parser.add_argument(
            "--country", action="append", metavar="CC", help="only mirrors in this country"
        )

    def handle(self, *args, mirror=None, country=None, **options):
        mirrors = Mirror.objects.all()
        if mirror:
            mirrors = mirrors.filter(name__in=mirror)
            unknown = set(mirror) - set(mirrors.values_list("name", flat=True))
            if unknown:
                raise CommandError(f"No mirror named {', '.join(sorted(unknown))}.")
        if country:
            mirrors = mirrors.filter(country__in=[c.upper() for c in country])
        ids = list(mirrors.values_list("pk", flat=True))

        bar = tqdm(unit="mirror", file=sys.stderr, disable=None, desc="Checking")
        started = time.perf_counter()
        sweep = services.sweep_run(
            trigger=SweepTrigger.COMMAND,
            mirror_ids=ids,
            on_start=lambda sweep_chunks: bar.reset(total=sweep_chunks.sweep.mirrors_total),
            progress=lambda outcome: bar.update(1),
        )
        bar.close()
        if sweep is None:
            running = Sweep.objects.running().first()
            since = f" since {running.started_at:%Y-%m-%d %H:%M} UTC" if running else ""
            self.stdout.write(f"Another sweep is already running{since}; try again later.")
            return
        self._summary_write(sweep, time.perf_counter() - started)
        said = getattr(sweep, "receivers_said", [])
        if said:
            self.stdout.write("\n" + "\n".join(f"Clients' lists: {line}." for line in said))
        else:
            self.stdout.write(self.style.WARNING(
                "\nNo snapshot was published by this command: the lists clients get change "
                "when a Celery worker publishes one (or run `manage.py buildsnapshot`)."
            ))  # fmt: skip

    def _summary_write(self, sweep: Sweep, seconds: float) -> None:
        checked = Mirror.objects.filter(checks__sweep=sweep).distinct()
        status = checked.aggregate(
            up=Count("pk", filter=Q(status=MirrorStatus.UP)),
            down=Count("pk", filter=Q(status=MirrorStatus.DOWN)),
        )
        ids = list(checked.values_list("pk", flat=True))
        repos = MirrorRepositoryState.objects.filter(mirror_id__in=ids)
        behind = set(repos.filter(state=ContentState.BEHIND).values_list("mirror_id", flat=True))
        missing = set(repos.filter(state=ContentState.MISSING).values_list("mirror_id", flat=True))
        have = set(repos.values_list("mirror_id", flat=True))
        up = set(checked.filter(status=MirrorStatus.UP).values_list("pk", flat=True))
        isos = set(
            MirrorImageState.objects.filter(mirror_id__in=ids)
            .exclude(state=ImageState.PRESENT)
            .values_list("mirror_id", flat=True)
        )
        state = "" if sweep.state == SweepState.FINISHED else f" ({sweep.state})"
        self.stdout.write(
            f"Sweep {sweep.pk}{state} in {seconds:.1f} s: {sweep.mirrors_checked} mirrors "
            f"checked, {sweep.mirrors_failed} unreachable, {sweep.checks_count} checks."
        )
        if not sweep.master_ok:
            self.stdout.write(self.style.WARNING("The master did not answer:\n" + sweep.notes))
        rows = [
            ("up", status["up"], "answer the checks"),
            ("down", status["down"], "failed the last checks"),
            ("current", len((have & up) - behind - missing), "every repository current"),
            ("behind", len(behind), "some repository behind the master"),
            ("incomplete", len(missing), "some repository missing"),
            ("missing ISOs", len(isos), "some ISO image missing or of the wrong size"),
        ]
        self.stdout.write("")
        for label, count, meaning in rows:
            self.stdout.write(f"  {label:<14}{count:>6}   {meaning}")
