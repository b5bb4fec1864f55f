"""A mirror reachable from some places and not others: the results of two vantage points
recorded as their workers record them, the owner told by e-mail and by webhook (a real
receiver on 127.0.0.1), once per episode; nothing regional when no place reaches it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from apps.mirrors.choices import MirrorStatus
from apps.mirrors.models import MirrorVantageState, MirrorWebhook, VantagePoint
from apps.mirrors.services.vantage import vantage_results_record

from .factories import MirrorFactory
from .test_webhooks import Receiver

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def receiver(settings, eager_tasks):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_WEBHOOK_RETRY_SECONDS = 0
    found = Receiver([])
    yield found
    found.close()


def test_the_owner_is_told_once_per_episode_where_the_mirror_is_not_reachable_from(
    receiver, settings, django_capture_on_commit_callbacks
):
    eu = VantagePoint.objects.create(name="eu", region="Europe", families=["ipv4"])
    asia = VantagePoint.objects.create(name="asia", region="Asia", families=["ipv4"])
    picky = MirrorFactory(name="picky.example.org", status=MirrorStatus.UP,
                          contact_email="admin@picky.example.org")  # fmt: skip
    gone = MirrorFactory(name="gone.example.org", status=MirrorStatus.DOWN,
                         contact_email="admin@gone.example.org")  # fmt: skip
    for mirror in (picky, gone):
        MirrorWebhook.objects.create(mirror=mirror, url=receiver.url)
    start = timezone.now()

    def round_(minute: int, *, picky_from_asia: bool, gone_from_eu: bool = False):
        now = start + dt.timedelta(minutes=minute)
        with django_capture_on_commit_callbacks(execute=True):
            vantage_results_record(vantage="eu", now=now, results=[
                [picky.pk, True, ""], [gone.pk, gone_from_eu, "refused"]])  # fmt: skip
            vantage_results_record(vantage="asia", now=now, results=[
                [picky.pk, picky_from_asia, "timeout: no answer in 1 s"],
                [gone.pk, False, "refused"]])  # fmt: skip

    def told():
        return [json.loads(body) for _headers, body in receiver.received]

    round_(0, picky_from_asia=False)  # one failure decides nothing (a lost packet)
    assert not mail.outbox and not receiver.received

    round_(1, picky_from_asia=False)  # the second in a row: told
    assert [m.subject.endswith("Mirror picky.example.org is not reachable from Asia")
            for m in mail.outbox] == [True]  # fmt: skip
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@picky.example.org"]
    body = mail.outbox[0].body
    assert "from Asia (vantage point asia) since" in body and "Europe" in body
    assert "timeout: no answer in 1 s" in body
    [event] = told()
    assert event["event"] == "unreachable_from" and event["mirror"] == "picky.example.org"
    assert event["detail"].startswith("not reachable from Asia since")
    # gone is reached from nowhere: its "down" notice says it, not a regional one.

    round_(2, picky_from_asia=False)
    round_(3, picky_from_asia=False)  # the same episode: nothing more
    assert len(mail.outbox) == 1 and len(receiver.received) == 1
    assert MirrorVantageState.objects.get(mirror=picky, vantage=asia).told_at is not None

    round_(4, picky_from_asia=True)  # reachable again: the episode ends
    assert MirrorVantageState.objects.get(mirror=picky, vantage=asia).told_at is None
    round_(5, picky_from_asia=False)
    round_(6, picky_from_asia=False)  # a new episode: told again
    assert len(mail.outbox) == 2 and [e["event"] for e in told()] == ["unreachable_from"] * 2

    # gone, down here, becomes reachable from Europe: Asia's failures are now regional.
    round_(7, picky_from_asia=False, gone_from_eu=True)
    round_(8, picky_from_asia=False, gone_from_eu=True)
    assert [e["mirror"] for e in told()] == ["picky.example.org"] * 2 + ["gone.example.org"]
    assert mail.outbox[-1].to == ["admin@gone.example.org"]
    assert eu.states.count() == 2
