"""The servers' pages on a phone, in headless Chromium with the demo world: /servers/ and
/servers/status/ stay a reasonable length at 390 px (the status page lists problems first,
then one folded line per server that opens on its services), nothing scrolls sideways, and
every server's condition is still within reach."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By

from apps.demo.services import demo_load
from apps.servers.models import Server, ServerService
from portal.tests.browser import PHONE, chrome, shoot, sideways_overflow

DESKTOP = (1366, 900)
LONGEST = 4000  # CSS px at 390: about five screens of a phone


def page_height(browser) -> int:
    return browser.execute_script("return document.documentElement.scrollHeight")


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_server_pages_are_short_on_a_phone_and_reach_every_server(live_server, browser):
    demo_load()
    in_service = list(Server.objects.in_service().order_by("hostname"))
    browser.set_window_size(*PHONE)

    browser.get(live_server.url + reverse("servers:status"))
    assert page_height(browser) < LONGEST
    assert sideways_overflow(browser) == 0
    # Problems first, each with its output in view; then one line per server, folded.
    problems = ServerService.objects.filter(enabled=True).exclude(state="ok").count()
    assert problems, "the demo has a critical and a warning service"
    rows = browser.find_elements(By.CSS_SELECTOR, "#problems tbody tr")
    assert len(rows) == problems and all(row.is_displayed() for row in rows)
    lines = browser.find_elements(By.CSS_SELECTOR, "#by-server details.server-group")
    hosts = [line.find_element(By.CSS_SELECTOR, "summary .group-host").text for line in lines]
    assert hosts == [server.hostname for server in in_service]
    critical = next(line for line in lines if "Critical" in line.text)
    table = critical.find_element(By.TAG_NAME, "table")
    assert not table.is_displayed()
    critical.find_element(By.TAG_NAME, "summary").click()
    assert table.is_displayed() and "CRITICAL" in table.text
    assert sideways_overflow(browser) == 0
    shoot(browser, "server-status-one-open", PHONE)
    browser.get(live_server.url + reverse("servers:status"))
    shoot(browser, "server-status", PHONE)
    shoot(browser, "server-status", DESKTOP)

    browser.set_window_size(*PHONE)
    browser.get(live_server.url + reverse("servers:list"))
    assert page_height(browser) < LONGEST
    assert sideways_overflow(browser) == 0
    cards = browser.find_elements(By.CSS_SELECTOR, "table.servers tbody tr")
    assert len(cards) == len(in_service)
    for card, server in zip(cards, in_service, strict=True):
        assert card.find_element(By.CSS_SELECTOR, "th.host").text == server.hostname
        condition = card.find_element(By.CSS_SELECTOR, "td.condition")
        assert condition.is_displayed() and condition.text == server.get_condition_display()
        for figure in ("uplink", "total", "recent .sparkline"):
            assert card.find_element(By.CSS_SELECTOR, f"td.{figure}").is_displayed()
    shoot(browser, "servers", PHONE)
    shoot(browser, "servers", DESKTOP)
