"""The moderation queue: staff see the pending mirrors with what their first checks found,
and approve, reject (with a reason), disable (with a reason) and enable them; each decision
goes through the services, which email the mirror's people after commit."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.mirrors.choices import Approval, MirrorStatus
from apps.mirrors.models import Check, Mirror, MirrorRepositoryState
from apps.releases.tests.factories import ArchitectureFactory, ReleaseFactory, RepositoryFactory

from .factories import MirrorFactory, MirrorURLFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("mirrors:moderation")


@pytest.fixture
def people(django_user_model):
    return {
        "staff": django_user_model.objects.create_user("ops", "ops@example.org", "pw",
                                                       is_staff=True),
        "volunteer": django_user_model.objects.create_user("vol", "vol@example.org", "pw"),
        "helper": django_user_model.objects.create_user("helper", "helper@example.org", "pw"),
    }  # fmt: skip


@pytest.fixture
def staff(client, people):
    client.force_login(people["staff"])
    return client


def pending_mirror(people, name="new.example.org", *, checked=True, **fields) -> Mirror:
    fields = {"approval": Approval.PENDING, "status": MirrorStatus.UNKNOWN, **fields}
    mirror = MirrorFactory(
        name=name, owner=people["volunteer"], contact_email="noc@example.org",
        notify_addresses="team@example.org\n\nvol@example.org", **fields,
    )  # fmt: skip
    mirror.co_owners.add(people["helper"])
    url = MirrorURLFactory(mirror=mirror)
    if checked:
        when = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
        Check.objects.create(
            mirror=mirror,
            mirror_url=url,
            url=url.url + "TIME",
            kind="timestamp",
            checked_at=when,
            http_status=200,
            latency_ms=42,
        )
        Check.objects.create(
            mirror=mirror,
            mirror_url=url,
            url=url.url + "5.0/os/x86_64/repodata/repomd.xml",
            kind="repomd",
            checked_at=when,
            error="http_status",
            http_status=404,
            detail="404 Not Found",
        )
        release, arch = ReleaseFactory(), ArchitectureFactory()
        MirrorRepositoryState.objects.create(
            mirror=mirror,
            release=release,
            architecture=arch,
            repository=RepositoryFactory(name="os"),
            state="current",
        )
        MirrorRepositoryState.objects.create(
            mirror=mirror,
            release=release,
            architecture=arch,
            repository=RepositoryFactory(name="updates"),
            state="missing",
        )
    return mirror


def post(client, name: str, mirror: Mirror, data=None, capture=None):
    with capture(execute=True):
        return client.post(reverse(f"mirrors:{name}", args=[mirror.pk]), data or {})


def test_only_staff_moderate(client, people):
    mirror = pending_mirror(people)
    answer = client.get(QUEUE)
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    answer = client.post(reverse("mirrors:approve", args=[mirror.pk]))
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    client.force_login(people["volunteer"])
    assert client.get(QUEUE).status_code == 403
    for name in ("approve", "reject", "disable", "enable"):
        answer = client.post(reverse(f"mirrors:{name}", args=[mirror.pk]), {"reason": "x"})
        assert answer.status_code == 403, name
    mirror.refresh_from_db()
    assert mirror.approval == Approval.PENDING
    client.force_login(people["staff"])
    assert client.get(QUEUE).status_code == 200


def test_the_queue_shows_what_the_first_checks_found(staff, people, django_assert_num_queries):
    pending_mirror(people)
    pending_mirror(people, "unchecked.example.org", checked=False)
    MirrorFactory(name="live.example.org")  # approved: not in the queue
    MirrorFactory(name="gone.example.org", approval=Approval.DISABLED,
                  approval_reason="Broken tree.")  # fmt: skip
    page = staff.get(QUEUE).content.decode()
    assert "Pending approval (2)" in page
    new = page[page.index("new.example.org") : page.index("unchecked.example.org")]
    assert "Its checks found: <b>1 repositories current</b>, 0 behind, 1 missing." in new
    assert "HTTP status: 404 Not Found" in new and "200 in 42 ms" in new
    assert "Registered" in new and "by vol (vol@example.org)" in new
    assert "Its checks found: not checked yet." in page
    assert "live.example.org" not in page
    assert "Broken tree." in page

    # The same queries for three times as many mirrors.
    with django_assert_num_queries(9) as few:  # 1 of them: the count beside Moderation
        staff.get(QUEUE)
    for n in range(4):
        pending_mirror(people, f"more{n}.example.org")
    with django_assert_num_queries(len(few.captured_queries)):
        staff.get(QUEUE)


def test_approve_emails_the_mirrors_people(staff, people, django_capture_on_commit_callbacks):
    mirror = pending_mirror(people)
    answer = post(staff, "approve", mirror, capture=django_capture_on_commit_callbacks)
    assert answer.status_code == 302 and answer["Location"] == QUEUE
    mirror.refresh_from_db()
    assert mirror.approval == Approval.APPROVED
    (email,) = mail.outbox
    assert email.subject == "[CentOS mirrors] Mirror new.example.org is approved"
    assert email.body.endswith("\n-- \nCentOS infrastructure portal\nhttp://127.0.0.1:8000/\n")
    assert email.to == ["vol@example.org", "noc@example.org", "helper@example.org",
                        "team@example.org"]  # fmt: skip
    assert "new.example.org is approved." in staff.get(QUEUE).content.decode()


def test_a_name_stored_with_a_line_break_still_gets_its_email(
    staff, people, django_capture_on_commit_callbacks
):
    """Names were not checked before: one holding CR/LF made Django refuse the approval
    email (BadHeaderError). The subject is one line, whatever the name holds."""
    mirror = pending_mirror(people, "old.example.org\r\nBcc: everyone@example.org")
    post(staff, "approve", mirror, capture=django_capture_on_commit_callbacks)
    (email,) = mail.outbox
    assert (
        email.subject
        == "[CentOS mirrors] Mirror old.example.org Bcc: everyone@example.org is approved"
    )
    assert "Bcc" not in email.message()


def test_a_mirror_without_a_url_cannot_be_approved(
    staff, people, django_capture_on_commit_callbacks
):
    mirror = pending_mirror(people, checked=False)
    mirror.urls.all().delete()
    assert "No URL: it cannot be approved" in staff.get(QUEUE).content.decode()
    post(staff, "approve", mirror, capture=django_capture_on_commit_callbacks)
    page = staff.get(QUEUE).content.decode()
    assert ("new.example.org was not approved: A mirror without an http or https URL "
            "cannot be approved.") in page  # fmt: skip
    mirror.refresh_from_db()
    assert mirror.approval == Approval.PENDING
    assert mail.outbox == []


def test_reject_needs_a_reason(staff, people, django_capture_on_commit_callbacks):
    mirror = pending_mirror(people)
    form = staff.get(reverse("mirrors:reject", args=[mirror.pk]))
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    answer = post(staff, "reject", mirror, {"reason": "  "},
                  capture=django_capture_on_commit_callbacks)  # fmt: skip
    assert answer.status_code == 400
    assert "This field is required." in answer.content.decode()
    mirror.refresh_from_db()
    assert mirror.approval == Approval.PENDING and mail.outbox == []

    post(staff, "reject", mirror, {"reason": "Only carries the ISOs."},
         capture=django_capture_on_commit_callbacks)  # fmt: skip
    mirror.refresh_from_db()
    assert (mirror.approval, mirror.approval_reason) == (Approval.REJECTED,
                                                          "Only carries the ISOs.")  # fmt: skip
    (email,) = mail.outbox
    assert email.subject == "[CentOS mirrors] Mirror new.example.org was not approved"
    assert "Reason: Only carries the ISOs." in email.body


def test_disable_with_a_reason_then_enable(staff, people, django_capture_on_commit_callbacks):
    mirror = pending_mirror(people, approval=Approval.APPROVED, status=MirrorStatus.UP)
    post(staff, "disable", mirror, {"reason": ""}, capture=django_capture_on_commit_callbacks)
    mirror.refresh_from_db()
    assert mirror.approval == Approval.APPROVED
    post(staff, "disable", mirror, {"reason": "Serves a truncated tree."},
         capture=django_capture_on_commit_callbacks)  # fmt: skip
    mirror.refresh_from_db()
    assert (mirror.approval, mirror.approval_reason) == (Approval.DISABLED,
                                                          "Serves a truncated tree.")  # fmt: skip
    post(staff, "enable", mirror, capture=django_capture_on_commit_callbacks)
    mirror.refresh_from_db()
    assert (mirror.approval, mirror.status) == (Approval.APPROVED, MirrorStatus.UNKNOWN)
    assert [m.subject for m in mail.outbox] == [
        "[CentOS mirrors] Mirror new.example.org has been disabled",
        "[CentOS mirrors] Mirror new.example.org is enabled again",
    ]
    assert "Reason: Serves a truncated tree." in mail.outbox[0].body


def test_no_email_when_moderation_emails_are_off(staff, people, django_capture_on_commit_callbacks):
    mirror = pending_mirror(people, notify_events=["down", "recovered"])
    post(staff, "approve", mirror, capture=django_capture_on_commit_callbacks)
    mirror.refresh_from_db()
    assert mirror.approval == Approval.APPROVED
    assert mail.outbox == []


def test_decisions_need_a_csrf_token(people):
    mirror = pending_mirror(people)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["staff"])
    assert client.post(reverse("mirrors:approve", args=[mirror.pk])).status_code == 403
    page = client.get(QUEUE).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    mirror.refresh_from_db()
    assert mirror.approval == Approval.PENDING
    assert timezone.now()  # the decision was not taken: nothing else changed


def test_approving_a_mirror_that_carries_nothing_current_asks_first(
    staff, people, django_capture_on_commit_callbacks
):
    mirror = pending_mirror(people, "empty.example.org", checked=False)
    page = staff.get(QUEUE).content.decode()
    assert '<span class="nav-count" aria-label="1 waiting">1</span>' in page  # beside Moderation
    answer = post(staff, "approve", mirror, capture=django_capture_on_commit_callbacks)
    assert answer.status_code == 200
    assert (
        "The checks found <strong>no repository current</strong> on it" in answer.content.decode()
    )
    mirror.refresh_from_db()
    assert mirror.approval == Approval.PENDING and not mail.outbox
    answer = post(staff, "approve", mirror, {"confirm": "yes"},
                  capture=django_capture_on_commit_callbacks)  # fmt: skip
    mirror.refresh_from_db()
    assert answer.status_code == 302 and mirror.approval == Approval.APPROVED
    assert '<span class="nav-count"' not in staff.get(QUEUE).content.decode()


def _admin_form_data(response) -> dict:
    """What the admin's change form would post back unchanged (the mirror and its inlines)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def test_the_admin_refuses_a_name_with_a_line_break(admin_client, people):
    mirror = pending_mirror(people)
    url = reverse("admin:mirrors_mirror_change", args=[mirror.pk])
    data = {**_admin_form_data(admin_client.get(url)), "name": "new.example.org\r\nBcc: x@y.org"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "A name is one line of text: no line break, tab or other control character."
    ]
    mirror.refresh_from_db()
    assert mirror.name == "new.example.org"
