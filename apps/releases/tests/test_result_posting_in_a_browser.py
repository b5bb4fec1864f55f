"""A tester posts a validation result through the release page in headless Chromium and
sees the matrix cell turn colour, at 390 px and at 1366 px (screenshots before and after
under BROWSER_ARTIFACTS)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from apps.releases.choices import Criterion, ReleaseStatus, Team
from apps.releases.models import ReleaseCandidate, ValidationCase, ValidationResult
from portal.tests.browser import PHONE, chrome, shoot, sideways_overflow

from .factories import team_member

WIDE = (1366, 768)
# The computed backgrounds of static/css/portal.css's .cell-untested, .cell-pass, .cell-fail.
GREY, GREEN, RED = "rgb(230, 232, 235)", "rgb(205, 235, 211)", "rgb(244, 199, 195)"


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


def cell(browser, title: str, arch: str):
    """The matrix cell of a test case (by its title) and an architecture (by its column)."""
    heads = [th.text.split()[0] for th in browser.find_elements(
        "css selector", ".matrix thead th")]  # fmt: skip
    column = heads.index(arch) + 1
    return browser.find_element(
        "xpath", f"//div[@class='matrix']//tr[td[1][starts-with(normalize-space(.), '{title}')]]"
        f"/td[{column}]",
    )  # fmt: skip


def colour(element) -> str:
    return (
        element.value_of_css_property("background-color")
        .replace("rgba", "rgb")
        .replace(", 1)", ")")
    )


def post_result(browser, *, case: str, arch: str, outcome: str, note: str) -> None:
    browser.find_element("xpath", "//summary[starts-with(., 'Post a result')]").click()
    form = browser.find_element("css selector", "form[action$='/results/']")
    Select(form.find_element("name", "case")).select_by_value(case)
    Select(form.find_element("name", "architecture")).select_by_value(arch)
    Select(form.find_element("name", "outcome")).select_by_value(outcome)
    form.find_element("name", "note").send_keys(note)
    old = browser.find_element("tag name", "html")
    form.find_element("css selector", "button[type=submit], input[type=submit]").click()
    WebDriverWait(browser, 15).until(staleness_of(old))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_tester_posts_results_and_the_cells_turn_colour(live_server, browser, planned):
    planned.status = ReleaseStatus.CANDIDATE
    planned.save()
    ReleaseCandidate.objects.create(release=planned, number=1)
    case, _ = ValidationCase.objects.get_or_create(
        name="browser-dvd-install",
        defaults={"title": "Walked DVD install", "criterion": Criterion.INSTALL_DVD},
    )  # fmt: skip
    tester, _key = team_member("quinn", Team.QA)
    client = Client()
    client.force_login(tester)
    browser.get(live_server.url + "/")
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "path": "/",
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value})  # fmt: skip
    page = live_server.url + reverse("releases:detail", args=[planned.version])

    walks = [(PHONE, "i386", "fail", RED), (WIDE, "x86_64", "pass", GREEN)]
    for size, arch, outcome, expected in walks:
        browser.set_window_size(*size)
        browser.get(page)
        before = cell(browser, case.title, arch)
        assert "cell-untested" in before.get_attribute("class")
        assert colour(before) == GREY
        shoot(browser, f"release-result-before-{arch}", size)
        post_result(browser, case=case.name, arch=arch, outcome=outcome, note=f"walked {size[0]}")
        WebDriverWait(browser, 15).until(  # the page after the redirect, not the old one
            lambda b: "Result recorded on RC1." in b.find_element("tag name", "body").text
        )
        after = cell(browser, case.title, arch)
        assert f"cell-{outcome}" in after.get_attribute("class")
        assert after.text.startswith(outcome)
        assert colour(after) == expected
        assert f"{outcome} by quinn (walked {size[0]})" in after.get_attribute("title")
        assert sideways_overflow(browser) <= 0, f"{size[0]} px scrolls sideways"
        shoot(browser, f"release-result-after-{arch}", size)
    recorded = ValidationResult.objects.order_by("pk").values_list(
        "architecture__name", "outcome", "tester__username"
    )  # fmt: skip
    assert list(recorded) == [("i386", "fail", "quinn"), ("x86_64", "pass", "quinn")]
