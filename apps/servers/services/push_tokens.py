"""Per-server push keys: issue one (the key is shown once and kept as its SHA-256), find
the server a key belongs to, note its use, revoke it. Every write to ServerPushToken goes
through here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.audit import records_by
from apps.core.tokens import key_mint, key_revoke, token_for_key

from ..models import Server, ServerPushToken

KEY_PREFIX = "srv_"  # tells a server's key from a person's ("ptl_")
PREFIX_LENGTH = len(KEY_PREFIX) + 8
MAX_ACTIVE_PER_SERVER = 5


@records_by
@transaction.atomic
def push_token_issue(*, server: Server, name: str, by=None) -> tuple[ServerPushToken, str]:
    """Make a push key for `server` and return it with the raw key, which is never stored:
    the caller shows it once."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the key a name."})
    Server.objects.select_for_update().filter(pk=server.pk).first()
    if ServerPushToken.objects.active().filter(server=server).count() >= MAX_ACTIVE_PER_SERVER:
        raise ValidationError(
            {"name": f"{server} has {MAX_ACTIVE_PER_SERVER} active push keys; revoke one first."}
        )
    return key_mint(ServerPushToken, KEY_PREFIX, server=server, name=name)


@records_by
@transaction.atomic
def push_token_revoke(*, token: ServerPushToken, by=None) -> ServerPushToken:
    """Revoke a key at once; revoking twice keeps the first time."""
    return key_revoke(token, by=by)


def push_token_for_key(key: str) -> ServerPushToken | None:
    """The push key a raw key is, revoked or not, with its server; None if unknown."""
    return token_for_key(key, ServerPushToken.objects.select_related("server"))
