"""The release page's lifecycle buttons refuse what the API refuses, and say why on the
page: the wrong team, a release in the wrong state, bad staging input; staff alone move a
release to the vault; the Open button makes a staged release public."""

from django.urls import reverse

from apps.releases.models import Release

STEP = reverse("releases:step", args=["5.1"])


def press(client, people, who, **data):
    client.force_login(people[who][0])
    answer = client.post(STEP, data, follow=True)
    assert answer.status_code == 200
    return [str(m) for m in answer.context["messages"]], answer.content.decode()


def test_each_refusal_says_why(client, people, planned):
    said, _ = press(client, people, "dev", step="compose")
    assert said == ["Refused: devi is not in the Release engineering team."]
    said, _ = press(client, people, "releng", step="open")
    assert said == ["Refused: 5.1 is planned: it cannot become current."]
    Release.objects.filter(pk=planned.pk).update(status="go")
    said, _ = press(client, people, "releng", step="stage", share="150")
    assert said == ["Refused: Open at this share of mirrors (%): Ensure this value is less "
                    "than or equal to 100."]  # fmt: skip
    said, _ = press(client, people, "qa", step="stage", share="60")
    assert said == ["Refused: quinn is not in the Release engineering team."]
    assert Release.objects.get(pk=planned.pk).status == "go"
    said, page = press(client, people, "releng", step="stage", share="60")
    assert said == ["5.1 is staged: mirrors sync it; no public answer names it yet."]
    assert "It opens when 60 % of the mirrors hold it." in page


def test_the_open_button_and_staff_alone_move_a_release_to_the_vault(client, people, planned):
    Release.objects.filter(pk=planned.pk).update(status="staged")
    said, page = press(client, people, "releng", step="open")
    assert said == ["5.1 is public: every answer names it from the next snapshot on."]
    assert "Move 5.1 to the vault" not in page  # not offered to release engineering
    said, _ = press(client, people, "releng", step="eol")
    assert said == ["Refused: rel is not staff: only staff move a release to the vault."]
    assert Release.objects.get(pk=planned.pk).status == "current"
    said, _ = press(client, people, "staff", step="eol")
    assert said == ["5.1 is end of life: clients asking for it go to the vault."]
    assert list(planned.events.values_list("status", "by__username")) == [
        ("current", "rel"), ("eol", "ops")]  # fmt: skip


def test_anonymous_people_are_sent_to_sign_in(client, planned):
    answer = client.post(STEP, {"step": "compose"})
    assert answer.status_code == 302 and "login" in answer["Location"]
    assert not planned.candidates.exists()
