"""The release pages: the list shows only public releases' images (staged and candidate
ones are "in preparation"), a release's page its timeline, the candidate's matrix as
green/amber/red/grey cells, its open blockers and its notes as sanitised Markdown; people
post results and blockers there."""

import pytest
from django.urls import reverse

from apps.releases.choices import ReleaseStatus
from apps.releases.models import Blocker, Release, ValidationResult
from apps.releases.services import release_mark_end_of_life

from .factories import ImageFactory
from .test_go_rule import passes


@pytest.fixture
def rc(api, planned):
    return api.post("candidates/", "releng", {"release": "5.1"})[1]["id"]


def page(client, version="5.1", **query):
    response = client.get(reverse("releases:detail", args=[version]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_matrix_shows_each_cell_in_its_colour(client, api, rc, django_assert_max_num_queries):
    passes(api, rc, archs=["x86_64"])
    passes(api, rc, archs=["i386"], cases=["media-check"], outcome="fail")
    passes(api, rc, archs=["i386"], cases=["boot-bios"], outcome="warn")
    with django_assert_max_num_queries(20):
        html = page(client)
    assert html.count('class="cell cell-pass"') == 5
    assert html.count('class="cell cell-fail"') == 1
    assert html.count('class="cell cell-warn"') == 1
    assert "Release-blocking case media-check: failed on i386." in html
    assert "RC1" in html and "by rel" in html  # the timeline names who


def test_the_page_makes_the_same_queries_with_many_results(client, api, rc, people):
    passes(api, rc, archs=["x86_64"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page(client)
    passes(api, rc)
    passes(api, rc, outcome="warn")
    with CaptureQueriesContext(connection) as many:
        page(client)
    assert len(many) == len(few)


def test_upgrade_notes_are_sanitised_markdown(client, planned):
    planned.upgrade_notes = "## From Fedora\n\nRun `yum upgrade`.<script>alert(1)</script>"
    planned.save()
    html = page(client)
    assert "<h2>From Fedora</h2>" in html and "<code>yum upgrade</code>" in html
    assert "<script>alert(1)" not in html


def test_the_list_shows_images_of_public_releases_only(client, planned):
    staged = Release.objects.get(version="5.1")
    staged.status = ReleaseStatus.STAGED
    staged.save()
    ImageFactory(release=staged, name="CentOS-5.1-x86_64-bin-DVD.iso")
    ImageFactory(release=Release.objects.get(version="5.0"), name="CentOS-5.0-x86_64-bin-DVD.iso")
    html = client.get(reverse("releases:list")).content.decode()
    assert "CentOS-5.0-x86_64-bin-DVD.iso" in html
    assert "CentOS-5.1-x86_64-bin-DVD.iso" not in html
    assert 'id="preparing"' in html and "CentOS 5.1</a>" in html


def test_an_end_of_life_release_page_says_when_and_where(client, planned, people):
    release_mark_end_of_life(release=Release.objects.get(version="5.0"), by=people["staff"][0])
    html = page(client, "5.0")
    assert 'href="http://vault.example.org/centos/5.0/"' in html
    assert "End of life since" in html and "by ops" in html


def test_a_tester_posts_a_result_through_the_page(client, rc, people):
    client.force_login(people["qa"][0])
    url = reverse("releases:result-post", args=["5.1", 1])
    response = client.post(url, {"case": "boot-bios", "architecture": "i386",
                                 "environment": "bios", "outcome": "fail",
                                 "bug_url": "https://bugs.example.org/9"})  # fmt: skip
    assert response.status_code == 302
    result = ValidationResult.objects.get()
    assert (result.tester.username, result.bug_urls) == ("quinn", ["https://bugs.example.org/9"])
    assert 'class="cell cell-fail"' in page(client)


def test_someone_in_no_team_cannot_post_a_result(client, rc, people):
    client.force_login(people["anyone"][0])
    response = client.post(reverse("releases:result-post", args=["5.1", 1]),
                           {"case": "boot-bios", "architecture": "i386", "outcome": "pass",
                            "environment": "default"})  # fmt: skip
    assert response.status_code == 403 and not ValidationResult.objects.exists()


def test_anyone_signed_in_proposes_a_blocker_and_the_teams_vote(client, planned, people):
    url = reverse("releases:blocker-post", args=["5.1"])
    form = {"milestone": "final", "criterion": "upgrade", "bug_url": "https://bugs.example.org/5"}
    assert client.post(url, form).status_code == 302 and not Blocker.objects.exists()  # login
    client.force_login(people["anyone"][0])
    assert client.post(url, form).status_code == 302
    blocker = Blocker.objects.get()
    assert "https://bugs.example.org/5" in page(client)
    vote = reverse("releases:blocker-vote", args=["5.1", blocker.pk])
    assert client.post(vote, {"vote": "1"}).status_code == 403
    client.force_login(people["qa"][0])
    assert client.post(vote, {"vote": "1"}).status_code == 302
    assert blocker.votes.count() == 1
