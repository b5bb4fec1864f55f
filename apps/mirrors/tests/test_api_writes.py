"""Writing through the mirrors API, as each kind of caller: registration and edits with the
web form's rules and messages, URLs, netblocks and maintenance windows, staff's decisions,
the check and import actions, and what reaches the clients after commit."""

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from apps.core.testing.fixtures import tasks_eager
from apps.core.tokens import token_issue, token_revoke
from apps.delivery.models import Snapshot
from apps.mirrors import tasks
from apps.mirrors.choices import Approval
from apps.mirrors.models import Mirror, MirrorURL
from apps.mirrors.signals import mirrors_changed

from . import test_api_reads
from .factories import MirrorFactory, MirrorURLFactory, NetblockFactory

people, world = test_api_reads.people, test_api_reads.world  # the same fixtures

MIRRORS = "/api/v1/mirrors/"


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def queued(monkeypatch):
    """The first checks and content re-checks sent to the broker: [(task, args)]."""
    sent = []
    monkeypatch.setattr(tasks.mirror_check_first_task, "apply_async",
                        lambda kwargs, **kw: sent.append(
                            ("first", (kwargs["mirror_id"],))))  # fmt: skip
    monkeypatch.setattr(tasks.mirrors_recheck_task, "apply_async",
                        lambda kwargs, **kw: sent.append(
                            ("recheck", (kwargs["mirror_ids"], kwargs["reason"]))))  # fmt: skip
    return sent


def as_(client, people, who):
    if who != "anonymous":
        client.force_login(people[who])
    return client


def registration(**changes) -> dict:
    data = {"name": "new.example.net", "organisation": "Example Net", "country": "FR",
            "contact_email": "ops@example.net", "bandwidth_mbps": 1000,
            "url_http": "http://127.0.0.250/centos/"}  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_anonymous_writes_are_401(client, world):
    pk = world["public"].pk
    for path, body in [(MIRRORS, registration()), (f"{MIRRORS}{pk}/approve/", {}),
                       (f"{MIRRORS}{pk}/check/", {}), ("/api/v1/netblocks/", {}),
                       ("/api/v1/mirror-urls/", {})]:  # fmt: skip
        assert client.post(path, body, content_type="application/json").status_code == 401
    assert client.patch(f"{MIRRORS}{pk}/", {}, content_type="application/json").status_code == 401


