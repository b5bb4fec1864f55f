"""A server's service checks: made from its roles (settings.SERVER_CHECK_ROLES, plus the
passive disk and load every server has) and re-made when they change; and one round of
checks, running the due plugins in bounded parallel and taking each result through the
state machine."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.http.targets import TargetPolicy

from ..choices import ServerCondition
from ..models import Server, ServerService, ServiceCheckResult
from .condition_plugins import CommandError, PluginResult, command_build, plugin_run
from .condition_states import service_result_record

PASSIVE = {"disk": "Disk", "load": "Load"}  # plugin name: service name


def services_for_roles(roles) -> list[str]:
    """The plugin names a server with these roles is checked with, in a stable order."""
    names: list[str] = []
    for role in sorted(roles):
        for plugin in settings.SERVER_CHECK_ROLES.get(role, ()):
            if plugin not in names:
                names.append(plugin)
    return names


@transaction.atomic
def server_services_derive(*, server: Server) -> list[ServerService]:
    """Make the services the server's roles call for and drop the derived ones they no
    longer call for (with their history); services added by hand are kept as they are."""
    roles = list(server.roles.values_list("name", flat=True))
    wanted = {}
    for plugin in services_for_roles(roles):
        entry = settings.SERVER_CHECK_PLUGINS.get(plugin)
        if entry is not None:
            wanted[entry.get("label", plugin)] = (plugin, False)
    for plugin, name in PASSIVE.items():
        wanted[name] = (plugin, True)
    existing = {s.name: s for s in ServerService.objects.filter(server=server)}
    stale = [s.pk for name, s in existing.items() if s.derived and name not in wanted]
    ServerService.objects.filter(pk__in=stale).delete()
    now = timezone.now()
    for name, (plugin, passive) in wanted.items():
        if name in existing:
            continue
        first = (
            now + dt.timedelta(minutes=settings.SERVER_READINGS_STALE_MINUTES) if passive else now
        )
        ServerService.objects.create(
            server=server, name=name, plugin=plugin, passive=passive, derived=True,
            check_interval=settings.SERVER_CHECK_INTERVAL,
            retry_interval=settings.SERVER_CHECK_RETRY_INTERVAL,
            max_attempts=settings.SERVER_CHECK_MAX_ATTEMPTS,
            freshness=settings.SERVER_READINGS_STALE_MINUTES * 60, next_check=first,
        )  # fmt: skip
    return list(ServerService.objects.filter(server=server))


@dataclass(frozen=True, slots=True)
class Job:
    """What a worker thread needs to run one active check, read before the threads start."""

    service_id: int
    argv: list[str] | None
    problem: str = ""


def server_address(server: Server, policy: TargetPolicy) -> str:
    """The address the plugins are pointed at: the server's IPv4, else its IPv6, else its
    host name resolved now; refused unless the probe policy allows it (SSRF)."""
    address = server.ipv4 or server.ipv6
    if not address:
        try:
            infos = socket.getaddrinfo(server.hostname, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise CommandError(f"cannot resolve {server.hostname}: {exc}") from None
        address = str(ipaddress.ip_address(infos[0][4][0]))
    if not policy.address_allowed(address):
        raise CommandError(f"{server.hostname} ({address}) is not an address the checks may probe")
    return address


def job_for(service: ServerService, policy: TargetPolicy) -> Job:
    entry = settings.SERVER_CHECK_PLUGINS.get(service.plugin)
    if entry is None:
        return Job(service.pk, None, f"no plugin called '{service.plugin}' in SERVER_CHECK_PLUGINS")
    server = service.server
    try:
        values = {
            "hostname": server.hostname, "ipv4": server.ipv4, "ipv6": server.ipv6,
            "timeout": settings.SERVER_CHECK_TIMEOUT, "address": server_address(server, policy),
            **(service.arguments or {}),
        }  # fmt: skip
        return Job(service.pk, command_build(entry, values))
    except CommandError as exc:
        return Job(service.pk, None, str(exc))


def job_run(job: Job) -> PluginResult:
    if job.argv is None:
        return PluginResult(ServerCondition.UNKNOWN, f"UNKNOWN - {job.problem}")
    # A little over the plugin's own -t, so that a plugin's own timeout answer wins.
    return plugin_run(job.argv, timeout=settings.SERVER_CHECK_TIMEOUT + 2)


def service_checks_run(*, services, now: dt.datetime | None = None) -> list[ServiceCheckResult]:
    """Run these active services' plugins now, SERVER_CHECK_CONCURRENCY at a time, and
    record every result."""
    policy = TargetPolicy.from_settings()
    jobs = [job_for(service, policy) for service in services]
    if not jobs:
        return []
    workers = max(1, min(settings.SERVER_CHECK_CONCURRENCY, len(jobs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="server-check") as pool:
        results = list(pool.map(job_run, jobs))
    by_id = {s.pk: s for s in services}
    return [
        service_result_record(service=by_id[job.service_id], result=result, checked_at=now)
        for job, result in zip(jobs, results, strict=True)
    ]


def services_run_due(*, now: dt.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """One round: every due active service is checked; every due passive one has had no
    reading for its freshness threshold and is recorded stale. Returns the counts."""
    now = now or timezone.now()
    due = list(
        ServerService.objects.due(now).select_related("server").order_by("next_check")[:limit]
    )
    active = [s for s in due if not s.passive]
    passive = [s for s in due if s.passive]
    service_checks_run(services=active)
    stale_state = ServerCondition(settings.SERVER_READINGS_STALE_STATE)
    for service in passive:
        minutes = round((now - (service.last_check or service.created)).total_seconds() / 60)
        output = f"{stale_state.label.upper()} - no readings pushed for {minutes} min"
        service_result_record(
            service=service, result=PluginResult(stale_state, output), checked_at=now, stale=True
        )
    return {"checked": len(active), "stale": len(passive)}


def service_results_prune(*, now: dt.datetime | None = None) -> int:
    """Drop results older than SERVER_CHECK_HISTORY_DAYS."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.SERVER_CHECK_HISTORY_DAYS)
    return ServiceCheckResult.objects.filter(checked_at__lt=cutoff).delete()[0]
