"""Every admin changelist answers on the demo world with a bounded number of queries."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.demo.services import demo_load

MAX_QUERIES = 15  # session, user, count, page and the filters' choices; never one per row


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-tests")
    client.force_login(user)
    return client


def registered_models():
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label != "django_celery_beat"),
        key=lambda m: m._meta.label,
    )


@pytest.mark.django_db
def test_every_changelist_answers_with_bounded_queries(staff_client, django_assert_max_num_queries):
    demo_load(now=dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC))
    checked = []
    for model in registered_models():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        with django_assert_max_num_queries(MAX_QUERIES):
            response = staff_client.get(url)
        assert response.status_code == 200, url
        with django_assert_max_num_queries(MAX_QUERIES):
            response = staff_client.get(url, {"q": "example"})
        assert response.status_code == 200, url
        checked.append(opts.label)
    assert {"mirrors.Mirror", "servers.Server", "sponsors.Sponsor", "releases.Release"} <= set(
        checked
    )


@pytest.mark.django_db
def test_changelists_show_rows(staff_client):
    demo_load(now=dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC))
    page = staff_client.get(reverse("admin:mirrors_mirror_changelist"), {"country__exact": "PR"})
    assert "173 mirrors" not in page.content.decode()
    assert "1 mirror" in page.content.decode()
    page = staff_client.get(reverse("admin:servers_server_changelist"), {"q": "msync"})
    assert "msync1.example.org" in page.content.decode()


@pytest.mark.django_db
def test_admin_requires_staff(client):
    response = client.get(reverse("admin:mirrors_mirror_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
