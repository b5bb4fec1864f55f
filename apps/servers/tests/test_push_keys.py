"""Per-server push keys: issued once by the command (only the hash kept), listed, revoked;
the admin revokes too and never makes one."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.servers.models import ServerPushToken
from apps.servers.services.push_tokens import MAX_ACTIVE_PER_SERVER, push_token_for_key

from .factories import ServerFactory

pytestmark = pytest.mark.django_db


def issue(hostname: str, name: str = "cron") -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("serverpushkey", hostname, "--name", name, stdout=out, stderr=err)
    assert "shown only now" in err.getvalue()
    return out.getvalue().strip()


def test_a_key_is_printed_once_kept_hashed_and_revoked():
    server = ServerFactory(hostname="www1.example.org")
    key = issue("www1.example.org")
    assert key.startswith("srv_") and len(key) == 47
    token = ServerPushToken.objects.get(server=server)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.name, token.prefix, token.key_hash}
    assert push_token_for_key(key).server == server

    listing = io.StringIO()
    call_command("serverpushkey", "www1.example.org", "--list", stdout=listing)
    assert f"{token.prefix}…  cron  active" in listing.getvalue()

    call_command(
        "serverpushkey", "www1.example.org", "--revoke", token.prefix, stdout=io.StringIO()
    )
    assert push_token_for_key(key).revoked_at is not None


def test_bad_requests_say_why_and_change_nothing():
    ServerFactory(hostname="www1.example.org")
    with pytest.raises(CommandError, match="No server is called 'nope.example.org'"):
        call_command("serverpushkey", "nope.example.org")
    with pytest.raises(CommandError, match="Give the key a name"):
        call_command("serverpushkey", "www1.example.org", "--name", "  ")
    for _ in range(MAX_ACTIVE_PER_SERVER):
        issue("www1.example.org")
    with pytest.raises(CommandError, match="revoke one first"):
        issue("www1.example.org")
    assert ServerPushToken.objects.count() == MAX_ACTIVE_PER_SERVER


def test_staff_revoke_keys_in_the_admin(admin_client):
    ServerFactory(hostname="www1.example.org")
    key = issue("www1.example.org")
    token = push_token_for_key(key)
    changelist = reverse("admin:servers_serverpushtoken_changelist")
    assert token.prefix in admin_client.get(changelist).content.decode()
    admin_client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    assert push_token_for_key(key).revoked_at is not None
    assert admin_client.get(reverse("admin:servers_serverpushtoken_add")).status_code == 403
