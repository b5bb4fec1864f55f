"""Writes of the servers app: a server's details, roles and admins, and its removal. The
admin and the API both save through here."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from apps.core.services import instance_delete, instance_save

from ..models import Role, Server


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
    many-to-many choices itself, in the same transaction."""
    instance_save(instance=server, by=by, changed=changed)
    if roles is not None:
        server.roles.set([Role.objects.get_or_create(name=name)[0] for name in roles])
    if admins is not None:
        server.admins.set(admins)
    return server


@transaction.atomic
def server_delete(*, server: Server, by=None) -> None:
    """Remove a server from the inventory (its traffic goes with it); a sponsor's page
    stops counting it. Retiring it (status "retired") keeps its history instead."""
    instance_delete(instance=server, by=by)
