"""manage.py exportdns: msync's answers as a PowerDNS GeoIP backend zone file or a BIND zone."""

from django.core.management.base import BaseCommand, CommandError

from apps.mirrors.services.dns import FORMATS, dns_zone_export


class Command(BaseCommand):
    help = (
        "Write msync's answer (the close, healthy, current internal mirror) for every country "
        "and continent as a PowerDNS GeoIP backend zone file (geoip-zones-file) or a BIND zone. "
        "Run it after each sweep (cron) and reload the DNS server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="pdns-geoip", dest="fmt")
        parser.add_argument("--zone", default="example.org", help="msync is msync.<zone>.")
        parser.add_argument("--ttl", type=int, default=300)
        parser.add_argument("--nameserver", default=None, help="Default: ns1.<zone>.")
        parser.add_argument("--output", "-o", required=True, help="The file to write.")

    def handle(self, *args, fmt, zone, ttl, nameserver, output, **options):
        try:
            written = dns_zone_export(
                path=output, fmt=fmt, zone=zone, ttl=ttl, nameserver=nameserver
            )
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Wrote {output} ({fmt}): {written['names']} names, {written['netblocks']} "
            f"netblocks; clients nobody can locate get {written['world'] or 'nothing'}."
        )
