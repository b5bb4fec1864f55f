"""Sweeps against real HTTP mirrors (the farm): what each behaviour leaves in the database,
the hysteresis of a mirror's status, disabling, the emails to owners, one sweep at a time."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.core.testing.mirrorfarm import Behaviour
from apps.mirrors import services
from apps.mirrors.choices import (
    Approval,
    CheckError,
    CheckKind,
    ContentState,
    ImageState,
    MirrorStatus,
    SweepState,
)
from apps.mirrors.models import Check, MirrorImageState, MirrorRepositoryState, Sweep
from apps.mirrors.signals import sweep_finished
from apps.releases.models import RepositoryVersion

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def repo_states(mirror) -> dict[str, str]:
    return {
        f"{s.repository.name}/{s.architecture.name}": s.state
        for s in MirrorRepositoryState.objects.filter(mirror=mirror).select_related(
            "repository", "architecture"
        )
    }


def image_states(mirror) -> set[str]:
    return set(MirrorImageState.objects.filter(mirror=mirror).values_list("state", flat=True))


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run a sweep of these mirrors (all if none), with its after-commit work (emails, the
    sweep_finished signal) done as in production."""

    def run(*mirrors):
        with django_capture_on_commit_callbacks(execute=True):
            return services.sweep_run(mirror_ids=[m.pk for m in mirrors] if mirrors else None)

    return run


def test_a_sweep_records_what_each_behaviour_serves(farm_mirrors, mirror_farm, sweep):
    mirror_farm.set_behaviour("slow", Behaviour.SLOW, delay=0.2)
    received = []

    def receiver(sender, sweep, **kwargs):
        received.append(sweep)

    sweep_finished.connect(receiver)
    try:
        result = sweep()
    finally:
        sweep_finished.disconnect(receiver)

    assert result.state == SweepState.FINISHED and result.master_ok
    assert received and received[-1].pk == result.pk  # the delivery app rebuilds on this
    assert result.mirrors_checked == 12 and result.mirrors_failed == 4
    m = dict(farm_mirrors)
    for mirror in m.values():
        mirror.refresh_from_db()

    every_repo = {f"{r}/{a}" for r in ("os", "updates", "extras") for a in ("x86_64", "i386")}
    for name in ("current", "slow"):
        assert repo_states(m[name]) == dict.fromkeys(every_repo, ContentState.CURRENT)
        assert image_states(m[name]) == {ImageState.PRESENT}
        assert m[name].status == MirrorStatus.UP
    assert repo_states(m["behind"]) == dict.fromkeys(every_repo, ContentState.BEHIND)
    lags = MirrorRepositoryState.objects.filter(mirror=m["behind"]).values_list(
        "lag_seconds", flat=True
    )
    assert all(7200 <= lag < 7200 + 120 for lag in lags)  # one version (2 h) behind
    assert repo_states(m["missing_repo"]) == {
        k: ContentState.MISSING if k.startswith("updates/") else ContentState.CURRENT
        for k in every_repo
    }
    assert image_states(m["missing_iso"]) == {ImageState.MISSING}
    assert repo_states(m["missing_iso"]) == dict.fromkeys(every_repo, ContentState.CURRENT)
    assert image_states(m["wrong_iso_size"]) == {ImageState.WRONG_SIZE}
    # Packages: a random few asked (test_content_samples.py asks every one); only the
    # repository whose packages are missing or short can be found incomplete.
    for name in ("missing_package", "truncated_package"):
        states = repo_states(m[name])
        assert {k: v for k, v in states.items() if not k.startswith("updates/")} == {
            k: ContentState.CURRENT for k in every_repo if not k.startswith("updates/")
        }
        assert set(states.values()) <= {ContentState.CURRENT, ContentState.INCOMPLETE}

    # The broken ones: one probe each (no retry storm), the right error class, no states.
    expected = {
        "error_500": (CheckError.HTTP_STATUS, 500),
        "garbage": (CheckError.WRONG_CONTENT, 200),
        "hang": (CheckError.TIMEOUT, None),
        "refused": (CheckError.REFUSED, None),
    }
    for name, (error, status) in expected.items():
        checks = list(Check.objects.filter(mirror=m[name]))
        assert [(c.kind, c.error, c.http_status) for c in checks] == [
            (CheckKind.TIMESTAMP, error, status)
        ], name
        assert m[name].status == MirrorStatus.DOWN  # never checked before: the first result
        assert m[name].consecutive_failures == 1
        assert not repo_states(m[name])
    hang = Check.objects.get(mirror=m["hang"])
    assert 1000 <= hang.latency_ms < 2500  # the configured timeout, 1 s

    current = Check.objects.filter(mirror=m["current"])
    # TIME, 3 repositories x 2 archs, 2 ISOs x 2 archs, 3 sampled packages, 2 ISO ranges
    assert current.count() == 1 + 6 + 4 + 3 + 2
    assert current.filter(kind=CheckKind.PACKAGE).count() == 3
    assert not current.exclude(error="").exists()
    assert all(c.sweep_id == result.pk and c.latency_ms is not None for c in current)
    assert min(Check.objects.filter(mirror=m["slow"]).values_list("latency_ms", flat=True)) >= 200


