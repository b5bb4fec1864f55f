"""The health loop's confirmation, against the real mirror farm: a probe that would change a
mirror's status is asked again a few seconds later in the same round; a lone failure (a
lost packet) takes no one out, and a death confirmed is recorded and published while the
round still waits for its slowest mirrors."""

from __future__ import annotations

import threading
import time

import pytest

from apps.core.testing.mirrorfarm import Behaviour
from apps.mirrors import services
from apps.mirrors.choices import MirrorStatus
from apps.mirrors.models import Mirror
from apps.mirrors.signals import mirrors_changed


def _flip_after_first_request(farm, name: str, path: str, behaviour: Behaviour):
    """Switch mirror `name` to `behaviour` as soon as it has been asked for `path` once more."""
    sim = farm[name]
    before = sim.requests[path]

    def watch() -> None:
        deadline = time.monotonic() + 10
        while sim.requests[path] == before and time.monotonic() < deadline:
            time.sleep(0.005)
        farm.set_behaviour(name, behaviour)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db
def test_a_failure_that_the_second_probe_does_not_confirm_takes_no_one_out(
    network, farm, health_settings
):
    health_settings.MIRROR_HEALTH_CONFIRM_SECONDS = 1.0
    Mirror.objects.update(status=MirrorStatus.UP)
    farm.set_behaviour("one", Behaviour.ERROR_500)
    watcher = _flip_after_first_request(farm, "one", "/centos/TIME", Behaviour.CURRENT)
    report = services.health_round()
    watcher.join()
    assert farm["one"].requests["/centos/TIME"] == 2  # the failure, then its confirmation
    assert (report.failed, report.taken_down) == (0, [])
    one = Mirror.objects.get(name="one.farm.test")
    assert (one.status, one.health_failures, one.health_error) == (MirrorStatus.UP, 0, "")

    # Failing twice in a row, a few seconds apart: out in this round.
    farm.set_behaviour("one", Behaviour.ERROR_500)
    report = services.health_round()
    assert farm["one"].requests["/centos/TIME"] == 4
    assert report.taken_down == ["one.farm.test"]
    one.refresh_from_db()
    assert (one.status, one.health_failures) == (MirrorStatus.DOWN, 2)
    assert "http_status" in one.health_error


@pytest.mark.django_db(transaction=True)
def test_a_confirmed_death_is_published_before_the_round_ends(network, farm, health_settings):
    """One mirror refuses, another accepts and never answers (its two probes cost two
    timeouts): the refused one's way out is committed and published at its confirmation,
    not when the round ends."""
    health_settings.MIRROR_HEALTH_TIMEOUT = 2.0
    health_settings.MIRROR_HEALTH_CONFIRM_SECONDS = 0.3
    Mirror.objects.update(status=MirrorStatus.UP)
    farm.set_behaviour("one", Behaviour.REFUSED)
    farm.set_behaviour("two", Behaviour.HANG)
    published: list[tuple[float, str]] = []

    def heard(sender, reason: str, **kwargs) -> None:
        published.append((time.monotonic(), reason))

    mirrors_changed.connect(heard)
    try:
        started = time.monotonic()
        report = services.health_round()
        ended = time.monotonic()
    finally:
        mirrors_changed.disconnect(heard)
    assert sorted(report.taken_down) == ["one.farm.test", "two.farm.test"]
    assert ended - started >= 4.0  # the hung one's probe and its confirmation
    (first_at, first), (second_at, second) = published
    assert "one.farm.test" in first and first_at - started < 1.5
    assert "two.farm.test" in second and second_at - started >= 4.0
    assert set(Mirror.objects.filter(status=MirrorStatus.DOWN).values_list("name", flat=True)) == {
        "one.farm.test", "two.farm.test"
    }  # fmt: skip
