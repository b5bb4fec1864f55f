"""The volunteers' own pages under /my/mirrors/: what they show, who may use them, and the
changes they make (edit, switch, maintenance windows, emails, co-owners)."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.mirrors.models import (
    Check,
    MaintenanceWindow,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
)
from apps.releases.models import Architecture, Image, Release, Repository

from .factories import MirrorFactory, MirrorURLFactory


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(django_user_model):
    make = django_user_model.objects.create_user
    return {
        "owner": make("owner", "owner@example.org", "pw-owner-123"),
        "other": make("other", "other@example.org", "pw-other-123"),
        "staff": make("staff", "staff@example.org", "pw-staff-123", is_staff=True),
    }


@pytest.fixture
def mirror(people):
    mirror = MirrorFactory(name="mine.example.org", owner=people["owner"])
    MirrorURLFactory(mirror=mirror, url="http://127.0.0.250/centos/")
    return mirror


def owner_urls(mirror: Mirror) -> list[str]:
    window = MaintenanceWindow.objects.create(
        mirror=mirror, starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=2),
    )  # fmt: skip
    names = ["mine-detail", "edit", "switch", "windows", "notifications", "invite"]
    return [reverse(f"mirrors:{n}", args=[mirror.pk]) for n in names] + [
        reverse("mirrors:window-remove", args=[mirror.pk, window.pk])
    ]


def test_anonymous_people_are_sent_to_log_in(client, mirror):
    for url in [reverse("mirrors:mine"), *owner_urls(mirror)]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("who", ["other", "staff"])
def test_nobody_else_can_see_or_change_a_mirror(client, people, mirror, who):
    client.force_login(people[who])
    for url in owner_urls(mirror):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"active": "", "email": "x@example.org"}).status_code == 404, url
    mirror.refresh_from_db()
    assert mirror.owner_active and not mail.outbox
    assert MaintenanceWindow.objects.filter(mirror=mirror).count() == 1
    page = client.get(reverse("mirrors:mine")).content.decode()
    assert "You have no mirror yet." in page and "mine.example.org" not in page


def test_the_owner_reaches_every_page(client, people, mirror):
    client.force_login(people["owner"])
    for url in owner_urls(mirror):
        if "/switch/" in url or "/remove/" in url:
            assert client.get(url).status_code == 405
        else:
            assert client.get(url).status_code == 200, url


def test_my_mirrors_shows_states_lag_missing_images_and_history(
    client, people, django_assert_max_num_queries
):
    release = Release.objects.create(version="5.0", major=5, minor=0)
    arch, repo = Architecture.objects.create(name="x86_64"), Repository.objects.create(name="os")
    dvd = Image.objects.create(release=release, architecture=arch, name="DVD.iso", size=10)
    now = timezone.now()
    for n in range(3):
        mirror = MirrorFactory(name=f"m{n}.example.org", owner=people["owner"])
        MirrorURLFactory(mirror=mirror)
        MirrorRepositoryState.objects.create(
            mirror=mirror, release=release, repository=repo, architecture=arch,
            state="behind", lag_seconds=7200 * (n + 1), checked_at=now,
        )  # fmt: skip
        MirrorImageState.objects.create(mirror=mirror, image=dvd, state="missing", checked_at=now)
        Check.objects.create(mirror=mirror, url="http://x/TIME", kind="timestamp", checked_at=now)
        Check.objects.create(mirror=mirror, url="http://x/TIME", kind="timestamp",
                             checked_at=now, error="timeout")  # fmt: skip
    co_owned = MirrorFactory(name="shared.example.org", owner=people["other"])
    co_owned.co_owners.add(people["owner"])
    MirrorFactory(name="someone-elses.example.org", owner=people["other"])
    client.force_login(people["owner"])
    # session, user, mirrors, URLs, repository states, images, windows, two for the history
    with django_assert_max_num_queries(9):
        page = client.get(reverse("mirrors:mine")).content.decode()
    names = re.findall(r'<h2><a href="/my/mirrors/\d+/">([^<]+)</a>', page)
    assert names == ["m0.example.org", "m1.example.org", "m2.example.org", "shared.example.org"]
    assert page.count('<span class="status status-behind">Behind</span>') == 3
    assert "ISO images it lacks: DVD.iso (missing)" in page
    today = timezone.now().date()
    assert page.count(f'title="{today:%-d %b}: 50% of 2 checks passed"') == 3
    assert page.count("level-warn") >= 3

    # The owner's page of one mirror shows the same facts beside its owner panel.
    first = Mirror.objects.get(name="m0.example.org")
    page = client.get(reverse("mirrors:mine-detail", args=[first.pk])).content.decode()
    assert page.count('<span class="status status-behind">Behind</span>') == 1
    assert '<td class="num" data-label="Lag">2 h</td>' in page
    assert "ISO images it lacks: DVD.iso (missing)" in page
    assert f'title="{today:%-d %b}: 50% of 2 checks passed"' in page
    assert f'href="{reverse("mirrors:detail", args=[first.pk])}"' in page


def _form(mirror, **changes):
    data = {"name": mirror.name, "organisation": "", "country": "GB",
            "contact_email": "ops@example.org", "bandwidth_mbps": "100",
            "url_http": "http://127.0.0.250/centos/", "ipv4": "on"}  # fmt: skip
    data.update(changes)
    return data


@pytest.mark.django_db(transaction=True)  # the first check is sent after commit
def test_the_owner_edits_with_the_same_rules_as_registration(client, people, mirror, settings):
    MirrorURLFactory(mirror=MirrorFactory(), url="http://127.0.0.251/centos/")
    client.force_login(people["owner"])
    url = reverse("mirrors:edit", args=[mirror.pk])
    taken = client.post(url, _form(mirror, url_http="http://127.0.0.251/centos/"))
    assert taken.context["form"].errors["url_http"] == ["Another mirror already has this URL."]
    settings.MIRROR_CHECK_ALLOW_NETWORKS = []
    private = client.post(url, _form(mirror, url_https="https://10.0.0.1/"))
    assert private.context["form"].errors["url_https"][0].startswith("10.0.0.1 is a private")
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    saved = client.post(url, _form(mirror, bandwidth_mbps="2500", url_https="https://127.0.0.250/c/"),
                        follow=True)  # fmt: skip
    assert "mine.example.org is saved; it is being checked again." in saved.content.decode()
    mirror.refresh_from_db()
    assert mirror.bandwidth_mbps == 2500
    assert sorted(mirror.urls.values_list("url", flat=True)) == [
        "http://127.0.0.250/centos/", "https://127.0.0.250/c/",
    ]  # fmt: skip


def test_the_switch_takes_the_mirror_out_of_the_lists_and_back(client, people, mirror):
    client.force_login(people["owner"])
    url = reverse("mirrors:switch", args=[mirror.pk])
    page = client.post(url, follow=True).content.decode()
    assert "mine.example.org is out of the mirror lists until you switch it back on." in page
    assert '<span class="badge">Switched off</span>' in page
    assert not Mirror.objects.serving().filter(pk=mirror.pk).exists()
    page = client.post(url, {"active": "on"}, follow=True).content.decode()
    assert "Switched off" not in page
    assert Mirror.objects.serving().filter(pk=mirror.pk).exists()


def test_maintenance_windows_are_added_and_removed(client, people, mirror):
    client.force_login(people["owner"])
    url = reverse("mirrors:windows", args=[mirror.pk])
    friday = timezone.now().date() + dt.timedelta(days=(4 - timezone.now().weekday()) % 7 + 7)
    start, end = f"{friday} 22:00", f"{friday + dt.timedelta(days=1)} 06:00"
    backwards = client.post(url, {"starts_at": end, "ends_at": start})
    assert backwards.context["form"].errors["ends_at"] == ["The window must end after it starts."]
    over = client.post(url, {"starts_at": "2020-01-03 22:00", "ends_at": "2020-01-04 06:00"})
    assert "This window is already over." in over.content.decode()
    page = client.post(url, {"starts_at": start, "ends_at": end, "note": "new disks"},
                       follow=True).content.decode()  # fmt: skip
    shown = (f"Out from Friday {friday:%-d %B %Y} 22:00 to Saturday "
             f"{friday + dt.timedelta(days=1):%-d %B %Y} 06:00 UTC (new disks)")  # fmt: skip
    assert "The maintenance window is added." in page and shown in page
    window = MaintenanceWindow.objects.get(mirror=mirror)
    page = client.post(reverse("mirrors:window-remove", args=[mirror.pk, window.pk]), follow=True)
    assert "No window planned." in page.content.decode()


def test_notification_preferences(client, people, mirror):
    client.force_login(people["owner"])
    url = reverse("mirrors:notifications", args=[mirror.pk])
    bad = client.post(url, {"events": ["down"], "addresses": "ok@example.org\nnot-an-address"})
    assert bad.context["form"].errors["addresses"] == ["Not an email address: not-an-address."]
    client.post(
        url, {"events": ["recovered", "down"], "addresses": "a@example.org\n\nb@example.org"}
    )
    mirror.refresh_from_db()
    assert mirror.notify_events == ["down", "recovered"]
    assert mirror.notify_addresses == "a@example.org\nb@example.org"
    page = client.get(url).content.decode()
    assert re.search(r'value="down"[^>]*checked', page)
    assert not re.search(r'value="stale"[^>]*checked', page)


def test_a_co_owner_is_invited_by_email(
    client, people, mirror, django_user_model, django_capture_on_commit_callbacks
):
    client.force_login(people["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mirrors:invite", args=[mirror.pk]),
                               {"email": "Friend@example.org"}, follow=True)  # fmt: skip
    assert "An invitation is on its way to Friend@example.org." in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["Friend@example.org"]
    assert message.subject == "[CentOS mirrors] Manage the mirror mine.example.org"
    link = re.search(r"http://testserver(/my/mirrors/invites/[\w-]+/)", message.body).group(1)

    client.logout()
    assert client.get(link)["Location"] == f"/accounts/login/?next={link}"
    friend = django_user_model.objects.create_user("friend", "friend@example.org", "pw-fr-123")
    EmailAddress.objects.create(user=friend, email="friend@example.org", verified=True)
    client.force_login(friend)
    assert client.get(reverse("mirrors:edit", args=[mirror.pk])).status_code == 404
    page = client.get(link).content.decode()
    assert "owner@example.org invites you to manage the mirror mine.example.org." in page
    accepted = client.post(link, follow=True).content.decode()
    assert "You now manage mine.example.org." in accepted
    assert client.get(reverse("mirrors:edit", args=[mirror.pk])).status_code == 200
    again = client.post(link, follow=True).content.decode()
    assert "This invitation has already been used." in again


@pytest.mark.parametrize("address", [None, "unconfirmed", "someone-else"])
def test_an_invitation_is_refused_to_anyone_but_the_invited_address(
    client, people, mirror, django_capture_on_commit_callbacks, address
):
    """Whoever opens the link (it may be forwarded, or read over a shoulder) is refused
    unless their account has confirmed the invited address; nothing changes."""
    client.force_login(people["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mirrors:invite", args=[mirror.pk]), {"email": "friend@example.org"})
    link = re.search(r"http://testserver(/my/mirrors/invites/[\w-]+/)", mail.outbox[0].body)[1]
    other = people["other"]
    if address == "unconfirmed":
        EmailAddress.objects.create(user=other, email="friend@example.org", verified=False)
    elif address == "someone-else":
        EmailAddress.objects.create(user=other, email="other@example.org", verified=True)
    client.force_login(other)
    page = client.get(link).content.decode()
    refusal = "This invitation was sent to friend@example.org. Log in with the account that"
    assert refusal in page and "Accept</button>" not in page
    refused = client.post(link, follow=True).content.decode()
    assert refusal in refused
    assert not mirror.co_owners.exists()
    assert client.get(reverse("mirrors:edit", args=[mirror.pk])).status_code == 404
