"""Readings a server pushes (free disk per mount, load averages) turned into passive
results of its Disk and Load services, judged against the thresholds in settings the way
check_disk and check_load judge them, and taken through the same state machine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..choices import ServerCondition
from ..models import Server, ServerService, ServiceCheckResult
from ..models.service_checks import SEVERITY
from .condition_plugins import PluginResult
from .condition_services import server_services_derive
from .condition_states import service_result_record

FUTURE_SLACK = dt.timedelta(minutes=5)  # clocks drift


def disk_judge(disks: Mapping[str, float]) -> PluginResult:
    """check_disk's verdict on free space in %: the worst mount decides."""
    warn, crit = settings.SERVER_DISK_FREE_WARN, settings.SERVER_DISK_FREE_CRIT
    state, parts, perfdata = ServerCondition.OK, [], []
    for mount, free in sorted(disks.items()):
        mount_state = (
            ServerCondition.CRITICAL if free <= crit
            else ServerCondition.WARNING if free <= warn
            else ServerCondition.OK
        )  # fmt: skip
        state = max(state, mount_state, key=SEVERITY.__getitem__)
        parts.append(f"{mount} {free:g}%")
        perfdata.append(
            {"label": mount, "value": float(free), "uom": "%", "warn": f"{warn:g}:",
             "crit": f"{crit:g}:", "min": 0.0, "max": 100.0}
        )  # fmt: skip
    output = f"DISK {state.label.upper()} - free space: {'; '.join(parts)}"
    return PluginResult(state, output, perfdata=perfdata)


def load_judge(load: Sequence[float]) -> PluginResult:
    """check_load's verdict on the 1, 5 and 15 minute load averages."""
    warn, crit = settings.SERVER_LOAD_WARN, settings.SERVER_LOAD_CRIT
    state, perfdata = ServerCondition.OK, []
    for minutes, value, w, c in zip((1, 5, 15), load, warn, crit, strict=True):
        here = (
            ServerCondition.CRITICAL if value > c
            else ServerCondition.WARNING if value > w
            else ServerCondition.OK
        )  # fmt: skip
        state = max(state, here, key=SEVERITY.__getitem__)
        perfdata.append(
            {"label": f"load{minutes}", "value": float(value), "uom": "", "warn": f"{w:g}",
             "crit": f"{c:g}", "min": 0.0, "max": None}
        )  # fmt: skip
    output = f"LOAD {state.label.upper()} - load average: " + ", ".join(f"{v:.2f}" for v in load)
    return PluginResult(state, output, perfdata=perfdata)


@transaction.atomic
def server_readings_record(
    *,
    server: Server,
    disks: Mapping[str, float] | None = None,
    load: Sequence[float] | None = None,
    at: dt.datetime | None = None,
) -> list[ServiceCheckResult]:
    """Record one push of readings (either or both) as results of the server's passive
    Disk and Load services. `at` is when the server took them (default now); a reading
    from the future or older than the freshness threshold is refused."""
    now = timezone.now()
    at = at or now
    errors = {}
    if not disks and load is None:
        errors["non_field_errors"] = "Send disk free space (disks), load averages (load) or both."
    if at > now + FUTURE_SLACK:
        errors["at"] = "This time is in the future; check the server's clock."
    elif at < now - dt.timedelta(minutes=settings.SERVER_READINGS_STALE_MINUTES):
        errors["at"] = (
            f"Readings older than {settings.SERVER_READINGS_STALE_MINUTES} minutes are stale."
        )
    if errors:
        raise ValidationError(errors)
    services = {s.plugin: s for s in ServerService.objects.filter(server=server, passive=True)}
    if not {"disk", "load"} <= set(services):
        services = {s.plugin: s for s in server_services_derive(server=server) if s.passive}
    results = []
    for plugin, given, judge in (("disk", disks, disk_judge), ("load", load, load_judge)):
        service = services.get(plugin)
        if given and service is not None and service.enabled:
            results.append(
                service_result_record(service=service, result=judge(given), checked_at=at)
            )
    return results
