"""Create or update every periodic task (django-celery-beat), from apps.core.schedule."""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core.schedule import schedule_setup


class Command(BaseCommand):
    help = (
        "Create the periodic sweep, the health loop, the daily history task, the server "
        "checks, the SNMP poll and the heartbeat in django-celery-beat, each enabled when "
        "its setting says so (MIRROR_CHECK_PERIODIC, SERVER_CHECK_PERIODIC, "
        "TRAFFIC_POLL_PERIODIC; off by default in development). "
        "Idempotent; an interval changed in the admin is kept."
    )

    def add_arguments(self, parser):
        switch = parser.add_mutually_exclusive_group()
        switch.add_argument("--enable", action="store_true", help="turn the sweeps on")
        switch.add_argument("--disable", action="store_true", help="turn the sweeps off")
        parser.add_argument("--every", type=int, metavar="MINUTES", help="sweep interval")

    def handle(self, *args, enable=False, disable=False, every=None, **options):
        enabled = True if enable else False if disable else None
        tasks = schedule_setup(enabled=enabled, interval_minutes=every)
        sweep, aggregate = tasks["mirrors.sweep_start"], tasks["mirrors.checks_aggregate"]
        state = "enabled" if sweep.enabled else "disabled"
        self.stdout.write(
            f"Mirror checks every {sweep.interval.every} minutes: {state} "
            f"(periodic tasks {sweep.pk} and {aggregate.pk})."
        )
        servers = tasks["servers.service_checks_round"]
        self.stdout.write(
            f"Server checks: a round every {servers.interval.every} s, "
            f"{'enabled' if servers.enabled else 'disabled'} (periodic task {servers.pk})."
        )
        health = "on" if settings.MIRROR_HEALTH_ENABLED else "off (MIRROR_HEALTH_ENABLED)"
        self.stdout.write(
            f"Health loop every {settings.MIRROR_HEALTH_INTERVAL_SECONDS:g} s between the "
            f"sweeps: {health}, with the sweeps {state}."
        )
        poll = tasks["servers.traffic_poll"]
        polling = "enabled" if poll.enabled else "disabled (TRAFFIC_POLL_PERIODIC)"
        self.stdout.write(f"Bandwidth SNMP poll every {poll.interval.every} minutes: {polling}.")
        beat = tasks["core.heartbeat"]
        self.stdout.write(
            f"Worker heartbeat and outbox every {beat.interval.every} s (periodic task {beat.pk})."
        )
