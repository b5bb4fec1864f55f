"""The lifecycle as a story through the release page in headless Chromium, each person
signed in with their own session: release engineering composes RC1, QA records a fail on
i386, someone proposes the bug as a blocker and the three teams accept it, go is refused
with its reasons; RC2 passes, the blocker is closed, a developer who is in QA too is refused
the QA sign-off (the page says why), QA signs, go; staged at 60% of the mirrors, opened when
three of five hold it, and moved to the vault by staff. At each step the test reads what a
person sees; screenshots at 390 and 1366 px (BROWSER_ARTIFACTS)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from apps.mirrors.services.staging import staged_releases_open_due
from apps.releases.choices import Criterion, Team
from apps.releases.models import Release, ReleaseCandidate, ValidationCase
from apps.releases.services import candidate_images_record
from portal.tests.browser import PHONE, chrome, shoot, sideways_overflow

from .factories import team_member
from .test_lifecycle_story import holds, world  # noqa: F401  (world is a fixture)
from .test_result_posting_in_a_browser import RED, cell, colour

WIDE = (1366, 768)
BUG = "https://bugs.example.org/show_bug.cgi?id=2001"


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


def gone(element):
    """The page was replaced (Chromium may say so with an error rather than staleness)."""

    def check(_driver) -> bool:
        try:
            return staleness_of(element)(_driver)
        except WebDriverException:
            return True

    return check


class Story:
    def __init__(self, browser, base: str, people: dict):
        self.browser, self.base, self.people = browser, base, people
        self.page = base + reverse("releases:detail", args=["5.1"])
        browser.get(base + "/")  # cookies are set for the site being shown

    def as_(self, who: str, rc: int | None = None) -> "Story":
        client = Client()
        client.force_login(self.people[who])
        self.browser.delete_all_cookies()
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "path": "/",
                                 "value": session})  # fmt: skip
        self.browser.get(self.page + (f"?rc={rc}" if rc else ""))
        return self

    def text(self) -> str:
        return self.browser.find_element("tag name", "main").text

    def submit(self, button) -> None:
        old = self.browser.find_element("tag name", "html")
        button.click()
        WebDriverWait(self.browser, 15).until(gone(old))

    def result(self, case: str, arch: str, outcome: str, note: str) -> str:
        """Post a result through the page's form; the page's message after it."""
        self.browser.find_element("xpath", "//summary[starts-with(., 'Post a result')]").click()
        form = self.browser.find_element("css selector", "form[action$='/results/']")
        Select(form.find_element("name", "case")).select_by_value(case)
        Select(form.find_element("name", "architecture")).select_by_value(arch)
        Select(form.find_element("name", "outcome")).select_by_value(outcome)
        form.find_element("name", "note").send_keys(note)
        self.submit(form.find_element("css selector", "button[type=submit]"))
        return self.message()

    def press(self, label: str) -> str:
        """Press the button that reads `label`; the page's message after it."""
        self.submit(self.browser.find_element("xpath", f"//button[normalize-space(.)='{label}']"))
        return self.message()

    def message(self) -> str:
        found = self.browser.find_elements("css selector", "ul.messages li")
        return found[0].text if found else ""

    def shoot(self, name: str) -> None:
        for size in (PHONE, WIDE):
            shoot(self.browser, f"lifecycle-{name}", size)
            assert sideways_overflow(self.browser) <= 0, f"{name} scrolls sideways at {size[0]}"
        self.browser.set_window_size(*WIDE)


