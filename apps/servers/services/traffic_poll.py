"""One SNMP round: read every enabled target's counters (apps.servers.snmp, bounded in
parallel, outside any transaction) and record each interface's reading; the target keeps
when it was polled and the last error. Agents on addresses the policy forbids are skipped
with the reason."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from apps.core.client_ip import valid_ip
from apps.core.http.targets import TargetPolicy

from ..choices import TrafficSource
from ..models import SnmpTarget
from ..snmp import Agent, agents_read
from .traffic import traffic_reading_record


@dataclass
class PollRound:
    polled: int = 0
    readings: int = 0
    counted: int = 0
    failed: int = 0


def _address_error(host: str, policy: TargetPolicy) -> str:
    """Why the agent at `host` may not be polled; "" when it may."""
    if valid_ip(host):
        return "" if policy.address_allowed(host) else f"{host} is not a public address"
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)}
    except OSError:
        return f"{host} does not resolve"
    for address in addresses:
        if not policy.address_allowed(address.split("%")[0]):
            return f"{host} ({address}) is not a public address"
    return ""


def traffic_poll_round(*, targets=None) -> PollRound:
    """Poll `targets` (default: every enabled one) once and record what they answered."""
    if targets is None:
        targets = SnmpTarget.objects.filter(enabled=True).select_related("server")
    targets = list(targets)
    policy = TargetPolicy.from_networks(settings.TRAFFIC_SNMP_ALLOW_NETWORKS)
    by_server = {target.server_id: target for target in targets}
    agents, errors = [], {}
    for target in targets:
        error = _address_error(target.host, policy)
        if error:
            errors[target.server_id] = error
        else:
            agents.append(
                Agent(target.server_id, target.host, target.port, target.community, target.if_index)
            )
    result = PollRound(polled=len(targets))
    for reading in agents_read(
        agents,
        concurrency=settings.TRAFFIC_POLL_CONCURRENCY,
        timeout=settings.TRAFFIC_POLL_TIMEOUT,
    ):
        target = by_server[reading.key]
        if reading.error:
            errors[reading.key] = reading.error
            continue
        with transaction.atomic():
            for interface in reading.interfaces:
                recorded = traffic_reading_record(
                    server=target.server,
                    interface=interface.name,
                    at=reading.at,
                    in_octets=interface.in_octets,
                    out_octets=interface.out_octets,
                    uptime_ticks=reading.uptime_ticks,
                    source=TrafficSource.SNMP,
                    max_mbps=target.max_mbps or interface.speed_mbps,
                )
                result.readings += 1
                result.counted += bool(recorded.delta and recorded.delta.counted)
            _target_note(target, reading.at, "")
    for server_id, error in errors.items():
        result.failed += 1
        _target_note(by_server[server_id], None, error)
    return result


def _target_note(target: SnmpTarget, at, error: str) -> None:
    fields = {"last_error": error[:300]}
    if at is not None:
        fields["last_polled_at"] = at
    SnmpTarget.objects.filter(pk=target.pk).update(**fields)
