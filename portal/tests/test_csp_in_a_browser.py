"""The Content-Security-Policy in headless Chromium: the portal's pages, the API docs
(Swagger UI) and the admin load, run their scripts and work with nothing blocked, and an
inline script such as the one a stored XSS would plant is refused by the browser."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.demo.services import demo_load
from apps.mirrors.models import Mirror
from apps.sponsors.models import Sponsor

from .browser import chrome

PASSWORD = "a-long-admin-password-1"
# Before any page script runs, note every violation the browser reports.
WATCH = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation', e =>"
    " window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
)


@pytest.fixture
def browser():
    driver = chrome()
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    yield driver
    driver.quit()


def violations(driver) -> list[str]:
    return driver.execute_script("return window.__csp || []")


def test_every_page_sends_the_policy(client, db):
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"  # no <style>, no style="..."
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in directives["script-src"] + directives["default-src"]
    for path in (reverse("api-docs"), "/admin/login/", reverse("account_login")):
        assert client.get(path)["Content-Security-Policy"] == policy, path


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_pages_api_docs_and_admin_work_with_nothing_blocked(live_server, browser):
    demo_load()
    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    mirror = Mirror.objects.serving().exclude(tier="master").order_by("name").first()
    sponsor = Sponsor.objects.filter(servers__isnull=False).order_by("name").first()
    blocked = {}

    def visit(path: str, ready: str = "header.site-header") -> None:
        browser.get(live_server.url + path)
        WebDriverWait(browser, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ready), f"{path} never showed {ready}"
        )
        if found := violations(browser):
            blocked[path] = found

    for path in (reverse("home"), reverse("mirrors:list"), reverse("mirrors:status"),
                 reverse("mirrors:detail", args=[mirror.pk]), reverse("sponsors:list"),
                 reverse("sponsors:detail", args=[sponsor.slug]), reverse("servers:list"),
                 reverse("servers:detail", args=["mirror-cl1.example.org"]),
                 reverse("releases:list"), "/isoredirect/5/isos/x86_64/",
                 reverse("account_login")):  # fmt: skip
        visit(path)
    visit(reverse("api-docs"), ".opblock")  # Swagger UI rendered the operations
    assert len(browser.find_elements(By.CSS_SELECTOR, ".opblock")) >= 10

    # The admin: log in by typing, then a change form whose widgets are built by scripts.
    visit("/admin/login/", "#id_username")
    browser.find_element(By.ID, "id_username").send_keys("root")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "site-name"))
    visit(reverse("admin:mirrors_mirror_change", args=[mirror.pk]), "#mirror_form")
    # filter_horizontal's two-box widget is made by SelectFilter2.js: scripts ran.
    assert browser.find_elements(By.CSS_SELECTOR, ".selector-available"), "admin JS did not run"
    visit(reverse("admin:mirrors_mirror_changelist"), "#changelist")
    assert blocked == {}

    # What a stored XSS would add to a page: the browser refuses to run it.
    browser.get(live_server.url + reverse("home"))
    browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        "document.body.appendChild(s);"
        "const i = document.createElement('img'); i.src = '/no-such.png'; i.setAttribute('onerror',"
        " 'window.__ran = 2'); document.body.appendChild(i);"
    )
    WebDriverWait(browser, 5).until(lambda d: len(violations(d)) >= 2)
    assert browser.execute_script("return window.__ran || 0") == 0
    assert {v.split()[0] for v in violations(browser)} <= {"script-src-elem", "script-src-attr"}
