"""Filtered lists that match nothing, on a phone, in headless Chromium with the demo world:
the page says so in a sentence with the way back, stays short (the pushes' table folds
away), and nothing scrolls sideways."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By

from apps.demo.services import demo_load
from portal.tests.browser import PHONE, chrome, shoot, sideways_overflow

SHORT = 3000  # CSS px at 390: a filter that matches nothing is not a long page

PAGES = [
    ("mirrors:status", "No mirror matches these filters.", "Show every mirror"),
    ("servers:list", "No server matches these filters.", "Show every server"),
]


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_filter_that_matches_nothing_says_so_on_a_short_page(live_server, browser):
    demo_load()
    browser.set_window_size(*PHONE)
    for name, sentence, back in PAGES:
        browser.get(f"{live_server.url}{reverse(name)}?country=AF")
        body = browser.find_element(By.TAG_NAME, "body")
        assert sentence in body.text
        link = browser.find_element(By.LINK_TEXT, back)
        assert link.get_attribute("href").endswith(reverse(name))
        height = browser.execute_script("return document.documentElement.scrollHeight")
        assert height < SHORT, (name, height)
        assert sideways_overflow(browser) == 0
        shoot(browser, f"{name.replace(':', '-')}-empty", PHONE)
    # The pushes' figures are one click away, not a wall under the empty list.
    browser.get(f"{live_server.url}{reverse('mirrors:status')}?country=AF")
    figures = browser.find_element(By.CSS_SELECTOR, "#pushes details.push-figures")
    table = figures.find_element(By.TAG_NAME, "table")
    assert not table.is_displayed()
    figures.find_element(By.TAG_NAME, "summary").click()
    assert table.is_displayed()
