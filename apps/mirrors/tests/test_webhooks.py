"""Owners' webhooks through their page and a real receiver on 127.0.0.1: the event arrives
signed, a failed attempt is tried again, every attempt shows on the page, and the checks'
address policy holds for the targets (at the form and at each delivery)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.mirrors.choices import Approval
from apps.mirrors.models import MirrorWebhook, WebhookDelivery
from apps.mirrors.services.moderation import mirror_approve
from apps.mirrors.services.status import Notice, notices_send

from .factories import MirrorFactory, MirrorURLFactory

pytestmark = [pytest.mark.django_db]


class Receiver:
    """Answers each POST with the next status of `statuses` (then 204), keeping what came."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver([500])
    yield found
    found.close()


@pytest.fixture
def owner(django_user_model, client):
    cache.clear()  # the forms' rate counts
    user = django_user_model.objects.create_user("owner", "owner@example.org", "pw-owner-123")
    client.force_login(user)
    return user


@pytest.fixture
def mirror(owner):
    mirror = MirrorFactory(name="mine.example.org", owner=owner, approval=Approval.PENDING)
    MirrorURLFactory(mirror=mirror, url="http://mine.example.org/centos/")
    return mirror


@pytest.fixture
def eager(settings, eager_tasks):
    settings.MIRROR_WEBHOOK_RETRY_SECONDS = 0


def test_an_event_arrives_signed_and_a_failed_attempt_is_tried_again(
    client, settings, mirror, receiver, eager, django_capture_on_commit_callbacks
):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]  # as the tests' farm
    page = reverse("mirrors:webhooks", args=[mirror.pk])
    answer = client.post(page, {"url": receiver.url})
    assert answer.status_code == 302
    hook = MirrorWebhook.objects.get(mirror=mirror)
    assert hook.secret in client.get(page).content.decode()  # shown to its owner

    with django_capture_on_commit_callbacks(execute=True):
        mirror_approve(mirror=mirror)
    assert len(receiver.received) == 2  # a 500, then the retry's 204
    for headers, body in receiver.received:
        expected = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Portal-Signature-256"] == f"sha256={expected}"
        assert headers["X-Portal-Event"] == "approved"
        event = json.loads(body)
        assert event["event"] == "approved" and event["mirror"] == "mine.example.org"
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert [a["status"] for a in delivery.attempts] == [500, 204]
    shown = client.get(page).content.decode()
    assert "http_status: HTTP 500" in shown and "HTTP 204" in shown and "Delivered" in shown

    # A status change told by the checks goes the same way.
    with django_capture_on_commit_callbacks(execute=True):
        notices_send(notices=[Notice(mirror, "down", "TIME: refused")])
    assert json.loads(receiver.received[-1][1])["event"] == "down"


def test_private_targets_are_refused_at_the_form_and_at_delivery(
    client, settings, mirror, receiver, eager, django_capture_on_commit_callbacks
):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = []  # production: no loopback, no private address
    page = reverse("mirrors:webhooks", args=[mirror.pk])
    answer = client.post(page, {"url": "http://10.1.2.3/hook"})
    assert answer.status_code == 200 and "cannot receive events" in answer.content.decode()
    assert not MirrorWebhook.objects.exists()

    # A name (here one pointing at loopback) is checked when it is used: given up at once.
    MirrorWebhook.objects.create(mirror=mirror, url=receiver.url.replace("127.0.0.1", "localhost"))
    with django_capture_on_commit_callbacks(execute=True):
        mirror_approve(mirror=mirror)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert [a["error"].split(":")[0] for a in delivery.attempts] == ["forbidden_target"]
    assert not receiver.received
    assert "Given up" in client.get(page).content.decode()


def test_another_persons_mirror_has_no_webhook_page(client, mirror, django_user_model):
    stranger = django_user_model.objects.create_user("x", "x@example.org", "pw-x-123456")
    client.force_login(stranger)
    assert client.get(reverse("mirrors:webhooks", args=[mirror.pk])).status_code == 404
    answer = client.post(reverse("mirrors:webhooks", args=[mirror.pk]), {"url": "http://a.b/"})
    assert answer.status_code == 404 and not MirrorWebhook.objects.exists()


def test_maintenance_start_and_end_are_told_once_each(
    client, settings, mirror, eager, django_capture_on_commit_callbacks
):
    """A window created open is a start at once; the health round tells the others as they
    open and close, once each; a window removed while open ends there."""
    import datetime as dt

    from django.utils import timezone

    from apps.mirrors.services.health import health_round
    from apps.mirrors.services.owners import maintenance_window_add, maintenance_window_remove

    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    receiver = Receiver([])
    try:
        MirrorWebhook.objects.create(mirror=mirror, url=receiver.url)
        now = timezone.now()
        hour = dt.timedelta(hours=1)

        def told():
            return [
                (json.loads(b)["event"], json.loads(b)["detail"]) for _h, b in receiver.received
            ]

        with django_capture_on_commit_callbacks(execute=True):
            maintenance_window_add(mirror=mirror, starts_at=now - hour, ends_at=now + hour,
                                   note="disk swap")  # fmt: skip
            later = maintenance_window_add(mirror=mirror, starts_at=now + 3 * hour,
                                           ends_at=now + 4 * hour)  # fmt: skip
        assert [e for e, _d in told()] == ["maintenance_start"]
        assert told()[0][1].endswith("UTC: disk swap")

        for at, expected in [
            (now + 0.5 * hour, []),  # nothing opened or closed
            (now + 2 * hour, ["maintenance_end"]),
            (now + 2.5 * hour, []),
            (now + 3.5 * hour, ["maintenance_start"]),
            (now + 3.6 * hour, []),  # once
        ]:
            before = len(receiver.received)
            with django_capture_on_commit_callbacks(execute=True):
                health_round(now=at)
            assert [e for e, _d in told()[before:]] == expected, at

        later.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            maintenance_window_remove(window=later)
        assert told()[-1][0] == "maintenance_end" and "removed early" in told()[-1][1]
        assert len(receiver.received) == 4
        assert WebhookDelivery.objects.filter(state=WebhookDelivery.State.DELIVERED).count() == 4
    finally:
        receiver.close()
