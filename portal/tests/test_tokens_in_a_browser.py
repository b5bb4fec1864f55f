"""A volunteer makes an API token in headless Chromium: the key shown once, then the list
with its prefix and a Revoke button, at desktop and phone width, without sideways
scrolling. Screenshots are kept as artifacts."""

import re

import pytest
from django.conf import settings
from django.test import Client

from apps.core.models import ApiToken

from .browser import DESKTOP, PHONE, chrome, shoot, sideways_overflow

KEY = re.compile(r"ptl_[A-Za-z0-9_-]{43}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_volunteer_makes_a_token_and_sees_it_listed(live_server, django_user_model):
    user = django_user_model.objects.create_user("vol", "vol@example.org", "pw-tests-123")
    client = Client()
    client.force_login(user)
    browser = chrome()
    try:
        browser.get(live_server.url + "/")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": cookie, "path": "/"})

        browser.get(live_server.url + "/my/tokens/")
        assert "You have no token yet." in browser.page_source
        browser.find_element("css selector", "input[name=name]").send_keys("sync script")
        browser.find_element("css selector", "main form button[type=submit]").click()
        shown = KEY.findall(browser.find_element("tag name", "main").text)
        assert len(shown) == 1, "the key is shown once, on the answer to the form"
        problems = []
        for size in (DESKTOP, PHONE):
            shoot(browser, "tokens-created", size)
            if (extra := sideways_overflow(browser)) > 0:
                problems.append(f"the new key at {size[0]} px is {extra} px too wide")

        browser.get(live_server.url + "/my/tokens/")
        listed = browser.find_element("css selector", "table.tokens").text
        token = ApiToken.objects.get(user=user)
        assert "sync script" in listed and token.prefix in listed and "Revoke" in listed
        assert shown[0] not in browser.page_source  # never again
        for size in (DESKTOP, PHONE):
            shoot(browser, "tokens", size)
            if (extra := sideways_overflow(browser)) > 0:
                problems.append(f"the list at {size[0]} px is {extra} px too wide")
        assert problems == []
    finally:
        browser.quit()
