"""The approved partner network as people meet it: the application, staff's review (each
step e-mailed and recorded with who), a year's approval with its reminder and lapse, the
directory with its filters and map, and the link to and from a sponsor."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.partners.choices import PartnerStatus
from apps.partners.models import Partner
from apps.partners.services import partners_expiry_run
from apps.sponsors.tests.factories import SponsorFactory

from .factories import PartnerFactory

TODAY = timezone.localdate


@pytest.fixture
def people(db):
    users = get_user_model().objects
    return {"staff": users.create_user("ops", "ops@example.org", "pw", is_staff=True),
            "alice": users.create_user("alice", "alice@example.org", "pw")}  # fmt: skip


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(out, format="PNG")
    return SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")


def application(**changes) -> dict:
    data = {
        "name": "Tux Services GmbH", "website": "https://tux.example/", "contact_name": "Tux",
        "contact_email": "hello@tux.example", "kinds": ["support", "training"],
        "countries": ["DE", "AT"], "languages": ["de", "en"],
        "description": "We **train** admins.<script>alert(1)</script>",
    }  # fmt: skip
    return {**data, **changes}


def test_an_application_waits_for_review_and_tells_the_applicant(
    client, people, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/partners/apply/", {**application(), "logo": png()})
    assert response.status_code == 302
    partner = Partner.objects.get()
    assert partner.status == PartnerStatus.PENDING and partner.logo.name.endswith(".png")
    assert partner.kind_values == ["support", "training"] and partner.country_codes == ["AT", "DE"]
    assert [m.to for m in mail.outbox] == [["hello@tux.example"]]
    event = partner.events.get()
    assert event.action == "applied" and event.by == people["alice"]
    assert "application for Tux Services GmbH arrived" in client.get("/partners/").content.decode()
    assert "Tux Services" not in client.get("/partners/").content.decode()  # not yet listed
    assert client.get("/partners/tux-services-gmbh/").status_code == 404


def test_a_bad_logo_or_no_kind_is_refused_and_nothing_is_kept(client, people):
    client.force_login(people["alice"])
    svg = SimpleUploadedFile(
        "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
    )
    page = client.post("/partners/apply/", {**application(), "logo": svg}).content.decode()
    assert "&lt;script&gt;, which is not allowed" in page
    page = client.post("/partners/apply/", application(kinds=[])).content.decode()
    assert "What you offer: This field is required." in page
    assert not Partner.objects.exists() and not mail.outbox


def test_the_form_needs_a_login(client, db):
    assert client.get("/partners/apply/").status_code == 302


def decide(client, partner, **data):
    return client.post(f"/partners/{partner.slug}/decide/", data)


def test_staff_approve_for_a_year_and_the_applicant_hears(
    client, people, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(status=PartnerStatus.PENDING, approved_until=None,
                             description="Hi <script>alert(1)</script>")  # fmt: skip
    client.force_login(people["alice"])
    assert decide(client, partner, decision="approve").status_code == 302  # to the admin login
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.PENDING
    client.force_login(people["staff"])
    assert partner.name in client.get("/partners/review/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, partner, decision="approve")
    partner.refresh_from_db()
    assert partner.approved_until == TODAY() + dt.timedelta(days=365)
    assert mail.outbox[-1].to == [partner.contact_email]
    assert "approved partner" in mail.outbox[-1].subject
    assert partner.events.get(action="approved").by == people["staff"]
    client.logout()
    page = client.get(f"/partners/{partner.slug}/").content.decode()
    assert "Approved partner until" in page and "<script>alert" not in page
    assert partner.name in client.get("/partners/").content.decode()


def test_a_rejection_needs_a_reason_which_the_applicant_reads(
    client, people, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(status=PartnerStatus.PENDING, approved_until=None)
    client.force_login(people["staff"])
    assert decide(client, partner, decision="reject", reason=" ").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, partner, decision="reject", reason="No CentOS staff on the team yet.")
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.REJECTED
    assert "No CentOS staff on the team yet." in mail.outbox[-1].body
    page = client.get(f"/partners/{partner.slug}/").content.decode()
    assert "ops" in page and "Rejected" in page  # staff read the record with who


def test_a_reminder_a_month_before_and_a_lapsed_partner_leaves_by_itself(
    client, db, django_capture_on_commit_callbacks
):
    soon = PartnerFactory(name="Soon", approved_until=TODAY() + dt.timedelta(days=20))
    later = PartnerFactory(name="Later", approved_until=TODAY() + dt.timedelta(days=31))
    gone = PartnerFactory(name="Gone", approved_until=TODAY() - dt.timedelta(days=1))
    listed = client.get("/partners/").content.decode()
    assert "Soon" in listed and "Later" in listed and "Gone" not in listed  # before any task
    with django_capture_on_commit_callbacks(execute=True):
        assert partners_expiry_run() == {"reminded": 1, "lapsed": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert partners_expiry_run() == {"reminded": 0, "lapsed": 0}  # once per lapse date
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert subjects == [
        (gone.contact_email, "The approval of Gone has lapsed"),
        (soon.contact_email, f"The approval of Soon lapses on {soon.approved_until}"),
    ]
    gone.refresh_from_db()
    assert gone.status == PartnerStatus.LAPSED and later.events.count() == 0


def test_the_directory_filters_by_kind_country_and_language_and_maps_the_countries(
    client, db, django_assert_max_num_queries
):
    PartnerFactory(name="Berlin Support", kinds=["support"], countries=["DE"], languages=["de"])
    PartnerFactory(name="Paris Training", kinds=["training"], countries=["FR", "BE"],
                   languages=["fr", "en"])  # fmt: skip

    def names(query=""):
        page = client.get("/partners/" + query).content.decode()
        return [n for n in ("Berlin Support", "Paris Training") if n in page], page

    assert names()[0] == ["Berlin Support", "Paris Training"]
    assert names("?kind=training")[0] == ["Paris Training"]
    assert names("?country=DE")[0] == ["Berlin Support"]
    assert names("?language=en")[0] == ["Paris Training"]
    page = names()[1]
    assert 'href="/partners/?country=BE"' in page and 'data-cc="FR"' in page
    with django_assert_max_num_queries(6):
        client.get("/partners/")
    for _ in range(10):
        PartnerFactory(countries=["IT", "ES"], languages=["it"], kinds=["hosting", "support"])
    with django_assert_max_num_queries(6):
        client.get("/partners/")


def test_a_partner_and_its_sponsor_link_to_each_other(client, db):
    sponsor = SponsorFactory(name="Hoster Ltd", slug="hoster")
    partner = PartnerFactory(name="Hoster Ltd", sponsor=sponsor)
    partner_page = client.get(f"/partners/{partner.slug}/").content.decode()
    assert 'href="/sponsors/hoster/"' in partner_page
    sponsor_page = client.get("/sponsors/hoster/").content.decode()
    assert f'href="/partners/{partner.slug}/"' in sponsor_page


def test_applications_are_rate_limited(client, people, settings):
    cache.clear()
    settings.PARTNER_APPLY_RATE = "1/h"
    client.force_login(people["alice"])
    assert client.post("/partners/apply/", application()).status_code == 302
    assert client.post("/partners/apply/", application(name="Again")).status_code == 429
    assert Partner.objects.count() == 1
    cache.clear()


def test_beat_runs_the_daily_round(db, settings):
    from portal.celery import app as celery_app

    celery_app.loader.import_default_modules()  # what a worker does at start (autodiscovery)
    entry = settings.CELERY_BEAT_SCHEDULE["partners: reminders and lapses"]
    assert entry["task"] in celery_app.tasks and entry["schedule"] == 24 * 3600
    PartnerFactory(name="Gone", approved_until=TODAY() - dt.timedelta(days=1))
    assert celery_app.tasks[entry["task"]].apply().get() == {"reminded": 0, "lapsed": 1}
