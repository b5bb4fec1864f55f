"""manage.py healthmirrors: rounds of the health loop in the foreground (the same service as
the periodic task), each summed up in one line."""

import time

from django.core.management.base import BaseCommand, CommandError

from apps.mirrors import services


class Command(BaseCommand):
    help = (
        "Run a round of the mirror health loop now: one HEAD of the timestamp file per URL "
        "of every approved mirror that is up or down, and a look at the master's. Prints "
        "what it probed, what failed, what it took down and what it queued for a re-check."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, metavar="SECONDS", help="loop, one round this often"
        )
        parser.add_argument(
            "--rounds", type=int, metavar="N", help="stop after N rounds (default: 1; with "
            "--every and no --rounds, until interrupted)",
        )  # fmt: skip

    def handle(self, *args, every=None, rounds=None, **options):
        if every is not None and every <= 0:
            raise CommandError("--every must be a positive number of seconds.")
        if rounds is not None and rounds < 1:
            raise CommandError("--rounds must be at least 1.")
        if rounds is None:
            rounds = 0 if every else 1  # 0: until interrupted
        done = 0
        try:
            while True:
                started = time.monotonic()
                report = services.health_round()
                done += 1
                self.stdout.write(self._line(done, report))
                if done == rounds:
                    return
                time.sleep(max(0.0, (every or 0) - (time.monotonic() - started)))
        except KeyboardInterrupt:
            self.stdout.write(f"Stopped after {done} rounds.")

    def _line(self, number: int, report) -> str:
        parts = [
            f"Round {number}: {report.mirrors} mirrors probed ({report.requests} requests), "
            f"{report.failed} failed, {len(report.taken_down)} taken down, "
            f"{len(report.rechecks_queued)} queued for a content re-check"
        ]
        if report.taken_down:
            parts.append(f"down: {', '.join(report.taken_down[:10])}")
        if report.rechecks_queued:
            parts.append(f"re-check: {', '.join(report.rechecks_queued[:10])}")
        if report.isolated:
            parts.append("the master did not answer either: no failure counted")
        if report.master_problem:
            parts.append(f"master: {report.master_problem}")
        elif report.master_timestamp is None:
            parts.append("no approved master mirror with an http(s) URL")
        else:
            changed = "changed, refreshed" if report.master_changed else "unchanged"
            parts.append(f"master time {report.master_timestamp} ({changed})")
        return "; ".join(parts) + f"; {report.seconds:.1f} s."
