"""API tokens: issue one (the key is shown once and kept only as its SHA-256), find the
token a key belongs to, note its use, revoke it. Every write to ApiToken goes through here.
Finding a key and noting its use serve the servers' push keys too (any model with
key_hash, last_used_at and revoked_at)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .audit import audit_record, records_as, records_by
from .models import ApiToken

KEY_PREFIX = "ptl_"  # "portal": lets secret scanners and people recognise a key
PREFIX_LENGTH = len(KEY_PREFIX) + 8  # "ptl_" and the first 8 random characters
MAX_ACTIVE_PER_USER = 10
# A token's last use is written at most this often: one UPDATE a minute, not one a request.
TOUCH_EVERY = timedelta(minutes=1)


def key_hash(key: str) -> str:
    """The SHA-256 hex digest a key is stored and looked up as. A key has 256 random bits,
    so a plain hash is enough (no salt or slow hash: nobody can guess one)."""
    return hashlib.sha256(key.encode()).hexdigest()


@records_as("user")
@transaction.atomic
def token_issue(*, user, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user` and return it with its raw key, which is never stored:
    the caller shows it once. At most MAX_ACTIVE_PER_USER active tokens per person."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name."})
    # Lock the person's row so that two requests at once cannot both pass the count.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_PER_USER:
        raise ValidationError(
            {"name": f"You have {MAX_ACTIVE_PER_USER} active tokens; revoke one first."}
        )
    return key_mint(ApiToken, KEY_PREFIX, user=user, name=name)


def key_mint(model, prefix: str, **fields):
    """A new key of `model` (a person's token or a server's push key) and the raw key, which
    is never stored: only its first characters, to recognise it, and its SHA-256."""
    key = prefix + secrets.token_urlsafe(32)
    token = model(**fields, prefix=key[: len(prefix) + 8], key_hash=key_hash(key))
    token.full_clean()
    token.save()
    return token, key


@records_by
def key_revoke(token, *, by):
    """Revoke any key at once (a person's token or a server's push key): it answers 401
    from the next request on; revoking twice keeps the first time."""
    revoked = (
        type(token)
        .objects.filter(pk=token.pk, revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )
    token.refresh_from_db(fields=["revoked_at"])
    if revoked:
        audit_record(token, changes={"revoked_at": (None, token.revoked_at)}, by=by)
    return token


@records_by
@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke a token at once: its key answers 401 from the next request on. `by` is the
    person who did it (the owner or staff); revoking twice keeps the first time."""
    return key_revoke(token, by=by)


def token_for_key(key: str, tokens: QuerySet | None = None):
    """The token a raw key belongs to among `tokens` (default: people's, with their user),
    revoked or not; None if unknown."""
    tokens = ApiToken.objects.select_related("user") if tokens is None else tokens
    return tokens.filter(key_hash=key_hash(key)).first()


def token_touch(*, token) -> None:
    """Note that the token (a person's or a server's) was just used, unless that was noted
    less than a minute ago (one conditional UPDATE at most, no read)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    type(token)._default_manager.filter(pk=token.pk).exclude(
        last_used_at__gt=now - TOUCH_EVERY
    ).update(last_used_at=now)
    token.last_used_at = now
