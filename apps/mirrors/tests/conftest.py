"""The mirrors' tests. Their fixtures (the farm's master tree as the portal sees it, a Mirror
row per simulated mirror, the health loop's farm and live front) are in fixtures.py, which
the root conftest loads for every app's tests; the volunteer of the registration and owners'
pages is here."""

import pytest


@pytest.fixture
def volunteer(django_user_model):
    return django_user_model.objects.create_user("vol", "vol@example.org", "a-long-password-1")


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer)
    return client
