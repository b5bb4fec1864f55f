"""Run one SNMP round now, in the foreground, and say what it read."""

from django.core.management.base import BaseCommand

from apps.servers.models import SnmpTarget
from apps.servers.services.traffic_poll import traffic_poll_round


class Command(BaseCommand):
    help = "Poll every enabled SNMP target once (ifHCInOctets/ifHCOutOctets, sysUpTime)."

    def add_arguments(self, parser):
        parser.add_argument("hostnames", nargs="*", help="Only these servers.")

    def handle(self, *args, hostnames, **options):
        targets = SnmpTarget.objects.filter(enabled=True).select_related("server")
        if hostnames:
            targets = targets.filter(server__hostname__in=hostnames)
        result = traffic_poll_round(targets=targets)
        self.stdout.write(
            f"Polled {result.polled} targets: {result.readings} interface readings, "
            f"{result.counted} counted, {result.failed} failed."
        )
        for target in targets.exclude(last_error=""):
            self.stderr.write(f"{target.server}: {target.last_error}")