def test_a_volunteer_registers_a_pending_mirror_checked_after_commit(
    client, people, queued, django_capture_on_commit_callbacks
):
    client.force_login(people["other"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            MIRRORS, registration(netblocks=["192.0.2.0/24"], ipv6=True), "application/json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    mirror = Mirror.objects.get(name="new.example.net")
    assert (body["id"], body["approval"], mirror.owner) == (mirror.pk, "pending", people["other"])
    assert body["netblocks"] == ["192.0.2.0/24"] and body["contact_email"] == "ops@example.net"
    assert queued == [("first", (mirror.pk,))]
    # the same e-mails as after the web form: the volunteer's and staff's
    by_subject = {m.subject: m for m in mail.outbox}
    mine = by_subject["[CentOS mirrors] Your mirror new.example.net is registered"]
    assert mine.to == ["other@example.org"]
    assert mine.body.startswith("Hello other@example.org,\n\nyou registered the mirror "
                                "new.example.net (France).")  # fmt: skip
    assert f"http://testserver/my/mirrors/{mirror.pk}/" in mine.body
    notice = by_subject["[CentOS mirrors] Mirror new.example.net waits for moderation"]
    assert notice.to == ["ops@example.org"]
    assert "http://testserver/mirrors/moderation/" in notice.body
    assert len(mail.outbox) == 2


def test_a_refused_registration_sends_no_email(client, people):
    client.force_login(people["other"])
    response = client.post(MIRRORS, registration(url_http="not a url"), "application/json")
    assert response.status_code == 400
    assert mail.outbox == [] and not Mirror.objects.filter(name="new.example.net").exists()


def test_a_token_writes_and_a_revoked_one_is_401(client, people, queued):
    token, key = token_issue(user=people["other"], name="script")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    response = client.post(MIRRORS, registration(), "application/json", **auth)
    assert response.status_code == 201
    token_revoke(token=token, by=people["other"])
    response = client.post(MIRRORS, registration(name="b.example.net"), "application/json", **auth)
    assert response.status_code == 401


# The registration form's cases (test_registration.py), with the form's very messages.
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url_http": "http//mirror.example.net/"}, "url_http",
         "The URL must start with one of http://, https://, ftp://, rsync://."),
        ({"url_http": "http://user@mirror.example.net/"}, "url_http",
         "A mirror URL cannot contain a user name or password (user@host)."),
        ({"url_http": "http://no-such-mirror.invalid/centos/"}, "url_http",
         "The host name no-such-mirror.invalid does not resolve: check its spelling, or its "
         "DNS records."),
        ({"url_http": "", "url_ftp": "ftp://127.0.0.250/centos/"}, "url_http",
         "Give an HTTP or HTTPS URL: that is what yum and dnf use, and what the checks test."),
        ({"netblocks": ["192.0.2.0/24", "300.1.2.0/24"]}, "netblocks",
         "'300.1.2.0/24' is not a network such as 192.0.2.0/24."),
        ({"ipv4": False}, "ipv4", "It must serve over IPv4, IPv6 or both."),
        ({"bandwidth_mbps": 0}, "bandwidth_mbps",
         "Ensure this value is greater than or equal to 1."),
        ({"releases": ["9.9"]}, "releases", "Select a valid choice. 9.9 is not one of the "
         "available choices."),
        ({"country": [None, None]}, "country", "Select a valid choice. [None, None] is not one "
         "of the available choices."),  # found by schemathesis: was a 500
        ({"images": [-45103792287633686063480832]}, "images",
         "“-45103792287633686063480832” is not a valid value."),  # schemathesis: a 500
        ({"upstream": 10**30}, "upstream",
         "Select a valid choice. That choice is not one of the available choices."),
        ({"name": "new.example.net\r\nBcc: all@example.org"}, "name",
         "A name is one line of text: no line break, tab or other control character."),
        ({"name": "new.example.net\u202egro"}, "name",
         "A name is one line of text: no line break, tab or other control character."),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_with_the_forms_message(client, people, changes, field, message):
    client.force_login(people["other"])
    response = client.post(MIRRORS, registration(**changes), "application/json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not Mirror.objects.filter(name="new.example.net").exists()


def test_private_addresses_and_taken_urls_and_names(client, people, settings):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = []
    settings.MIRROR_CHECK_RESOLVER = lambda host, port: ["193.0.6.139"]
    client.force_login(people["other"])
    response = client.post(MIRRORS, registration(url_http="http://10.1.2.3/c/"), "application/json")
    assert response.json()["url_http"] == [
        "10.1.2.3 is a private, loopback or otherwise non-public address: the checks and the "
        "people sent to the mirror could not reach it."
    ]
    MirrorURLFactory(mirror=MirrorFactory(name="New.Example.net"), url="http://m.example.org/c/")
    body = client.post(
        MIRRORS, registration(url_http="HTTP://m.example.org/c"), "application/json"
    ).json()
    assert body["url_http"] == ["Another mirror already has this URL."]
    assert body["name"] == ["A mirror with this name is already registered."]


def test_edits_404_when_not_visible_403_when_not_yours(client, people, world, queued, settings):
    settings.MIRROR_CHECK_RESOLVER = lambda host, port: ["193.0.6.139"]  # the URLs resolve

    def patch(key):
        path = f"{MIRRORS}{world[key].pk}/"
        return client.patch(path, {"bandwidth_mbps": 50}, content_type="application/json")

    client.force_login(people["other"])
    assert patch("private").status_code == 404
    assert patch("pending").status_code == 404
    assert patch("mine").status_code == 403
    client.force_login(people["owner"])
    response = patch("mine")
    assert response.status_code == 200, response.content
    assert response.json()["bandwidth_mbps"] == 50
    world["mine"].refresh_from_db()
    assert world["mine"].urls.count() == 1 and world["mine"].notes == "rack 4"
    client.force_login(people["staff"])
    assert patch("theirs").status_code == 200


@pytest.mark.parametrize(("who", "code"), [("anonymous", 401), ("owner", 403), ("staff", 200)])
def test_only_staff_approve(client, people, world, who, code):
    pending = world["pending"]
    response = as_(client, people, who).post(f"{MIRRORS}{pending.pk}/approve/")
    assert response.status_code == code
    pending.refresh_from_db()
    assert pending.approval == (Approval.APPROVED if code == 200 else Approval.PENDING)


def test_moderation_conflicts_and_reasons(client, people, world):
    client.force_login(people["staff"])
    pending = world["pending"]
    MirrorURL.objects.filter(mirror=pending).delete()
    response = client.post(f"{MIRRORS}{pending.pk}/approve/")
    assert response.status_code == 409
    assert "A mirror without an http or https URL cannot be approved." in response.json()["detail"]
    public = world["public"].pk
    assert client.post(f"{MIRRORS}{public}/disable/").json()["reason"]
    assert client.post(f"{MIRRORS}{public}/enable/").status_code == 409  # not disabled
    response = client.post(f"{MIRRORS}{public}/disable/", {"reason": "stale for weeks"})
    assert (response.status_code, response.json()["approval"]) == (200, "disabled")
    assert response.json()["approval_reason"] == "stale for weeks"
    assert client.post(f"{MIRRORS}{public}/enable/").json()["approval"] == "approved"
    response = client.post(f"{MIRRORS}{world['theirs'].pk}/reject/", {"reason": "no TIME"})
    assert response.json()["approval"] == "rejected"


def test_approving_sends_mirrors_changed_after_commit(
    client, people, world, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, reason="", **kwargs):
        heard.append(reason)

    mirrors_changed.connect(listener)
    try:
        client.force_login(people["staff"])
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(f"{MIRRORS}{world['pending'].pk}/approve/")
        assert heard == []
        for callback in callbacks:
            callback()
    finally:
        mirrors_changed.disconnect(listener)
    assert heard == ["pending.example.org approved by ops"]


def test_a_staff_decision_publishes_a_new_snapshot(
    client, people, world, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_REBUILD_ON_CHANGE = True
    settings.DELIVERY_REBUILD_DEBOUNCE_SECONDS = 0
    with tasks_eager():
        client.force_login(people["staff"])
        before = Snapshot.objects.order_by("-version").values_list("version", flat=True).first()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{MIRRORS}{world['pending'].pk}/approve/")
        assert response.status_code == 200
    after = Snapshot.objects.order_by("-version").values_list("version", flat=True).first()
    assert after is not None and after > (before or 0)


@pytest.mark.parametrize(("who", "code"), [("anonymous", 401), ("other", 403), ("owner", 202),
                                           ("staff", 202)])  # fmt: skip
def test_check_action(client, people, world, queued, who, code,
                      django_capture_on_commit_callbacks):  # fmt: skip
    mine = world["mine"]
    with django_capture_on_commit_callbacks(execute=True):
        response = as_(client, people, who).post(f"{MIRRORS}{mine.pk}/check/")
    assert response.status_code == code
    if code == 202:
        assert response.json()["queued"] == "content check"
        assert queued == [("recheck", ([mine.pk], "asked through the API"))]
    if who == "other":
        assert client.post(f"{MIRRORS}{world['pending'].pk}/check/").status_code == 404


def test_the_check_action_is_rate_limited(client, people, world, queued, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "mirror-check": "2/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client.force_login(people["owner"])
    codes = [client.post(f"{MIRRORS}{world['pending'].pk}/check/").status_code for _ in range(3)]
    assert codes == [202, 202, 429]


LIST = "#LOC:FR\nhttp://fr1.example.org/centos/\n#LOC:DE\nhttp://de1.example.org/centos/\n"


def test_import_is_staff_only_and_all_or_nothing(client, people):
    path = f"{MIRRORS}import/"
    client.force_login(people["other"])
    assert client.post(path, LIST, content_type="text/plain").status_code == 403
    client.force_login(people["staff"])
    bad = LIST + "#LOC:XX\nhttp://x.example.org/\n"
    response = client.post(path, bad, content_type="text/plain")
    assert response.status_code == 400
    assert [e["line"] for e in response.json()["errors"]] == [5]
    assert not Mirror.objects.exists()
    response = client.post(path + "?pending=1", LIST, content_type="text/plain")
    assert (response.status_code, response.json()["count"]) == (201, 2)
    assert set(Mirror.objects.values_list("approval", flat=True)) == {"pending"}


def test_import_leaves_out_ftp_only_hosts_and_names_a_byte_that_is_not_utf8(client, people):
    path = f"{MIRRORS}import/"
    client.force_login(people["staff"])
    response = client.post(path, LIST + "ftp://old.example.org/c/\n", content_type="text/plain")
    assert response.status_code == 201
    assert response.json()["skipped"] == [
        "line 5: old.example.org is listed with ftp only; a mirror needs an HTTP or HTTPS URL"
    ]
    assert not Mirror.objects.filter(name="old.example.org").exists()
    latin1 = (LIST + "http://caf\xe9.example.org/\n").encode("latin-1")
    response = client.post(path, latin1, content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The list cannot be read: line 5: byte 89 (column 11) is not UTF-8 text "
        "(invalid continuation byte)."
    )


def test_urls_by_the_forms_rules(client, people, world):
    mine = world["mine"]
    client.force_login(people["other"])
    body = {"mirror": mine.pk, "protocol": "https", "url": "https://127.0.0.250/c/"}
    assert client.post("/api/v1/mirror-urls/", body, "application/json").status_code == 403
    client.force_login(people["owner"])
    response = client.post("/api/v1/mirror-urls/", body, "application/json")
    assert response.status_code == 201, response.content
    taken = {**body, "url": world["public"].urls.get().url, "protocol": "http"}
    response = client.post("/api/v1/mirror-urls/", taken, "application/json")
    assert response.json()["url"] == ["Another mirror already has this URL."]
    wrong = {**body, "url": "http://127.0.0.250/c/"}
    response = client.post("/api/v1/mirror-urls/", wrong, "application/json")
    assert response.json()["url"] == ["The URL must start with https:// (its protocol)."]
    https = MirrorURL.objects.get(mirror=mine, protocol="https").pk
    http = MirrorURL.objects.get(mirror=mine, protocol="http").pk
    assert client.delete(f"/api/v1/mirror-urls/{http}/").status_code == 204
    response = client.delete(f"/api/v1/mirror-urls/{https}/")
    assert response.status_code == 409 and "last http or https URL" in response.json()["detail"]


def test_netblocks_and_windows(client, people, world):
    private = world["private"]
    theirs = NetblockFactory(mirror=world["theirs"], cidr="198.51.100.0/24")
    client.force_login(people["owner"])
    response = client.post("/api/v1/netblocks/", {"mirror": private.pk, "cidr": "300.0.0.0/8"})
    assert response.json()["cidr"] == ["'300.0.0.0/8' is not a network such as 192.0.2.0/24."]
    response = client.post("/api/v1/netblocks/", {"mirror": private.pk, "cidr": "203.0.113.9/24"})
    assert (response.status_code, response.json()["cidr"]) == (201, "203.0.113.0/24")
    assert client.delete(f"/api/v1/netblocks/{theirs.pk}/").status_code == 404
    start = timezone.now() + dt.timedelta(days=1)
    window = {"mirror": private.pk, "starts_at": start.isoformat(),
              "ends_at": (start - dt.timedelta(hours=1)).isoformat()}  # fmt: skip
    response = client.post("/api/v1/maintenance-windows/", window, "application/json")
    assert response.json()["ends_at"] == ["The window must end after it starts."]
    window["ends_at"] = (start + dt.timedelta(hours=3)).isoformat()
    response = client.post("/api/v1/maintenance-windows/", window, "application/json")
    assert response.status_code == 201, response.content
    client.force_login(people["other"])
    pk = response.json()["id"]
    assert client.delete(f"/api/v1/maintenance-windows/{pk}/").status_code == 404
    response = client.post("/api/v1/maintenance-windows/", window, "application/json")
    assert response.status_code == 400 and "mirror" in response.json()
