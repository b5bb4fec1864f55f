"""The main pages in headless Chromium, at desktop and phone width: each renders in the
site's layout and none scrolls sideways at 390 px. Screenshots are kept as artifacts."""

import pytest
from django.urls import reverse

from apps.demo.services import demo_load
from apps.mirrors.models import Mirror
from apps.sponsors.models import Sponsor

from .browser import DESKTOP, PHONE, chrome, shoot, sideways_overflow


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_main_pages_fit_a_phone_and_a_desktop(live_server, browser):
    demo_load()
    sponsor = Sponsor.objects.filter(servers__isnull=False).order_by("name").first()
    mirror = Mirror.objects.serving().exclude(tier="master").order_by("name").first()
    pages = {
        "home": reverse("home"),
        "mirrors": reverse("mirrors:list"),
        "status": reverse("mirrors:status"),
        "tree": reverse("mirrors:tree"),
        "country": reverse("mirrors:country", args=[mirror.country.code.lower()]),
        "mirror": reverse("mirrors:detail", args=[mirror.pk]),
        "sponsors": reverse("sponsors:list"),
        "sponsor": reverse("sponsors:detail", args=[sponsor.slug]),
        "servers": reverse("servers:list"),
        "server-status": reverse("servers:status"),
        "server": reverse("servers:detail", args=["mirror-cl1.example.org"]),
        "bandwidth": reverse("servers:bandwidth") + "?year=2006",
        "server-bandwidth": reverse("servers:server-bandwidth", args=["mirror-us1.example.org"]),
        "releases": reverse("releases:list"),
        "partners": reverse("partners:list"),
        "partner": reverse("partners:detail", args=["pacific-hosting-partners"]),
        "capacity": reverse("delivery:capacity"),
        "isos": "/isoredirect/5/isos/x86_64/",
        "not-found": "/no/such/page/",
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
