"""Who did it: a decision or an edit made through the pages, the API or the admin shows on
the mirror's admin History with the person who made it; the checks' writes with "system"."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.mirrors.choices import Approval, MirrorStatus

from .factories import MirrorFactory, MirrorURLFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model):
    return {
        "moderator": django_user_model.objects.create_user(
            "moderator-ann", "ann@example.org", "pw", is_staff=True
        ),
        "owner": django_user_model.objects.create_user("owner-bob", "bob@example.org", "pw"),
        "reader": django_user_model.objects.create_superuser("root", "root@example.org", "pw"),
    }


def history(mirror, people) -> list[tuple[str, str]]:
    """(who, changes) of each row of the mirror's admin History, newest first."""
    reader = Client()
    reader.force_login(people["reader"])
    page = reader.get(reverse("admin:mirrors_mirror_history", args=[mirror.pk]))
    assert page.status_code == 200
    rows = re.findall(
        r'<td class="audit-actor">(.*?)</td>\s*<td>.*?</td>\s*<td>(.*?)</td></tr>',
        page.content.decode(),
        re.S,
    )
    return [(who, re.sub(r"<br>", "; ", changes)) for who, changes in rows]


def test_a_disable_on_the_moderation_page_names_the_moderator(
    people, django_capture_on_commit_callbacks
):
    mirror = MirrorFactory(
        owner=people["owner"], approval=Approval.APPROVED, status=MirrorStatus.UP
    )
    MirrorURLFactory(mirror=mirror)
    staff = Client()
    staff.force_login(people["moderator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("mirrors:disable", args=[mirror.pk]), {"reason": "Serves a truncated tree."}
        )
    assert response.status_code == 302
    who, changes = history(mirror, people)[0]
    assert who == "moderator-ann"
    assert "Serves a truncated tree." in changes
    queue = staff.get(reverse("mirrors:moderation")).content.decode()
    row = re.search(rf'<tr id="mirror-{mirror.pk}">.*?</tr>', queue, re.S)[0]
    assert '<td data-label="By">moderator-ann</td>' in row


def test_an_owner_edit_through_the_api_names_the_owner(people, settings):
    settings.MIRROR_CHECK_RESOLVER = lambda host, port: ["193.0.6.139"]
    mirror = MirrorFactory(owner=people["owner"], approval=Approval.APPROVED, bandwidth_mbps=100)
    MirrorURLFactory(mirror=mirror)
    api = Client()
    api.force_login(people["owner"])
    response = api.patch(
        f"/api/v1/mirrors/{mirror.pk}/", {"bandwidth_mbps": 50}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    rows = history(mirror, people)
    assert rows[0][0] == "owner-bob"
    assert "100 → 50" in rows[0][1].replace("&rarr;", "→")


def test_an_admin_action_names_the_staff_member(people):
    mirror = MirrorFactory(approval=Approval.DISABLED, approval_reason="Broken.")
    MirrorURLFactory(mirror=mirror)
    admin = Client()
    admin.force_login(people["reader"])
    response = admin.post(
        reverse("admin:mirrors_mirror_changelist"),
        {"action": "enable", "_selected_action": [mirror.pk]},
    )
    assert response.status_code == 302
    assert history(mirror, people)[0][0] == "root"


def test_a_suspension_by_the_checks_is_the_systems(people, settings):
    from django.utils import timezone

    from apps.mirrors.services.recording import _mirrors_status_record

    settings.MIRROR_CHECK_SUSPEND_AFTER = 2
    mirror = MirrorFactory(approval=Approval.APPROVED, status=MirrorStatus.DOWN,
                           consecutive_failures=1)  # fmt: skip
    notices = _mirrors_status_record(verdicts={mirror.pk: (False, None, "refused")},
                                     now=timezone.now())  # fmt: skip
    assert [n.event for n in notices] == ["suspended"]
    who, changes = history(mirror, people)[0]
    assert who == "system"
    assert "after 2 failed checks in a row" in changes


def test_a_registration_names_the_volunteer(people, settings):
    settings.MIRROR_CHECK_RESOLVER = lambda host, port: ["193.0.6.139"]
    from auditlog.models import LogEntry

    from apps.mirrors.models import Mirror
    from apps.mirrors.services.registration import MirrorDetails, mirror_register

    details = MirrorDetails(
        name="new.example.org", country="GB", contact_email="", bandwidth_mbps=100,
        urls={"http": "http://new.example.org/c/"},
    )  # fmt: skip
    mirror = mirror_register(owner=people["owner"], details=details)
    entry = LogEntry.objects.get_for_object(Mirror.objects.get(pk=mirror.pk)).earliest("timestamp")
    assert (entry.actor, entry.get_action_display()) == (people["owner"], "create")


def test_the_api_tells_a_suspension_apart_from_the_approval(client, people):
    from django.utils import timezone

    held = MirrorFactory(name="held.example.org", suspended_at=timezone.now(),
                         suspended_reason="Failed 96 checks in a row.")  # fmt: skip
    MirrorFactory(name="fine.example.org")
    client.force_login(people["reader"])  # staff see the mirrors out of the lists too
    body = client.get("/api/v1/mirrors/", {"suspended": "true"}).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(m["name"], m["approval"], bool(m["suspended_at"])) for m in rows] == [
        ("held.example.org", "approved", True)
    ]
    assert held.get_standing_display() == "Suspended after failing checks"
