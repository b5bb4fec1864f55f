"""The master made and changed without the admin's form: `manage.py setmaster URL` and
PUT /api/v1/master/ (staff), through the service, with who did it recorded and the
snapshot that clients get following."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command

from apps.delivery.models import Snapshot
from apps.mirrors.choices import Approval, MirrorTier
from apps.mirrors.models import Mirror
from apps.mirrors.selectors.masters import master_base_urls

from . import test_api_reads
from .factories import MirrorFactory, MirrorURLFactory

people = test_api_reads.people
MASTER = "/api/v1/master/"
HTTPS = "https://master.example.org/centos/"


def setmaster(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("setmaster", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def published(eager_rebuilds):
    """Snapshots are built in this process after each commit, as a worker would."""
    return lambda: Snapshot.objects.order_by("-version").first()


@pytest.mark.django_db(transaction=True)
def test_setmaster_makes_the_master_and_clients_get_it(people, published):
    out = setmaster(HTTPS, "--country", "us", "--by", "ops")
    assert out.strip() == f"Made the master master.example.org: {HTTPS}"
    master = Mirror.objects.get(tier=MirrorTier.MASTER)
    assert (master.approval, master.country.code) == (Approval.APPROVED, "US")
    assert master_base_urls() == [HTTPS]
    snapshot = published()
    assert snapshot.reason == f"made the master master.example.org: {HTTPS} (by ops)"
    assert HTTPS.encode() in bytes(snapshot.blob)
    entry = LogEntry.objects.get(object_id=str(master.pk))
    assert (entry.user.username, entry.is_addition()) == ("ops", True)


@pytest.mark.django_db
def test_setmaster_changes_the_url_of_each_protocol_given(people):
    setmaster(HTTPS, "rsync://master.example.org/centos/", "--country", "US")
    out = setmaster("https://new-master.example.org/centos/")
    assert "Changed the master master.example.org" in out
    master = Mirror.objects.get(tier=MirrorTier.MASTER)
    assert sorted(master.urls.values_list("url", flat=True)) == [
        "https://new-master.example.org/centos/", "rsync://master.example.org/centos/",
    ]  # fmt: skip
    assert Mirror.objects.filter(tier=MirrorTier.MASTER).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["http://master.example.org/a b/", "--country", "US"],
         "urls: 'http://master.example.org/a b/': A mirror URL cannot contain spaces"),
        ([HTTPS], "country: Say where the master stands"),
        (["rsync://master.example.org/centos/", "--country", "US"],
         "urls: A new master needs an http or https URL"),
        ([HTTPS, "--country", "US", "--by", "nobody"], "No account is named 'nobody'."),
    ],
)  # fmt: skip
def test_setmaster_refuses_bad_input_and_changes_nothing(people, args, reason):
    with pytest.raises(CommandError) as refused:
        setmaster(*args)
    assert reason in str(refused.value)
    assert not Mirror.objects.filter(tier=MirrorTier.MASTER).exists()


@pytest.mark.django_db
def test_with_two_masters_setmaster_asks_which(people):
    for name in ("a.example.org", "b.example.org"):
        MirrorURLFactory(mirror=MirrorFactory(name=name, tier=MirrorTier.MASTER))
    with pytest.raises(CommandError, match=r"There are 2 masters \(a.example.org, b.example.org\)"):
        setmaster(HTTPS)
    setmaster(HTTPS, "--name", "b.example.org")
    assert HTTPS in Mirror.objects.get(name="b.example.org").urls.values_list("url", flat=True)


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "code"), [("anonymous", 401), ("owner", 403), ("staff", 201)])
def test_only_staff_make_the_master_through_the_api(client, people, who, code):
    if who != "anonymous":
        client.force_login(people[who])
    answer = client.put(MASTER, {"urls": [HTTPS], "country": "SE"},
                        content_type="application/json")  # fmt: skip
    assert answer.status_code == code
    assert Mirror.objects.filter(tier=MirrorTier.MASTER).exists() == (code == 201)
    if code == 201:
        assert answer.json()["urls"] == [HTTPS] and answer.json()["country"] == "SE"
        assert client.get(MASTER).json()[0]["name"] == "master.example.org"


@pytest.mark.django_db
def test_the_api_changes_the_master_and_says_why_it_refuses(client, people):
    setmaster(HTTPS, "--country", "US")
    client.force_login(people["staff"])
    bad = client.put(MASTER, {"urls": ["ftp://x.example.org/?q"]}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["urls"] == [
        "'ftp://x.example.org/?q': A mirror URL cannot have a query (?...)."
    ]
    assert master_base_urls() == [HTTPS]
    changed = client.put(MASTER, {"urls": ["http://m2.example.org/centos/"]},
                         content_type="application/json")  # fmt: skip
    assert changed.status_code == 200
    assert changed.json()["urls"] == ["http://m2.example.org/centos/", HTTPS]
    history = client.get(f"/admin/mirrors/mirror/{changed.json()['id']}/history/")
    assert b"changed the master master.example.org: http://m2.example.org/centos/" in (
        history.content
    )
