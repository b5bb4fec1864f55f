"""Every admin changelist answers on the demo data with a bounded number of queries."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.mirrors.models import Mirror

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


def test_every_changelist_answers_with_bounded_queries(
    demo, staff_client, django_assert_max_num_queries
):
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


def paginator(page: str) -> str:
    """The text of the changelist's <p class="paginator">: "1 mirror", "33 servers"."""
    found = re.search(r'<p class="paginator">(.*?)</p>', page, re.DOTALL)
    assert found, "no paginator"
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split())


def row_links(page: str) -> list[str]:
    """The text of each result row's link (its first column, the object's name)."""
    table = re.search(r'<table id="result_list">.*?</table>', page, re.DOTALL)
    assert table, "no result list"
    return re.findall(r'<th class="field-\w+"><a href="[^"]*">([^<]*)</a></th>', table[0])


def test_changelists_show_rows(demo, staff_client):
    page = staff_client.get(
        reverse("admin:mirrors_mirror_changelist"), {"country__exact": "PR"}
    ).content.decode()
    assert paginator(page) == "1 mirror"
    assert row_links(page) == list(
        Mirror.objects.filter(country="PR").values_list("name", flat=True)
    )
    # The filter's "(N total)" counts every mirror.
    assert re.search(r"\b1 result \(<a [^>]*>(\d+) total</a>\)", page)[1] == str(
        Mirror.objects.count()
    )
    page = staff_client.get(reverse("admin:servers_server_changelist"), {"q": "msync"}).content
    assert row_links(page.decode()) == ["msync1.example.org", "msync2.example.org"]


@pytest.mark.django_db
def test_admin_requires_staff(client):
    response = client.get(reverse("admin:mirrors_mirror_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