def test_status_changes_after_two_sweeps_in_a_row(farm_mirrors, mirror_farm, sweep):
    mirror = farm_mirrors["current"]
    mirror.status = MirrorStatus.UP
    mirror.save()

    mirror_farm.set_behaviour("current", Behaviour.REFUSED)
    sweep(mirror)
    mirror.refresh_from_db()
    assert (mirror.status, mirror.consecutive_failures) == (MirrorStatus.UP, 1)
    assert not mail.outbox

    sweep(mirror)
    mirror.refresh_from_db()
    assert (mirror.status, mirror.consecutive_failures) == (MirrorStatus.DOWN, 2)
    assert [m.subject for m in mail.outbox] == ["[CentOS mirrors] Mirror current.farm.test is down"]
    assert mail.outbox[0].to == [mirror.contact_email]
    assert "refused" in mail.outbox[0].body

    mirror_farm.set_behaviour("current", Behaviour.CURRENT)
    sweep(mirror)
    mirror.refresh_from_db()
    assert (mirror.status, mirror.consecutive_successes) == (MirrorStatus.DOWN, 1)

    sweep(mirror)
    mirror.refresh_from_db()
    assert (mirror.status, mirror.consecutive_successes) == (MirrorStatus.UP, 2)
    assert mail.outbox[-1].subject == "[CentOS mirrors] Mirror current.farm.test is up again"
    assert len(mail.outbox) == 2


def test_a_mirror_failing_n_times_is_suspended_and_its_owner_told(
    farm_mirrors, check_settings, sweep
):
    check_settings.MIRROR_CHECK_SUSPEND_AFTER = 3
    mirror = farm_mirrors["refused"]
    mirror.status = MirrorStatus.UP
    mirror.save()
    for _ in range(3):
        sweep(mirror)
    mirror.refresh_from_db()
    assert (mirror.approval, mirror.standing) == (Approval.APPROVED, "suspended")
    assert re.search(r" after (\d+) failed checks in a row\.$", mirror.suspended_reason)[1] == "3"
    assert [m.subject for m in mail.outbox] == [
        "[CentOS mirrors] Mirror refused.farm.test is down",
        "[CentOS mirrors] Mirror refused.farm.test has been suspended",
    ]
    assert "Connect call failed" in mail.outbox[1].body or "refused" in mail.outbox[1].body
    # A suspended mirror is no longer checked.
    assert sweep(mirror).mirrors_total == 0


def test_a_stale_mirror_is_told_once(farm_mirrors, check_settings, mirror_farm, sweep):
    check_settings.MIRROR_CHECK_STALE_EMAIL_SECONDS = 3600  # the mirror is 2 h behind
    mirror = farm_mirrors["behind"]
    sweep(mirror)
    sweep(mirror)
    assert [m.subject for m in mail.outbox] == [
        "[CentOS mirrors] Mirror behind.farm.test is out of date"
    ]
    mirror.refresh_from_db()
    assert mirror.stale_notified

    mirror_farm.set_behaviour("behind", Behaviour.CURRENT)
    sweep(mirror)
    mirror.refresh_from_db()
    assert not mirror.stale_notified  # told again if it falls behind again


def test_the_master_refresh_records_new_versions_and_keeps_a_bounded_history(
    master_catalogue, mirror_farm, check_settings, master_tree
):
    check_settings.MIRROR_CHECK_VERSION_HISTORY = 2
    image = master_catalogue["release"].images.first()
    image.size += 1
    image.expected_sha256 = "0" * 64  # what somebody typed
    image.save()

    report = services.master_refresh()

    assert report.ok and report.timestamp == master_tree.timestamp, report.problems
    # Every image's hash comes from the master's sha256sum.txt, one size was wrong.
    assert report.versions_added == 6 and report.images_changed == 4
    assert report.problems == []
    newest = RepositoryVersion.objects.filter(repository__name="os", architecture__name="i386")
    assert list(newest.latest_first().values_list("sha256", flat=True)) == [
        v.sha256 for v in master_tree.versions("5.0", "os", "i386")[:2]
    ]
    image.refresh_from_db()
    iso = master_tree.isos[("5.0", image.architecture.name, image.name)]
    assert (image.size, image.sha256) == (iso.size, iso.sha256)
    assert image.checksum_problems == [f"typed sha256 {'0' * 64} differs from the master's"]
    again = services.master_refresh()
    assert (again.versions_added, again.images_changed) == (0, 0)  # idempotent


