"""Headless Chromium (Debian's chromium and chromium-driver) through Selenium, for tests
that look at pages as a person would; screenshots go to BROWSER_ARTIFACTS (default
var/test-artifacts/screenshots)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from apps.core.testing.services import service_missing

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS", ROOT / "var" / "test-artifacts" / "screenshots")
)
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
DESKTOP, PHONE = (1280, 900), (390, 844)


def chrome():
    """A headless Chromium, or a skip (a failure where REQUIRE_SERVICES is set, as in CI)."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        service_missing(
            "Debian's chromium and chromium-driver are not installed (CI installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--hide-scrollbars", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


def sideways_overflow(driver) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return driver.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


def shoot(driver, name: str, size: tuple[int, int]) -> Path:
    """Resize, screenshot the whole page height, and return the PNG's path."""
    driver.set_window_size(*size)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size[0], min(max(size[1], height + 140), 8000))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{size[0]}.png"
    driver.save_screenshot(str(path))
    return path
