"""Per-server push keys: issue one (the key is shown once and kept as its SHA-256), find
the server a key belongs to, note its use, revoke it. Every write to ServerPushToken goes
through here."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import audit_record, records_by
from apps.core.tokens import key_hash, token_for_key

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
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ServerPushToken(
        server=server, name=name, prefix=key[:PREFIX_LENGTH], key_hash=key_hash(key)
    )
    token.full_clean()
    token.save()
    return token, key


@records_by
@transaction.atomic
def push_token_revoke(*, token: ServerPushToken, by=None) -> ServerPushToken:
    """Revoke a key at once; revoking twice keeps the first time."""
    revoked = ServerPushToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    if revoked:
        audit_record(token, changes={"revoked_at": (None, token.revoked_at)}, by=by)
    return token


def push_token_for_key(key: str) -> ServerPushToken | None:
    """The push key a raw key is, revoked or not, with its server; None if unknown."""
    return token_for_key(key, ServerPushToken.objects.select_related("server"))
