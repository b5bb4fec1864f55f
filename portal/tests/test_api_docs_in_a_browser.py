"""The API docs in headless Chromium: Swagger UI renders the operations from our own
static files (drf-spectacular-sidecar), with no script or stylesheet from anywhere else, so
they work offline; the page fits a desktop and a phone. Screenshots are kept."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .browser import DESKTOP, PHONE, chrome, shoot, sideways_overflow


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


def loaded_from(driver) -> set[str]:
    """The origins of every resource the page loaded (scripts, styles, the schema...)."""
    names = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat([...document.scripts].map(s => s.src).filter(Boolean))"
        ".concat([...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href))"
    )
    return {f"{urlsplit(name).scheme}://{urlsplit(name).netloc}" for name in names}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_from_our_own_static_files(live_server, browser):
    browser.get(live_server.url + reverse("api-docs"))
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"), "Swagger UI never rendered"
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, ".opblock")) >= 10
    assert "Authorize" in browser.find_element(By.CSS_SELECTOR, ".auth-wrapper").text
    assert "Authorization: Token" in browser.find_element(By.CSS_SELECTOR, ".info").text
    assert loaded_from(browser) == {live_server.url.rstrip("/")}, "only our own files"
    problems = []
    for size in (DESKTOP, PHONE):
        shoot(browser, "api-docs", size)
        if (extra := sideways_overflow(browser)) > 0:
            problems.append(f"{size[0]} px: {extra} px too wide")
    assert problems == []
