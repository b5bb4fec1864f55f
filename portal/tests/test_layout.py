"""What everyone sees: the home page's figures, the shared layout, the error pages and
the ISO page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.mirrors.models import Mirror
from apps.sponsors.models import Sponsor


def test_home_shows_the_infrastructure_at_a_glance(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        page = client.get(reverse("home")).content.decode()
    cards = {
        label.strip(): number
        for number, label in re.findall(
            r'<a class="card[^"]*" [^>]+><strong>([^<]+)</strong>([^<]+)', page
        )
    }
    approved = Mirror.objects.approved()
    assert cards == {
        "servers": "33",
        "mirrors up": str(approved.filter(status="up").count()),
        "countries": "43",
        "sponsors": str(Sponsor.objects.filter(active=True).count()),
        "newest release": "5.0",
    }


def test_the_layout_links_what_a_visitor_may_do(client, demo, django_user_model):
    page = client.get(reverse("home")).content.decode()
    assert '<nav class="account"' in page and ">Log in</a>" in page
    assert ">Moderation</a>" not in page and ">Log out</button>" not in page
    staff = django_user_model.objects.create_user("staff", "s@example.org", "pw", is_staff=True)
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert ">Log out</button>" in page and ">Log in</a>" not in page
    assert "<script" not in page  # pages need no JavaScript


def test_404_is_in_the_site_layout(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<header class="site-header">' in page
    assert "<h1>Page not found</h1>" in page
    assert "<code>/no/such/page/</code>" in page


def test_500_is_a_plain_page_in_the_layout(db, settings):
    settings.ROOT_URLCONF = "portal.tests.urls_boom"
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page and '<header class="site-header">' in page


@pytest.fixture
def snapshot(demo, settings, tmp_path):
    """The demo's snapshot, served by the process's store as the ISO page reads it."""
    from apps.delivery import runtime
    from apps.delivery.services import snapshot_publish

    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    runtime.reset()
    runtime.store().install(bytes(snapshot_publish().blob))
    yield runtime.store().snapshot
    runtime.reset()


def test_iso_page_files_first_and_a_country_picker(client, snapshot):
    page = client.get("/isoredirect/5/isos/i386/", {"cc": "JP"}).content.decode()
    assert page.index('<h2 id="files">Files</h2>') < page.index('<form method="get"')
    files = re.findall(
        r'<th scope="row" data-label="Image"><a href="([^"]+)" class="direct">', page
    )
    assert "CentOS-5.0-i386-bin-DVD.iso" in files
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', page)
    assert '<option value="JP" selected>Japan</option>' in page
    assert "<h2>Your country (JP)</h2>" in page


def test_iso_page_bad_release_is_an_html_404(client, snapshot):
    response = client.get("/isoredirect/9/isos/i386/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<header class="site-header">' in page and "unknown release &#x27;9&#x27;" in page
    curl = client.get("/isoredirect/9/isos/i386/", HTTP_USER_AGENT="curl/8.5.0")
    assert curl.status_code == 404 and curl["Content-Type"].startswith("text/plain")


def test_the_form_include_has_labels_errors_and_a_summary(rf):
    from django import forms
    from django.template import engines

    class MirrorForm(forms.Form):
        name = forms.CharField(label="Host name", help_text="As clients reach it.")
        bandwidth = forms.IntegerField(label="Bandwidth")

    template = engines["django"].from_string(
        '{% include "includes/form.html" with form=form method="post" submit="Register" %}'
    )
    html = template.render({"form": MirrorForm({"name": "", "bandwidth": "fast"})}, rf.post("/"))
    summary = html.index('<div class="error-summary" role="alert" tabindex="-1"')
    assert summary < html.index('<label for="id_name">Host name')
    assert '<a href="#id_name">Host name: This field is required.</a>' in html
    assert '<a href="#id_bandwidth">Bandwidth: Enter a whole number.</a>' in html
    assert html.count('<div class="field field-error">') == 2
    assert '<small class="help" id="id_name_helptext">As clients reach it.</small>' in html
    assert (
        'name="csrfmiddlewaretoken"' in html and '<button type="submit">Register</button>' in html
    )
    clean = template.render({"form": MirrorForm()}, rf.post("/"))
    assert "error-summary" not in clean and "<script" not in clean