def blocker_row(story):
    return story.browser.find_element("xpath", f"//tr[td/a[@href='{BUG}']]")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_release_from_rc1_to_the_vault_in_a_browser(live_server, browser, world):  # noqa: F811, PLR0915
    ValidationCase.objects.all().delete()  # one blocking case keeps the story short
    case = ValidationCase.objects.create(name="browser-dvd-install", title="Walked DVD install",
                                         criterion=Criterion.INSTALL_DVD)  # fmt: skip
    people = {
        "rel": team_member("rel", Team.RELEASE_ENGINEERING)[0],
        "quinn": team_member("quinn", Team.QA)[0],
        "devi": team_member("devi", Team.DEVELOPERS)[0],
        "bo": team_member("bo", Team.QA, Team.DEVELOPERS)[0],
        "ann": team_member("ann")[0],
        "ops": team_member("ops", is_staff=True)[0],
    }
    story = Story(browser, live_server.url, people)
    release = Release.objects.get(version="5.1")
    x86 = release.architectures.get(name="x86_64")

    # Release engineering composes RC1; the master refresh reads its image.
    story.as_("rel")
    assert "Planned" in story.text()
    assert story.press("Compose RC1") == "RC1 composed."
    rc1 = ReleaseCandidate.objects.get(release=release, number=1)
    candidate_images_record(candidate=rc1, found={x86.pk: [
        ("CentOS-5.1-x86_64-bin-DVD.iso", 4_000_000_000, "ab" * 32)]})  # fmt: skip

    # QA: a pass on x86_64, a fail on i386 (red).
    story.as_("quinn", 1)
    assert story.result(case.name, "x86_64", "pass", "fine") == "Result recorded on RC1."
    assert story.result(case.name, "i386", "fail", "anaconda dies") == "Result recorded on RC1."
    assert colour(cell(browser, case.title, "i386")) == RED
    assert "CentOS-5.1-x86_64-bin-DVD.iso" in story.text() and "3.7 GB" in story.text()
    assert "Release-blocking case browser-dvd-install: failed on i386." in story.text()
    story.shoot("1-rc1-fails-on-i386")

    # Anyone signed in proposes the bug as a blocker; the three teams accept it.
    story.as_("ann")
    browser.find_element("xpath", "//summary[.='Propose a blocker']").click()
    form = browser.find_element("css selector", "form[action$='/blockers/']")
    Select(form.find_element("name", "criterion")).select_by_value(Criterion.INSTALL_DVD)
    form.find_element("name", "bug_url").send_keys(BUG)
    form.find_element("name", "summary").send_keys("anaconda dies on i386")
    story.submit(form.find_element("css selector", "button[type=submit]"))
    assert story.message() == "Blocker proposed: the teams will vote on it."
    assert "Proposed" in blocker_row(story).text
    for who in ("quinn", "devi", "rel"):
        story.as_(who)
        story.submit(blocker_row(story).find_element("xpath", ".//button[.='+1']"))
    assert "Accepted" in blocker_row(story).text

    # Go for RC1 is refused, and the page says why.
    refused = story.as_("rel", 1).press("Give RC1 go")
    assert refused == (
        "Refused: Release-blocking case browser-dvd-install: failed on i386; Accepted blocker "
        f"still open: {BUG}; No sign-off by a QA member who is not in the developers' team."
    )
    assert Release.objects.get(version="5.1").status == "candidate"
    story.shoot("2-rc1-go-refused")

    # RC2: QA passes it on both architectures; a developer closes the fixed blocker.
    assert story.press("Compose RC2") == "RC2 composed."
    rc2 = ReleaseCandidate.objects.get(release=release, number=2)
    candidate_images_record(candidate=rc2, found={x86.pk: [
        ("CentOS-5.1-x86_64-bin-DVD.iso", 4_000_000_001, "cd" * 32)]})  # fmt: skip
    story.as_("quinn", 2)
    for arch in ("x86_64", "i386"):
        assert story.result(case.name, arch, "pass", "fixed") == "Result recorded on RC2."
    story.as_("devi")
    assert story.press("Close: fixed") == f"Blocker {BUG} closed: fixed."
    assert "Open blockers\nNone." in story.text()

    # A developer who is in QA too cannot sign off as QA: the page says why.
    story.as_("bo", 2)
    assert [o.text for o in Select(browser.find_element("id", "signoff-team")).options] == [
        "QA", "Developers"]  # fmt: skip
    assert story.press("Sign off") == (
        "Refused: bo is in the developers' team: a developer cannot sign off as QA."
    )
    assert "Signed off by: nobody yet." in story.text()
    story.shoot("3-developer-signoff-refused")

    # QA (not a developer) signs off; go.
    story.as_("quinn", 2)
    assert story.press("Sign off") == "RC2 signed off by quinn for QA."
    assert "Signed off by: quinn (QA)." in story.text()
    assert "RC2 has everything it needs for go." in story.text()
    story.as_("rel", 2)
    assert story.press("Give RC2 go") == "5.1 is go with RC2."
    assert browser.find_element("css selector", "h1 .badge").text == "Go"
    assert browser.find_element("css selector", "#candidates-title ~ h3").text == "RC2 went go"
    assert not browser.find_elements("xpath", "//summary[starts-with(., 'Post a result')]")
    story.shoot("4-go")

    # Staged: mirrors sync it, it opens when 60% of them hold it.
    browser.find_element("name", "share").send_keys("60")
    assert story.press("Stage") == "5.1 is staged: mirrors sync it; no public answer names it yet."
    assert ("Staged: mirrors are syncing it; it is not in the mirror lists yet. It opens when "
            "60 % of the mirrors hold it.") in story.text()  # fmt: skip
    story.shoot("5-staged")
    for mirror in world[:3]:
        holds(mirror, release)
    assert staged_releases_open_due() == ["5.1"]  # the periodic task's work
    story.as_("rel")
    assert browser.find_element("css selector", "h1 .badge").text == "Public"
    assert "opened at 60% of the mirrors (3 of 5" in story.text()
    assert "Rollout: the share of mirrors holding it" in story.text()
    assert not browser.find_elements("xpath", "//button[contains(., 'vault')]")  # staff only
    story.shoot("6-public")

    # Staff move it to the vault.
    story.as_("ops")
    assert story.press("Move 5.1 to the vault (end of life)") == (
        "5.1 is end of life: clients asking for it go to the vault."
    )
    text = story.text()
    assert "End of life since " in text
    assert "served from the vault, http://vault.example.org/centos/5.1/. Mirrors no longer carry" \
        in text  # fmt: skip
    timeline = browser.find_element("css selector", "ol.timeline").text.splitlines()
    assert [line.split(" by ")[0].split()[-1] for line in timeline] == [
        "RC1", "RC2", "RC2", "Staged", "Public", "life"]  # fmt: skip
    assert timeline[-1].endswith("by ops — moved to the vault")
    story.shoot("7-end-of-life")
