"""Staging as the mirror teams see it: the status page shows each staged release's
progress as the checks find it on more mirrors, the periodic task opens it at its time,
and the rollout page draws the share of mirrors holding it over time by continent."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.mirrors.choices import ContentState
from apps.mirrors.models import MirrorRepositoryState, RolloutSample
from apps.mirrors.services.staging import rollout_samples_record, staged_releases_open_due
from apps.mirrors.tests.factories import MirrorFactory, MirrorURLFactory
from apps.releases.choices import ReleaseStatus
from apps.releases.services import release_stage


@pytest.fixture
def staged(planned, people):
    planned.status = ReleaseStatus.GO
    planned.save()
    mirrors = []
    for n, (cc, continent) in enumerate([("GB", "EU"), ("FR", "EU"), ("DE", "EU"),
                                         ("US", "NA"), ("CA", "NA")]):  # fmt: skip
        mirror = MirrorFactory(name=f"s{n}.example.org", country=cc, continent=continent)
        MirrorURLFactory(mirror=mirror)
        mirrors.append(mirror)
    release = release_stage(release=planned, by=people["releng"][0], share=80)
    return release, mirrors


def hold(mirror, release):
    for arch in ("x86_64", "i386"):
        MirrorRepositoryState.objects.create(
            mirror=mirror, release=release, repository=release.repositories.get(name="os"),
            architecture=release.architectures.get(name=arch), state=ContentState.CURRENT,
            checked_at=timezone.now(),
        )  # fmt: skip


def test_the_status_page_shows_the_staging_progress_as_it_rises(client, staged):
    release, mirrors = staged
    hold(mirrors[0], release)
    html = client.get(reverse("mirrors:status")).content.decode()
    assert "CentOS 5.1</strong>: 1 of 5 mirrors hold it (20 %); opens at 80 %" in html
    hold(mirrors[3], release)
    hold(mirrors[4], release)
    html = client.get(reverse("mirrors:status")).content.decode()
    assert "3 of 5 mirrors hold it (60 %)" in html
    assert '<td>NA</td><td class="num">2</td><td class="num">2</td>' in html


def test_a_mirror_holding_one_architecture_only_does_not_count(staged):
    release, mirrors = staged
    MirrorRepositoryState.objects.create(
        mirror=mirrors[0], release=release, repository=release.repositories.get(name="os"),
        architecture=release.architectures.get(name="x86_64"), state=ContentState.CURRENT,
    )  # fmt: skip
    from apps.mirrors.selectors.staging import staging_progress

    assert staging_progress(release)["held"] == 0


def test_a_staged_release_opens_at_its_time(staged, people):
    release, _mirrors = staged
    at = timezone.now() + dt.timedelta(hours=1)
    release_stage(release=release, by=people["releng"][0], opens_at=at)
    assert staged_releases_open_due(now=at - dt.timedelta(minutes=1)) == []
    assert staged_releases_open_due(now=at) == ["5.1"]
    release.refresh_from_db()
    assert release.status == ReleaseStatus.CURRENT
    assert release.events.last().note.startswith("opened at its time")


def test_only_release_engineering_stages_and_only_what_is_go(api, planned):
    assert api.post("releases/5.1/stage/", "qa", {"share": 60})[0] == 403
    status, body = api.post("releases/5.1/stage/", "releng", {"share": 60})
    assert status == 409 and body["missing"] == ["5.1 is planned: it cannot become staged."]
    assert api.post("releases/5.1/open/", "releng")[0] == 409


def test_the_rollout_page_draws_the_share_over_time(client, staged, django_assert_max_num_queries):
    release, mirrors = staged
    t0 = timezone.now()
    hold(mirrors[0], release)
    assert rollout_samples_record(now=t0) == 1
    assert rollout_samples_record(now=t0 + dt.timedelta(minutes=5)) == 0  # too soon
    for mirror in mirrors[1:4]:
        hold(mirror, release)
    assert rollout_samples_record(now=t0 + dt.timedelta(minutes=11)) == 1
    assert staged_releases_open_due() == ["5.1"]  # 4 of 5: 80 %
    assert rollout_samples_record(now=timezone.now() + dt.timedelta(minutes=22)) == 1
    assert RolloutSample.objects.count() == 3
    with django_assert_max_num_queries(12):
        html = client.get(reverse("mirrors:rollout", args=["5.1"])).content.decode()
    assert "Now 4 of 5 mirrors hold it (80 %)" in html and "Opened" in html
    assert html.count("<polyline") == 4  # all, master, EU, NA
    assert "EU: 100 %" in html and "NA: 50 %" in html and "all: 80 %" in html


def test_the_rollout_page_shows_the_share_of_answers_naming_the_release_by_day(
    client, staged, django_assert_max_num_queries
):
    """Hand-made usage counts: the day before the first sample, then two days of 5.1
    taking over from 5.0; 4.4 (another major) and a day before the rollout do not count."""
    from apps.delivery.models import DailyUsage

    release, mirrors = staged
    today = timezone.now().date()
    day = {n: today - dt.timedelta(days=n) for n in (0, 2, 3, 10)}
    hold(mirrors[0], release)
    rollout_samples_record(now=timezone.now() - dt.timedelta(days=2))
    counts = [
        (day[10], "5.1", "mirrorlist", "FR", 999),  # before the rollout's window
        (day[3], "5.0", "mirrorlist", "FR", 100),
        (day[2], "5.0", "mirrorlist", "FR", 60),
        (day[2], "5.1", "mirrorlist", "FR", 30),
        (day[2], "5.1", "metalink", "US", 10),
        (day[2], "4.4", "mirrorlist", "FR", 500),  # another major
        (day[0], "5.0", "metalink", "US", 10),
        (day[0], "5.1", "metalink", "US", 90),
    ]
    for when, version, kind, country, count in counts:
        DailyUsage.objects.create(day=when, release=version, kind=kind, country=country,
                                  arch="x86_64", repo="os", count=count)  # fmt: skip
    with django_assert_max_num_queries(12):
        html = client.get(reverse("mirrors:rollout", args=["5.1"])).content.decode()
    assert f"<strong>90 %</strong> named 5.1 on {day[0]:%-d %b %Y}" in html
    rows = re.findall(
        r'<tr><td>([^<]+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>'
        r'<td class="num">(\d+) %</td></tr>', html,
    )  # fmt: skip
    assert rows == [
        (f"{day[3]:%-d %b %Y}", "0", "100", "0"),
        (f"{day[2]:%-d %b %Y}", "40", "100", "40"),
        (f"{day[0]:%-d %b %Y}", "90", "100", "90"),
    ]
    assert html.count("<circle") == 3


def test_the_rollout_page_says_when_no_answer_was_counted(client, staged):
    html = client.get(reverse("mirrors:rollout", args=["5.1"])).content.decode()
    assert "No answers counted for CentOS 5 since the rollout began." in html
