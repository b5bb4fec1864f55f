"""Text people type is escaped wherever a page shows it: a mirror's name in the
registration form's suggestion (it was printed with |safe: stored XSS), and a sponsor's
Markdown description (cleaned by nh3, never trusted raw)."""

import pytest
from django.urls import reverse

from .factories import internal_mirror_create

EVIL = '<img src=x onerror="alert(document.cookie)">'


@pytest.fixture
def volunteer_client(client, django_user_model):
    user = django_user_model.objects.create_user("vol", "vol@example.org", "a-long-password-1")
    client.force_login(user)
    return client


def test_a_suggested_mirror_named_with_markup_is_shown_as_text(volunteer_client):
    internal_mirror_create(f"internal{EVIL}.fr", "FR", latitude=48.9, longitude=2.35)
    page = volunteer_client.get(reverse("mirrors:register") + "?country=BE").content.decode()
    assert "<img src=x" not in page
    assert (
        "For Belgium we suggest internal&lt;img src=x onerror=&quot;alert(document.cookie)"
        "&quot;&gt;.fr, the nearest healthy, current internal mirror." in page
    )


def test_a_sponsor_description_keeps_its_markdown_and_loses_its_script(client, db):
    from apps.sponsors.tests.factories import SponsorFactory

    sponsor = SponsorFactory(description=f"We **give** bandwidth.\n\n{EVIL}<script>x()</script>")
    page = client.get(sponsor.get_absolute_url()).content.decode()
    assert "<strong>give</strong>" in page
    assert "onerror" not in page and "<script>x()" not in page
