"""The release page (timeline, candidates, the matrix in colours, blockers, notes) and the
rollout page in headless Chromium: in the site's layout, and nothing scrolls sideways at
390 px (the matrix scrolls inside its own box)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.mirrors.services.staging import rollout_samples_record
from apps.mirrors.tests.factories import MirrorFactory
from apps.releases.choices import Team
from apps.releases.models import Blocker, ReleaseCandidate, ValidationCase, ValidationResult
from apps.releases.services import release_stage
from portal.tests.browser import DESKTOP, PHONE, chrome, shoot, sideways_overflow

from .factories import team_member


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_release_and_rollout_pages_fit_a_phone_and_a_desktop(live_server, browser, planned):
    qa, _key = team_member("quinn", Team.QA)
    # The data migration's cases are gone after an earlier test that flushed the database.
    ValidationCase.objects.get_or_create(
        name="browser-dvd-install",
        defaults={"title": "Walked DVD install", "criterion": "install-dvd"},
    )  # fmt: skip
    candidate = ReleaseCandidate.objects.create(release=planned, number=1)
    for n, case in enumerate(ValidationCase.objects.all()):
        for arch in planned.architectures.all():
            ValidationResult.objects.create(
                candidate=candidate, case=case, architecture=arch, tester=qa,
                outcome=["fail", "pass", "warn"][n % 3], note="a long note " * 5,
                bug_urls=["https://bugs.example.org/show_bug.cgi?id=1234567890"],
            )  # fmt: skip
    Blocker.objects.create(
        release=planned, milestone="final", criterion="install-dvd", proposed_by=qa,
        bug_url="https://bugs.example.org/show_bug.cgi?id=1234567890123456789",
        summary="anaconda fails to partition a disk larger than two terabytes on i386",
    )  # fmt: skip
    planned.upgrade_notes = "## From Fedora Core 6\n\n```\nyum upgrade --exclude=kernel*\n```"
    planned.status = "go"
    planned.save()
    release_stage(release=planned, by=team_member("rel", Team.RELEASE_ENGINEERING)[0], share=60)
    for n in range(4):
        MirrorFactory(name=f"b{n}.example.org", continent=["EU", "NA"][n % 2])
    rollout_samples_record(now=timezone.now())
    pages = {
        "release": reverse("releases:detail", args=["5.1"]),
        "rollout": reverse("mirrors:rollout", args=["5.1"]),
    }
    problems = []
    for name, path in pages.items():
        browser.get(live_server.url + path)
        assert browser.find_element("css selector", "header.site-header"), name
        for size in (DESKTOP, PHONE):
            shoot(browser, name, size)
            if (extra := sideways_overflow(browser)) > 0:
                problems.append(f"{name} at {size[0]} px is {extra} px too wide")
    assert problems == []
    browser.get(live_server.url + pages["release"])
    assert browser.find_elements("css selector", "td.cell-fail")
