"""The partners API: the directory (read by anyone, filtered like the page) and applications
(written with a token, through the web form's service and checks)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from apps.core.tokens import token_issue
from apps.partners.models import Partner

from .factories import PartnerFactory
from .test_partners import application


@pytest.fixture
def key(db):
    alice = get_user_model().objects.create_user("alice", "alice@example.org", "pw")
    return token_issue(user=alice, name="apply")[1]


def test_the_directory_reads_like_the_page(client, db, django_assert_max_num_queries):
    PartnerFactory(name="Berlin Support", countries=["DE"], languages=["de"],
                   description="Hi <script>x()</script> *you*")  # fmt: skip
    PartnerFactory(name="Pending", status="pending", approved_until=None)
    data = client.get("/api/v1/partners/").json()
    assert [p["name"] for p in data["results"]] == ["Berlin Support"]
    berlin = data["results"][0]
    assert berlin["countries"] == ["DE"] and berlin["languages"] == ["de"]
    assert (
        "<script>" not in berlin["description_html"]
        and "<em>you</em>" in berlin["description_html"]
    )
    assert "contact_email" not in berlin
    assert client.get("/api/v1/partners/?country=FR").json()["results"] == []
    for _ in range(10):
        PartnerFactory(countries=["FR", "BE"], kinds=["training", "hosting"])
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/partners/").json()["count"] == 11
    assert "partner" in client.get("/api/v1/").json()


def test_an_application_needs_a_token_and_goes_through_the_service(
    client, key, django_capture_on_commit_callbacks
):
    body = application()
    assert client.post("/api/v1/partner-applications/", body,
                       content_type="application/json").status_code == 401  # fmt: skip
    auth = {"HTTP_AUTHORIZATION": f"Token {key}", "content_type": "application/json"}
    bad = client.post("/api/v1/partner-applications/", {**body, "kinds": ["plumbing"]}, **auth)
    assert bad.status_code == 400 and "kinds" in bad.json()
    assert not Partner.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post("/api/v1/partner-applications/", body, **auth)
    assert made.status_code == 201 and made.json() == {"slug": "tux-services-gmbh",
                                                       "status": "pending"}  # fmt: skip
    partner = Partner.objects.get()
    assert partner.applicant.username == "alice" and partner.events.get().by == partner.applicant
    assert mail.outbox[0].to == ["hello@tux.example"]
    assert client.get("/api/v1/partners/tux-services-gmbh/").status_code == 404  # not reviewed


def test_an_unknown_country_is_a_400_and_nothing_is_kept(client, key):
    auth = {"HTTP_AUTHORIZATION": f"Token {key}", "content_type": "application/json"}
    bad = client.post("/api/v1/partner-applications/", application(countries=["DE", "XQ"]), **auth)
    assert bad.status_code == 400 and "XQ is not a country code." in str(bad.json())
    assert not Partner.objects.exists()
