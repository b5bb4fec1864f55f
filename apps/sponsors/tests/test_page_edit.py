"""A sponsor's contact edits the promotion page through the site: name, website, contact
e-mail, country, a Markdown description (cleaned) and the logo; bad input is a field error
that changes nothing; only the sponsor's contacts and staff get in; the form needs its
CSRF token."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from .factories import SponsorFactory, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def sponsor():
    return SponsorFactory(name="Lyon University", slug="lyon", website="https://lyon.example.org/",
                          description="We *host* a mirror.", country="FR")  # fmt: skip


@pytest.fixture
def contact(client, sponsor, django_user_model):
    person = django_user_model.objects.create_user("amelie", "amelie@lyon.example.org", "pw")
    sponsor.contacts.add(person)
    client.force_login(person)
    return person


def edit_url(sponsor) -> str:
    return reverse("sponsors:edit", kwargs={"slug": sponsor.slug})


def fields(**changes) -> dict:
    data = {"name": "Lyon University", "website": "https://lyon.example.org/", "email": "",
            "country": "FR", "description": "We *host* a mirror."}  # fmt: skip
    return {**data, **changes}


def text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_a_contact_finds_the_link_and_edits_the_page(client, sponsor, contact):
    page = client.get(sponsor.get_absolute_url()).content.decode()
    assert f'<a class="button" href="{edit_url(sponsor)}">Edit your page</a>' in page
    form = client.get(edit_url(sponsor)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in form and 'enctype="multipart/form-data"' in form
    assert 'value="Lyon University"' in form and "We *host* a mirror.</textarea>" in form
    description = "Lyon gives **10 Gbit/s**.\n\n<script>alert(1)</script>[site](javascript:x)"
    response = client.post(edit_url(sponsor), {
        **fields(name="Université de Lyon", website="https://www.univ-lyon.example.org/",
                 email="mirror@univ-lyon.example.org", description=description),
        "logo": SimpleUploadedFile("l.png", png_bytes()),
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == sponsor.get_absolute_url()
    page = client.get(sponsor.get_absolute_url()).content.decode()
    assert "Your page is saved" in page
    assert "<h1>Université de Lyon</h1>" in page
    assert '<a class="button" href="https://www.univ-lyon.example.org/"' in page
    assert '<a href="mailto:mirror@univ-lyon.example.org">' in page
    assert "Lyon gives <strong>10 Gbit/s</strong>." in page
    assert "<script>alert(1)" not in page and "javascript:" not in page
    sponsor.refresh_from_db()
    assert sponsor.slug == "lyon" and sponsor.logo.name.endswith(".png")  # the address stays
    assert 'class="sponsor-logo sponsor-logo-large" src="/media/' in page
    # The logo can go again.
    client.post(edit_url(sponsor), {**fields(name="Université de Lyon"), "remove_logo": "on"})
    sponsor.refresh_from_db()
    assert not sponsor.logo


def test_bad_input_is_a_field_error_and_changes_nothing(client, sponsor, contact):
    other = SponsorFactory(name="Taken Name")
    bad = {
        **fields(name="", website="javascript:alert(1)", email="not an address",
                 description="x" * 5001),
        "logo": SimpleUploadedFile("l.png", b"not a picture"),
    }  # fmt: skip
    response = client.post(edit_url(sponsor), bad)
    assert response.status_code == 200
    page = response.content.decode()
    summary = text(re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0))
    for expected in ("Name shown: This field is required.", "Website: Enter a valid URL.",
                     "Contact e-mail (optional): Enter a valid email address.",
                     "Description: Ensure this value has at most 5000 characters",
                     "New logo:"):  # fmt: skip
        assert expected in summary
    assert "<h1>Edit your page</h1>" in page and "Lyon University</a> ›" in page
    response = client.post(edit_url(sponsor), fields(name=other.name))
    assert "Sponsor with this Name already exists." in text(response.content.decode())
    sponsor.refresh_from_db()
    assert (sponsor.name, sponsor.website, sponsor.email, sponsor.logo.name) == (
        "Lyon University", "https://lyon.example.org/", "", ""
    )  # fmt: skip


def test_only_its_contacts_and_staff_edit_it(client, sponsor, django_user_model):
    response = client.get(edit_url(sponsor))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    stranger = django_user_model.objects.create_user("stranger", password="pw")
    client.force_login(stranger)
    assert "Edit your page" not in client.get(sponsor.get_absolute_url()).content.decode()
    assert client.get(edit_url(sponsor)).status_code == 403
    assert client.post(edit_url(sponsor), fields(name="Hijacked")).status_code == 403
    # A contact of another sponsor is a stranger here too.
    SponsorFactory().contacts.add(stranger)
    assert client.post(edit_url(sponsor), fields(name="Hijacked")).status_code == 403
    assert client.get(reverse("sponsors:edit", kwargs={"slug": "nobody"})).status_code == 404
    stranger.is_staff = True
    stranger.save()
    stranger.user_permissions.add(Permission.objects.get(codename="change_sponsor"))
    assert client.post(edit_url(sponsor), fields(name="Renamed by staff")).status_code == 302
    sponsor.refresh_from_db()
    assert sponsor.name == "Renamed by staff"


def test_the_form_needs_its_csrf_token(sponsor, contact):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(contact)
    assert browser.post(edit_url(sponsor), fields(name="Forged")).status_code == 403
    sponsor.refresh_from_db()
    assert sponsor.name == "Lyon University"