def test_only_one_sweep_runs_at_a_time(farm_mirrors):
    now = timezone.now()
    running = Sweep.objects.create(started_at=now, lease_expires_at=now + dt.timedelta(hours=1))
    assert services.sweep_start() is None
    assert services.sweep_run() is None

    out = io.StringIO()
    call_command("sweepmirrors", stdout=out)
    assert "already running" in out.getvalue()

    # A sweep whose worker died does not block the next one after its lease.
    running.lease_expires_at = now - dt.timedelta(seconds=1)
    running.save()
    sweep_chunks = services.sweep_start(chunk_size=4)
    assert sweep_chunks is not None and len(sweep_chunks.chunks) == 3
    running.refresh_from_db()
    assert running.state == SweepState.ABANDONED


def test_a_chunk_delivered_again_counts_once(farm_mirrors, django_capture_on_commit_callbacks):
    """A worker killed after counting its chunk but before acknowledging the task: the
    chunk comes again (acks_late) and is neither probed nor counted a second time."""
    ids = [farm_mirrors[name].pk for name in ("current", "behind", "refused")]
    sweep_chunks = services.sweep_start(mirror_ids=ids, chunk_size=2)
    first, second = sweep_chunks.chunks
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            services.sweep_chunk_run(sweep_id=sweep_chunks.sweep.pk, mirror_ids=first).mirrors == 2
        )
        checks = Check.objects.count()
        again = services.sweep_chunk_run(sweep_id=sweep_chunks.sweep.pk, mirror_ids=first)
        assert again.skipped and not again.last and Check.objects.count() == checks
        assert not services.sweep_chunk_fail(
            sweep_id=sweep_chunks.sweep.pk, error="x", mirror_ids=first
        )
        assert services.sweep_chunk_run(sweep_id=sweep_chunks.sweep.pk, mirror_ids=second).last
    sweep = Sweep.objects.get(pk=sweep_chunks.sweep.pk)
    assert (sweep.chunks_done, sweep.mirrors_checked) == (2, 3)
    assert "A chunk failed" not in sweep.notes


def test_the_sweepmirrors_command_prints_a_summary(farm_mirrors):
    out = io.StringIO()
    names = ["current", "behind", "missing_iso", "refused"]
    options = [arg for name in names for arg in ("--mirror", f"{name}.farm.test")]
    call_command("sweepmirrors", *options, stdout=out)
    text = out.getvalue()
    assert re.search(r" s: (\d+) mirrors checked, ", text)[1] == "4"
    counts = dict(re.findall(r"^  (\w[\w ]*?) +(\d+)   ", text, re.MULTILINE))
    assert counts == {
        "up": "3", "down": "1", "current": "2", "behind": "1", "incomplete": "0",
        "missing ISOs": "1",
    }  # fmt: skip


def test_the_sweepmirrors_command_filters_by_country(farm_mirrors):
    farm_mirrors["current"].country = "NZ"
    farm_mirrors["current"].save()
    out = io.StringIO()
    call_command("sweepmirrors", "--country", "nz", stdout=out)
    assert re.search(r" s: (\d+) mirrors checked, ", out.getvalue())[1] == "1"
    assert set(Check.objects.values_list("mirror__name", flat=True)) == {"current.farm.test"}


def test_unchanged_states_are_touched_and_changed_ones_rewritten(farm_mirrors, mirror_farm, sweep):
    mirror = farm_mirrors["current"]
    sweep(mirror)
    first = {s.pk: s.checked_at for s in MirrorRepositoryState.objects.filter(mirror=mirror)}
    mirror_farm.set_behaviour("current", Behaviour.BEHIND, versions_behind={"updates": 1})
    sweep(mirror)
    states = MirrorRepositoryState.objects.filter(mirror=mirror)
    assert {s.pk for s in states} == set(first)  # updated in place, never duplicated
    assert all(s.checked_at > first[s.pk] for s in states)
    assert {s.repository.name: s.state for s in states.select_related("repository")} == {
        "os": ContentState.CURRENT, "updates": ContentState.BEHIND, "extras": ContentState.CURRENT
    }  # fmt: skip
