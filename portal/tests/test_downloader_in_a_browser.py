"""A downloader in headless Chromium, with the demo world: from /releases/ every release and
architecture reaches its ISO images, each with its size, SHA-256, the direct link through
the redirect, .meta4 and the folder's checksum file, readable at 390 px without sideways
scrolling. And the public mirror page stays under 3,000 px tall on a phone."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By

from apps.delivery import runtime
from apps.demo.services import demo_load
from apps.mirrors.models import Mirror
from apps.releases.models import Image

from .browser import PHONE, chrome, shoot, sideways_overflow

DESKTOP = (1366, 900)


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


@pytest.fixture
def demo_world(settings, tmp_path):
    """The demo, and the web process's snapshot store reading the snapshot it published
    (not a cache file another test left behind)."""
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
def test_every_release_and_architecture_reaches_its_images_from_releases(
    live_server, browser, demo_world
):
    base = live_server.url
    browser.get(base + reverse("releases:list"))
    links = [
        a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.download-link")
    ]
    wanted = set(Image.objects.values_list("release__version", "architecture__name").distinct())
    reached = set()
    for link in links:
        browser.get(link)
        heading = browser.find_element(By.TAG_NAME, "h1").text
        version, arch = heading.removeprefix("ISO images of ").split(" for ")
        reached.add((version, arch))
        images = Image.objects.filter(release__version=version, architecture__name=arch)
        if "has reached its end of life" in browser.page_source:
            continue  # the vault's: its link is the page's answer
        browser.set_window_size(*PHONE)
        rows = browser.find_elements(By.CSS_SELECTOR, "table.files tbody tr")
        assert len(rows) == images.count(), link
        for row, image in zip(rows, images.order_by("name"), strict=True):
            size = row.find_element(By.CSS_SELECTOR, "td[data-label=Size]")
            digest = row.find_element(By.CSS_SELECTOR, "td[data-label=SHA-256]")
            assert size.is_displayed() and size.text.strip() not in ("", "Size:"), link
            assert digest.is_displayed() and image.sha256 in digest.text.replace("\n", ""), link
            direct = row.find_element(By.CSS_SELECTOR, "a.direct").get_attribute("href")
            assert direct.endswith(f"/isos/{arch}/{image.name}"), direct
            assert row.find_element(By.PARTIAL_LINK_TEXT, "meta4").get_attribute("href") == (
                direct + ".meta4"
            )
        assert browser.find_element(By.LINK_TEXT, "sha256sum.txt")
        switch = browser.find_elements(By.CSS_SELECTOR, "nav.switcher a[aria-current=page]")
        assert [a.text for a in switch] == [version, arch]
        assert sideways_overflow(browser) == 0, link
        browser.set_window_size(*DESKTOP)
    assert reached == wanted
    shoot(browser, "downloader-folder", PHONE)
    shoot(browser, "downloader-folder", DESKTOP)
    browser.get(base + reverse("releases:list"))
    for size in (DESKTOP, PHONE):
        shoot(browser, "downloader-releases", size)
        assert sideways_overflow(browser) == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_public_mirror_page_fits_three_phone_screens(live_server, browser, demo_world):
    busiest = Mirror.objects.serving().exclude(tier="master").order_by("-bandwidth_mbps").first()
    browser.get(live_server.url + reverse("mirrors:detail", args=[busiest.pk]))
    for size in (DESKTOP, PHONE):
        shoot(browser, "mirror-page", size)
        assert sideways_overflow(browser) == 0
    browser.set_window_size(*PHONE)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    assert height < 3000, height
    assert browser.find_element(By.CSS_SELECTOR, "p.state-line .state").text == "Listed"
