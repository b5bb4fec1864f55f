"""The volunteer's whole story in headless Chromium, at 1366 and 390 px: sign up and confirm,
register a mirror on the farm (the upstream saved is the one suggested for the country
chosen, also after a form error), see its listing state and what its first check asked and
got in the first screen, staff (logged in by user name on the site) are told and approve
it, it shows on its country page and leads /mirrorlist for its country. No page scrolls
sideways."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.delivery.store import SnapshotStore
from apps.delivery.tests.fixtures import call, new_front
from apps.mirrors.models import Mirror
from apps.mirrors.services import master_refresh
from apps.mirrors.services.registration import upstream_suggest
from apps.mirrors.tests.factories import MirrorFactory, MirrorURLFactory, internal_mirror_create

from .browser import PHONE, chrome, shoot, sideways_overflow

DESKTOP = (1366, 900)

PASSWORD = "a long volunteer passphrase 42"


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


def _look(driver, name):
    for size in (DESKTOP, PHONE):
        shoot(driver, name, size)
    assert sideways_overflow(driver) == 0, name
    driver.set_window_size(*DESKTOP)


def _fill(driver, fields: dict):
    for name, value in fields.items():
        box = driver.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)


def _submit(driver, form_css="main form"):
    driver.find_element(By.CSS_SELECTOR, f"{form_css} [type=submit]").click()


def _in_first_screen(driver, css: str) -> bool:
    """Whether the element starts inside the window before any scrolling."""
    driver.execute_script("window.scrollTo(0, 0)")
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]);"
        "return !!e && e.getBoundingClientRect().top < window.innerHeight",
        css,
    )


def _first_choice(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "select[name=upstream] option[value='']").text


def _log_in(driver, base, email):
    driver.get(base + reverse("account_login"))
    _fill(driver, {"login": email, "password": PASSWORD})
    _submit(driver)
    WebDriverWait(driver, 15).until(lambda d: "/accounts/login" not in d.current_url)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_volunteer_registers_a_mirror_that_reaches_clients(
    live_server,
    browser,
    mirror_farm,
    check_settings,
    master_catalogue,
    eager,
):
    base, driver = live_server.url, browser
    mail.outbox.clear()
    master_refresh()  # as a sweep did before the volunteer came: the newest versions known
    internal_jp = internal_mirror_create("internal.jp", "JP", latitude=36.0, longitude=138.0)
    internal_mirror_create("internal.au", "AU", latitude=-33.9, longitude=151.2)

    # 1. Sign up and confirm the email with the link from the outbox.
    driver.get(base + reverse("account_signup"))
    _look(driver, "story-signup")
    _fill(driver, {"email": "vol@example.org", "password1": PASSWORD, "password2": PASSWORD})
    _submit(driver)
    WebDriverWait(driver, 10).until(lambda d: len(mail.outbox) >= 1)
    link = re.search(r"https?://\S+/confirm-email/\S+", mail.outbox[-1].body).group(0)
    driver.get(link)
    _submit(driver)
    WebDriverWait(driver, 15).until(lambda d: "/confirm-email/" not in d.current_url)

    # 2. Log in (unless confirming did) and register a mirror on the farm.
    driver.get(base + reverse("mirrors:register"))
    if "/accounts/login" in driver.current_url:
        _log_in(driver, base, "vol@example.org")
        driver.get(base + reverse("mirrors:register"))
    assert "/mirrors/register" in driver.current_url, driver.current_url
    _look(driver, "story-register")
    assert _first_choice(driver) == "Suggested for its country (choose it above)"
    current = mirror_farm.mirrors["current"]
    _fill(
        driver,
        {
            "organisation": "Example NZ",
            "contact_email": "ops@example.nz",
            "url_http": current.base_url,
        },
    )
    # The volunteer first picks Japan, then New Zealand: the suggestion follows each time.
    for code, place in (("JP", "Japan"), ("NZ", "New Zealand")):
        driver.find_element(By.CSS_SELECTOR, f"select[name=country] option[value={code}]").click()
        expected = upstream_suggest(country=code)
        WebDriverWait(driver, 10).until(
            lambda d, e=expected, p=place: _first_choice(d) == f"Suggested for {p}: {e.name}"
        )
    assert upstream_suggest(country="JP") == internal_jp and expected.name == "internal.au"
    for group in ("releases", "architectures", "repositories"):
        for box in driver.find_elements(By.CSS_SELECTOR, f"input[name={group}]"):
            if not box.is_selected():
                driver.execute_script("arguments[0].click()", box)
    # A form error (no name): the page comes back with the same suggestion shown and kept.
    driver.execute_script("document.querySelector('main form').requestSubmit()")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".error-summary"))
    assert "Name: This field is required." in driver.page_source
    assert _first_choice(driver) == f"Suggested for New Zealand: {expected.name}"
    _look(driver, "story-register-error")
    _fill(driver, {"name": "mirror.example.nz"})
    driver.execute_script("document.querySelector('main form').requestSubmit()")

    # 3. The first check arrives on the mirror's page, and the first screen says it all.
    WebDriverWait(driver, 15).until(lambda d: "/my/mirrors/" in d.current_url)
    mirror = Mirror.objects.get(name="mirror.example.nz")
    assert mirror.upstream == expected  # what was shown is what was saved
    WebDriverWait(driver, 30, poll_frequency=0.5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "ul.check-summary") or d.refresh()
    )
    state = driver.find_element(By.CSS_SELECTOR, "#owner-summary .state")
    assert state.text == "Not listed: pending approval"
    summary = driver.find_element(By.CSS_SELECTOR, "ul.check-summary").text
    assert "5.0: 6 of 6 repositories found" in summary and "we asked " + current.base_url in summary
    for size in (DESKTOP, PHONE):
        driver.set_window_size(*size)
        assert _in_first_screen(driver, "#owner-summary .state"), size
        assert _in_first_screen(driver, "ul.check-summary"), size
    assert "Take it out of the lists" not in driver.page_source
    _look(driver, "story-mirror-checked")
    driver.get(base + reverse("mirrors:detail", args=[mirror.pk]))
    driver.set_window_size(*PHONE)
    assert driver.execute_script("return document.documentElement.scrollHeight") < 3000
    _look(driver, "story-mirror-public")

    # 4. Staff log in on the site with their user name, see the count, and approve it.
    driver.find_element(By.CSS_SELECTOR, "header form [type=submit]").click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"a[href='{reverse('account_login')}']")
    )
    staff = get_user_model().objects.create_user(
        "staff", "staff@example.org", PASSWORD, is_staff=True, is_superuser=True
    )
    EmailAddress.objects.create(user=staff, email="staff@example.org", verified=True, primary=True)
    _log_in(driver, base, "staff")
    assert driver.find_element(By.CSS_SELECTOR, ".nav-count").text == "1"
    driver.get(base + "/mirrors/moderation/")
    assert "mirror.example.nz" in driver.page_source
    assert f"Syncs from {expected.name}." in driver.find_element(By.ID, f"mirror-{mirror.pk}").text
    _look(driver, "story-moderation")
    action = reverse("mirrors:approve", args=[mirror.pk])
    driver.find_element(By.CSS_SELECTOR, f"form[action='{action}'] button").click()
    WebDriverWait(driver, 10).until(
        lambda d: Mirror.objects.get(pk=mirror.pk).approval == "approved"
    )
    # A mirror on which the checks found nothing current asks for a confirmation first.
    empty = MirrorFactory(name="empty.example.org", approval="pending", status="unknown")
    MirrorURLFactory(mirror=empty)
    driver.get(base + "/mirrors/moderation/")
    action = reverse("mirrors:approve", args=[empty.pk])
    driver.find_element(By.CSS_SELECTOR, f"form[action='{action}'] button").click()
    WebDriverWait(driver, 10).until(lambda d: "no repository current" in d.page_source)
    assert Mirror.objects.get(pk=empty.pk).approval == "pending"
    _look(driver, "story-moderation-confirm")
    driver.find_element(By.XPATH, "//button[text()='Approve it all the same']").click()
    WebDriverWait(driver, 10).until(
        lambda d: Mirror.objects.get(pk=empty.pk).approval == "approved"
    )

    # 5. On its country page and first in /mirrorlist for NZ.
    driver.get(base + "/mirrors/nz/")
    assert "mirror.example.nz" in driver.page_source
    _look(driver, "story-country")
    store = SnapshotStore(poll_seconds=0)
    store.poll_once()
    answer = call(new_front(store), "/mirrorlist", "release=5.0&arch=x86_64&repo=os&cc=NZ")
    assert answer.status == 200, answer
    assert answer.text.splitlines()[0] == current.base_url.rstrip("/") + "/5.0/os/x86_64/"
