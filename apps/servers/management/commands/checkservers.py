"""Run one round of the servers' service checks in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from apps.servers.models import Server, ServerService
from apps.servers.services.condition_services import (
    server_services_derive,
    service_checks_run,
    services_run_due,
)


class Command(BaseCommand):
    help = (
        "Run the servers' due service checks now, as a Celery round would (--all: every "
        "active check, due or not), and print each service's state."
    )

    def add_arguments(self, parser):
        parser.add_argument("hostnames", nargs="*", help="only these servers (all checks)")
        parser.add_argument("--all", action="store_true", help="every active check, due or not")

    def handle(self, *args, hostnames=(), all=False, **options):
        servers = Server.objects.in_service()
        if hostnames:
            servers = servers.filter(hostname__in=hostnames)
            missing = set(hostnames) - set(servers.values_list("hostname", flat=True))
            if missing:
                raise CommandError(f"No server in service is called {', '.join(sorted(missing))}.")
        if hostnames or all:
            for server in servers:
                server_services_derive(server=server)
            active = ServerService.objects.filter(
                server__in=servers, passive=False, enabled=True
            ).select_related("server")
            results = service_checks_run(services=list(active))
            counts = {"checked": len(results), "stale": 0}
        else:
            counts = services_run_due()
        shown = ServerService.objects.filter(server__in=servers, last_check__isnull=False)
        for service in shown.select_related("server").order_by("server__hostname", "name"):
            self.stdout.write(
                f"{service.server.hostname:30} {service.name:14} {service.state.upper():8} "
                f"{service.state_type.upper()} {service.attempt}/{service.max_attempts}  "
                f"{service.output}"
            )
        self.stdout.write(f"{counts['checked']} checks run, {counts['stale']} stale readings.")
