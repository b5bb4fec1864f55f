"""The partner pages in headless Chromium at phone and desktop width: none scrolls sideways
at 390 px (screenshots in the artifacts, as portal/tests/test_pages_in_a_browser.py)."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from apps.sponsors.tests.factories import SponsorFactory
from portal.tests.browser import DESKTOP, PHONE, chrome, shoot, sideways_overflow

from .factories import PartnerFactory


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_partner_pages_fit_a_phone(live_server, browser):
    sponsor = SponsorFactory(name="International Hosting Company of Very Long Names Ltd")
    PartnerFactory(name="International Hosting Company of Very Long Names Ltd", sponsor=sponsor,
                   countries=["DE", "FR", "BE", "NL", "LU", "AT", "CH", "IT", "ES", "PT"],
                   languages=["de", "fr", "nl", "en", "it", "es", "pt"],
                   kinds=["support", "hosting", "consulting", "training"],
                   description="A long line: " + "x" * 120)  # fmt: skip
    PartnerFactory(name="Pending Ltd", status="pending", approved_until=None)
    staff = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    client = Client()
    client.force_login(staff)
    browser.get(live_server.url + "/partners/")
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value})  # fmt: skip
    pages = {
        "partners": "/partners/",
        "partner": "/partners/international-hosting-company-of-very-long-names-ltd/",
        "partner-apply": "/partners/apply/",
        "partner-review": "/partners/review/",
        "partner-pending": "/partners/pending-ltd/",
    }
    problems = []
    for name, path in pages.items():
        browser.get(live_server.url + path)
        assert browser.find_element("css selector", "header.site-header"), name
        for size in (DESKTOP, PHONE):
            shoot(browser, name, size)
            if (extra := sideways_overflow(browser)) > 0:
                problems.append(f"{name} at {size[0]} px is {extra} px too wide")
    assert problems == []
