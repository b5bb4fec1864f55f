"""The "Test this URL" button in headless Chromium at 390 px: a volunteer types a farm
mirror's URL, presses the button, and reads what the first check would find, in view, with
nothing blocked by the Content-Security-Policy and nothing scrolling sideways."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.mirrors.models import Mirror
from portal.tests.browser import PHONE, chrome, shoot, sideways_overflow
from portal.tests.test_csp_in_a_browser import WATCH, violations


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_volunteer_tests_a_url_before_registering(
    live_server, django_user_model, check_settings, mirror_farm, master_catalogue
):
    user = django_user_model.objects.create_user("vol", "vol@example.org", "pw-1")
    client = Client()
    client.force_login(user)
    sim = mirror_farm.mirrors["missing_iso"]
    browser = chrome()
    try:
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        browser.set_window_size(*PHONE)
        browser.get(live_server.url + "/")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": cookie, "path": "/"})
        browser.get(live_server.url + reverse("mirrors:register"))
        browser.find_element(By.ID, "id_url_http").send_keys(sim.base_url)
        browser.find_element(By.CSS_SELECTOR, "button[name=test_url]").click()
        found = WebDriverWait(browser, 30).until(
            lambda d: d.find_elements(By.ID, "url-trial-result"), "no findings shown"
        )[0]
        text = found.text
        assert "The first check would not find everything" in text
        assert f"We asked {sim.base_url}TIME (the timestamp file) and got 200" in text
        assert ".iso (an ISO image, asked with HEAD) and got 404." in text
        # the script brought the findings into view and focus; the URL is still typed
        assert browser.execute_script("return document.activeElement.id") == "url-trial-result"
        assert browser.find_element(By.ID, "id_url_http").get_attribute("value") == sim.base_url
        assert sideways_overflow(browser) == 0
        assert violations(browser) == []
        shoot(browser, "register-test-this-url", PHONE)
    finally:
        browser.quit()
    assert not Mirror.objects.filter(owner=user).exists()
