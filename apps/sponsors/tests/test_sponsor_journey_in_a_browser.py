"""A sponsor's contact in headless Chromium, on the demo world, at 390 and 1366 px: signs
in, finds "Edit your page" on the promotion page, changes the description and the contact
e-mail, sees a field error for a bad website with nothing saved, then the saved page; the
answers its mirror got are a figure and a chart; no page scrolls sideways."""

import pytest
from django.conf import settings
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.delivery import runtime
from apps.demo.services import demo_load
from apps.sponsors.models import Sponsor
from portal.tests.browser import PHONE, chrome, shoot, sideways_overflow

DESKTOP = (1366, 900)


@pytest.fixture
def demo_world(settings, tmp_path):
    """The demo, and the web process's snapshot store reading the snapshot it published
    (not one another test left behind)."""
    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    runtime.reset()
    demo_load()
    runtime.reset()
    runtime.store().poll_once()
    yield
    runtime.reset()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_contact_edits_the_sponsor_page(live_server, django_user_model, demo_world):
    sponsor = Sponsor.objects.get(slug="amsterdam-institute-of-technology")  # a mirror only
    person = django_user_model.objects.create_user("amelie", "amelie@example.org", "pw-1")
    sponsor.contacts.add(person)
    client = Client()
    client.force_login(person)
    browser = chrome()
    try:
        browser.get(live_server.url + "/")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": cookie, "path": "/"})
        for size in (PHONE, DESKTOP):
            browser.set_window_size(*size)
            browser.get(live_server.url + sponsor.get_absolute_url())
            assert sideways_overflow(browser) == 0
            figure = browser.find_element(By.CSS_SELECTOR, "#answer-share .answer-share").text
            assert figure.startswith("About ") and "named centos.amsterdam" in figure
            assert browser.find_element(By.CSS_SELECTOR, "#answer-share svg").is_displayed()
            shoot(browser, "sponsor-page-for-its-contact", size)
        browser.set_window_size(*PHONE)
        browser.find_element(By.LINK_TEXT, "Edit your page").click()
        assert browser.find_element(By.TAG_NAME, "h1").text == "Edit your page"
        shoot(browser, "sponsor-edit", PHONE)
        website = browser.find_element(By.ID, "id_website")
        website.clear()
        website.send_keys("not a site")
        description = browser.find_element(By.ID, "id_description")
        description.clear()
        description.send_keys("We give **10 Gbit/s** to the mirror.")
        browser.find_element(By.ID, "id_email").send_keys("mirror@ait.example.nl")
        browser.find_element(By.CSS_SELECTOR, "form.sponsor-edit-form button").click()
        summary = WebDriverWait(browser, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".error-summary"), "no error summary"
        )[0]
        assert "Website: Enter a valid URL." in summary.text
        assert sideways_overflow(browser) == 0
        shoot(browser, "sponsor-edit-error", PHONE)
        sponsor.refresh_from_db()
        assert "10 Gbit/s" not in sponsor.description and sponsor.email == ""
        website = browser.find_element(By.ID, "id_website")
        website.clear()
        website.send_keys("https://www.ait.example.nl/")
        browser.find_element(By.CSS_SELECTOR, "form.sponsor-edit-form button").click()
        saved = WebDriverWait(browser, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".messages"), "no message after saving"
        )[0]
        assert "Your page is saved" in saved.text
        assert (
            "We give 10 Gbit/s to the mirror."
            in browser.find_element(By.CSS_SELECTOR, ".description").text
        )
        assert browser.find_element(By.LINK_TEXT, "mirror@ait.example.nl")
        assert sideways_overflow(browser) == 0
        shoot(browser, "sponsor-page-saved", PHONE)
    finally:
        browser.quit()
