"""Nagios' state logic for the server services: every result goes into the history; a
problem from a settled OK is SOFT and retried; after max_attempts problems in a row it is
HARD; a HARD change (a problem settling, its state changing, a recovery) emails staff once;
the server's condition is the worst hard state of its services."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.core.mail import portal_message

from ..choices import ServerCondition, StateType
from ..models import Server, ServerService, ServiceCheckResult
from ..models.service_checks import SEVERITY
from .condition_plugins import PluginResult

logger = logging.getLogger(__name__)
OK = ServerCondition.OK


@dataclass(frozen=True, slots=True)
class Step:
    """Where one result leaves a service."""

    state: str
    state_type: str
    attempt: int
    hard_change: bool


def state_next(
    *, state: str, state_type: str, attempt: int, last_hard_state: str, result: str,
    max_attempts: int,
) -> Step:  # fmt: skip
    """The nagios transition for one result (`result` is the plugin's state)."""
    max_attempts = max(1, max_attempts)
    if result == OK:
        # From a soft problem: a soft recovery, no notice. From a hard one: a hard recovery.
        return Step(OK, StateType.HARD, 1, hard_change=last_hard_state != OK)
    if state == OK:  # the first problem after an OK
        if max_attempts == 1:
            return Step(result, StateType.HARD, 1, hard_change=last_hard_state != result)
        return Step(result, StateType.SOFT, 1, hard_change=False)
    if state_type == StateType.SOFT:
        attempt += 1
        if attempt >= max_attempts:
            return Step(result, StateType.HARD, max_attempts, last_hard_state != result)
        return Step(result, StateType.SOFT, attempt, hard_change=False)
    # A hard problem goes on; a different problem state is a hard change of its own.
    return Step(result, StateType.HARD, attempt, hard_change=result != last_hard_state)


@transaction.atomic
def service_result_record(
    *,
    service: ServerService,
    result: PluginResult,
    checked_at: dt.datetime | None = None,
    stale: bool = False,
) -> ServiceCheckResult:
    """Take one result of a service check (a plugin's run, a pushed reading, a stale
    passive service) through the state machine, keep it in the history, schedule the next
    check (a passive service's: when it turns stale, sooner while a stale result is being
    retried) and refresh the server's condition. A hard state change emails staff after commit."""
    now = checked_at or timezone.now()
    service = ServerService.objects.select_for_update().select_related("server").get(pk=service.pk)
    previous_hard = service.last_hard_state
    step, row = _step(service=service, result=result, when=now)
    retrying = step.state_type == StateType.SOFT
    if service.passive:
        wait = service.retry_interval if retrying and stale else service.freshness
    else:
        wait = service.retry_interval if retrying else service.check_interval
    service.next_check = now + dt.timedelta(seconds=wait)
    service.save()
    row.save()
    server_condition_refresh(server=service.server)
    if step.hard_change:
        transaction.on_commit(
            lambda: condition_notice_send(service=service, previous=previous_hard)
        )
    return row


def _step(*, service: ServerService, result: PluginResult, when: dt.datetime):
    """Take one result through nagios' state machine on `service` (in memory) and return the
    step and the history row to keep (not saved)."""
    step = state_next(
        state=service.state, state_type=service.state_type, attempt=service.attempt,
        last_hard_state=service.last_hard_state, result=result.state,
        max_attempts=service.max_attempts,
    )  # fmt: skip
    if step.state != service.state or service.last_state_change is None:
        service.last_state_change = when
    if step.hard_change or (service.last_hard_state_change is None and step.state_type == "hard"):
        service.last_hard_state_change = when
    if step.state_type == StateType.HARD:
        service.last_hard_state = step.state
    service.state, service.state_type, service.attempt = step.state, step.state_type, step.attempt
    service.last_check = when
    service.output, service.long_output = result.output[:2000], result.long_output[:8000]
    service.perfdata = result.perfdata
    row = ServiceCheckResult(
        service=service, checked_at=when, state=step.state, state_type=step.state_type,
        attempt=step.attempt, hard_change=step.hard_change, exit_code=result.exit_code,
        duration_ms=result.duration_ms, output=service.output, long_output=service.long_output,
        perfdata=result.perfdata,
    )  # fmt: skip
    return step, row


def server_condition_refresh(*, server: Server) -> str:
    """Set the server's condition to the worst hard state of its checked, enabled services
    (unknown while none has been checked)."""
    states = (
        ServerService.objects.filter(server=server, enabled=True, last_check__isnull=False)
        .values_list("last_hard_state", flat=True)
        .distinct()
    )
    condition = max(states, key=SEVERITY.__getitem__, default=ServerCondition.UNKNOWN)
    if condition != server.condition:
        Server.objects.filter(pk=server.pk).update(condition=condition)
        server.condition = condition
    return condition


def condition_recipients() -> list[str]:
    if settings.SERVER_CHECK_EMAILS:
        return list(settings.SERVER_CHECK_EMAILS)
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(set(staff.values_list("email", flat=True)))


def condition_notice_send(*, service: ServerService, previous: str) -> int:
    """Email staff a nagios-style alert about a hard state change; a mail outage is logged,
    never raised (the result is already kept)."""
    recipients = condition_recipients()
    if not recipients:
        return 0
    kind = "RECOVERY" if service.state == OK else "PROBLEM"
    state = service.get_state_display().upper()
    subject = f"** {kind} Service Alert: {service.server.hostname}/{service.name} is {state} **"
    body = (
        f"Service: {service.name}\nHost: {service.server.hostname}\n"
        f"State: {state} (was {ServerCondition(previous).label.upper()})\n"
        f"Date/Time: {service.last_check:%Y-%m-%d %H:%M:%S %Z}\n\n"
        f"Additional Info:\n\n{service.output}\n"
        + (f"{service.long_output}\n" if service.long_output else "")
    )
    try:
        return portal_message(subject=subject, body=body, to=recipients).send()
    except Exception:  # a mail server outage must not undo a check
        logger.exception("Could not send the alert about %s", service)
        return 0


@transaction.atomic
def service_results_replay(
    *, service: ServerService, results: list[tuple[dt.datetime, PluginResult]]
) -> int:
    """Take a series of past results (oldest first) through the state machine at once and
    keep them in the history, as imported from another monitor (or the demo's): the same
    states as one by one, in a few queries, and no emails (they are not news)."""
    service = ServerService.objects.select_for_update().select_related("server").get(pk=service.pk)
    rows = [_step(service=service, result=result, when=when)[1] for when, result in results]
    if service.last_check is not None:
        soft = service.state_type == StateType.SOFT
        wait = (
            service.retry_interval
            if soft
            else service.freshness
            if service.passive
            else service.check_interval
        )
        service.next_check = service.last_check + dt.timedelta(seconds=wait)
    service.save()
    ServiceCheckResult.objects.bulk_create(rows)
    server_condition_refresh(server=service.server)
    return len(rows)
