"""Writes of the servers app: a server's details, roles and admins, and its removal. The
admin and the API both save through here."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from apps.core.audit import records_by
from apps.core.services import instance_delete, instance_save

from ..models import Role, Server
from .condition_services import server_services_derive


@records_by
@transaction.atomic
def server_save(
    *,
    server: Server,
    by=None,
    changed: Iterable[str] = (),
    roles: Iterable[str] | None = None,
    admins: Iterable | None = None,
) -> Server:
    """Validate and save a server, with its roles (names of ServerRole; a role's row is
    made on first use) and admins. None leaves them as they are: the admin saves its
    many-to-many choices itself, in the same transaction, and then re-derives the server's
    service checks. New roles bring their service checks (server_services_derive)."""
    created = server.pk is None
    instance_save(instance=server, by=by, changed=changed)
    if roles is not None:
        server.roles.set([Role.objects.get_or_create(name=name)[0] for name in roles])
    if roles is not None or created:
        server_services_derive(server=server)
    if admins is not None:
        server.admins.set(admins)
    return server


@records_by
@transaction.atomic
def server_delete(*, server: Server, by=None) -> None:
    """Remove a server from the inventory (its traffic goes with it); a sponsor's page
    stops counting it. Retiring it (status "retired") keeps its history instead."""
    instance_delete(instance=server, by=by)
