"""One state vocabulary: the same words and badge colour for a mirror on its page, the
lists, and the API (listing_state), whichever reason keeps it out of the lists."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.mirrors.models import MaintenanceWindow, MirrorRepositoryState
from apps.releases.tests.factories import ArchitectureFactory, ReleaseFactory, RepositoryFactory

from .factories import MirrorFactory, MirrorURLFactory

pytestmark = pytest.mark.django_db


def _with_repository(mirror, state: str, lag: int | None = None):
    MirrorRepositoryState.objects.create(
        mirror=mirror, release=ReleaseFactory(version="5.0", minor=0),
        repository=RepositoryFactory(), architecture=ArchitectureFactory(), state=state,
        lag_seconds=lag,
    )  # fmt: skip
    return mirror


@pytest.fixture
def mirrors(db):
    now = timezone.now()
    made = {
        "listed": _with_repository(MirrorFactory(name="a-listed.example"), "current"),
        "grace": _with_repository(MirrorFactory(name="b-grace.example"), "behind", 600),
        "behind": _with_repository(MirrorFactory(name="c-behind.example"), "behind", 3 * 86400),
        "missing": _with_repository(MirrorFactory(name="d-missing.example"), "missing"),
        "down": _with_repository(MirrorFactory(name="e-down.example", status="down"), "current"),
        "maintenance": _with_repository(MirrorFactory(name="f-window.example"), "current"),
        "disabled": MirrorFactory(name="g-off.example", owner_active=False),
    }
    MaintenanceWindow.objects.create(
        mirror=made["maintenance"], starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )  # fmt: skip
    for mirror in made.values():
        MirrorURLFactory(mirror=mirror)
    return made


LABELS = {
    "listed": "Listed", "grace": "Listed after the current ones",
    "behind": "Not listed: behind", "missing": "Not listed: missing content",
    "down": "Not listed: down", "maintenance": "Not listed: in maintenance",
    "disabled": "Not listed: disabled",
}  # fmt: skip


def test_the_api_and_the_pages_say_the_same_state(client, mirrors):
    answer = client.get("/api/v1/mirrors/", {"country": "GB"}).json()
    rows = answer["results"] if isinstance(answer, dict) else answer
    by_name = {row["name"]: row["listing_state"] for row in rows}
    status_page = client.get(reverse("mirrors:status")).content.decode()
    country_page = client.get(reverse("mirrors:country", args=["gb"])).content.decode()
    for code, mirror in mirrors.items():
        assert by_name[mirror.name]["code"] == code, mirror.name
        assert by_name[mirror.name]["label"] == LABELS[code]
        badge = (
            f'<span class="state state-{code}" title="{escape(by_name[mirror.name]["reason"])}">'
        )
        badge += f"{LABELS[code]}</span>"
        for page in (status_page, country_page):
            assert badge in page, (code, mirror.name)
        mirror_page = client.get(reverse("mirrors:detail", args=[mirror.pk])).content.decode()
        assert badge in mirror_page, mirror.name


def test_a_filtered_list_with_no_mirror_says_so(client, mirrors):
    page = client.get(reverse("mirrors:status"), {"country": "AF"}).content.decode()
    assert '<p id="result-count"><strong>0</strong> mirrors.' in page
    assert "No mirror matches these filters." in page
