"""Who did it. Every service that takes `by=` runs inside `acting(by)` (the `records_by`
decorator), so django-auditlog's LogEntry names that person on each registered row the
service writes; what no person's service writes (the checks, Celery's rounds) is recorded
with no actor, which the admin shows as the system. Staff read it on each object's admin
page (apps.core.admin.ServiceAdmin's History)."""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar

from auditlog.context import set_actor
from auditlog.registry import auditlog

_acting: ContextVar[bool] = ContextVar("portal_acting", default=False)


def person(by):
    """`by` when it is a signed-in person, else None (the system, or an anonymous visitor)."""
    return by if getattr(by, "pk", None) and getattr(by, "is_authenticated", False) else None


@contextlib.contextmanager
def acting(by):
    """Name `by` as the actor of the audit records written inside. The outermost caller
    wins: a service that calls another keeps the person it was given."""
    if _acting.get():
        yield
        return
    token = _acting.set(True)
    try:
        with set_actor(person(by)):
            yield
    finally:
        _acting.reset(token)


def records_as(keyword: str):
    """Run the service inside `acting(<its keyword argument>)`: `owner` for a registration,
    `user` for a person's own token."""

    def wrap(service):
        @functools.wraps(service)
        def run(*args, **kwargs):
            with acting(kwargs.get(keyword)):
                return service(*args, **kwargs)

        run.records_by = True
        return run

    return wrap


records_by = records_as("by")
records_by.__doc__ = "Run the service inside `acting(by)`, `by` being its keyword argument."


def audit_register(model, **options) -> None:
    """Keep an audit record of each create, change and delete of `model` (options as
    auditlog.register's: `exclude_fields` for what the checks rewrite every round)."""
    if not auditlog.contains(model):
        auditlog.register(model, **options)


def audit_record(instance, *, changes: dict, by=None):
    """Record a change made without a save signal (an UPDATE of many rows, a bulk_update):
    `changes` is {field: [before, after]}; `by` None is the system."""
    from auditlog.models import LogEntry

    return LogEntry.objects.log_create(
        instance, force_log=True, action=LogEntry.Action.UPDATE, actor=person(by),
        changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
    )  # fmt: skip
