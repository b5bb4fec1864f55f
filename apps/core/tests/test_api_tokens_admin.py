"""Staff revoke anybody's API token in the admin (a leaked key, a person who left); the key
answers 401 from the next request on. Nobody makes keys there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.models import ApiToken
from apps.core.tokens import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer_key(django_user_model):
    user = django_user_model.objects.create_user("vol", "vol@example.org", "pw-tests")
    token, key = token_issue(user=user, name="sync script")
    return token, key


def test_staff_revoke_a_volunteer_s_token_in_the_admin(admin_client, client, volunteer_key):
    token, key = volunteer_key
    changelist = reverse("admin:core_apitoken_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "sync script" in page and token.prefix in page
    assert key not in page  # the key itself is never stored, so never shown
    assert client.get("/api/v1/mirrors/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200

    response = admin_client.post(
        changelist, {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "Revoked 1 token(s)." in response.content.decode()
    answer = client.get("/api/v1/mirrors/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]
    assert admin_client.get(reverse("admin:core_apitoken_add")).status_code == 403


def test_a_volunteer_cannot_reach_the_tokens_admin(client, django_user_model, volunteer_key):
    token, _key = volunteer_key
    client.force_login(token.user)
    response = client.get(reverse("admin:core_apitoken_changelist"))
    assert response.status_code == 302  # to the admin's login: not staff
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
