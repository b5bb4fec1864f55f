"""The capacity page: a public summary (continents, the countries most short) and the full
country table for staff, each short country linked to "register a mirror" with it filled
in; the demo's release weeks of 3.x, 4.x and 5 give it a growth to fit."""

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model

from apps.delivery.models import DailyUsage
from apps.delivery.selectors import capacity_forecast
from apps.demo.usage import demo_usage_load
from apps.mirrors.choices import MirrorStatus
from portal.tests.browser import DESKTOP, PHONE, chrome, shoot, sideways_overflow

from .factories import MirrorFactory

COUNTRIES = ["DE", "BR", "IN", "JP", "US", "FR", "NG", "KE", "MX", "AR", "VN", "EG", "TR"]


def answers(release, day, per_country):
    for n, country in enumerate(COUNTRIES):
        DailyUsage.objects.create(day=day, kind="mirrorlist", country=country,
                                  release=release, arch="x86_64", repo="os",
                                  count=per_country * (n + 1))  # fmt: skip


@pytest.fixture
def world(db):
    answers("3.8", dt.date(2006, 8, 25), 100)
    answers("4.4", dt.date(2006, 8, 30), 400)
    answers("5.0", dt.date(2007, 4, 12), 1600)
    for _ in range(5):
        MirrorFactory(country="DE", bandwidth_mbps=10, status=MirrorStatus.UP)


def test_everyone_sees_the_summary_and_the_links_to_register(client, world):
    page = client.get("/capacity/").content.decode()
    assert "about <strong>4.00 times</strong>" in page  # 100, 400, 1600 per country: ×4
    assert "Europe" in page and "South America" in page
    assert 'href="/mirrors/register/?country=TR"' in page  # the most answers, no mirror
    assert page.count("Register a mirror</a></td>") == 10  # ten countries for the public
    assert "Staff see every country" in page


def test_staff_see_every_country(client, world):
    staff = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    client.force_login(staff)
    page = client.get("/capacity/").content.decode()
    assert page.count("Register a mirror</a></td>") == 12  # all short ones; DE is covered
    assert "Germany" in page


def test_the_page_costs_the_same_queries_with_more_mirrors(
    client, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get("/capacity/")
    for n in range(20):
        MirrorFactory(country=COUNTRIES[n % 5], status=MirrorStatus.UP, transfer_quota_gb=100)
    with django_assert_max_num_queries(8):
        client.get("/capacity/")


def test_no_answers_yet_says_so(client, db):
    assert "No answers have been counted yet" in client.get("/capacity/").content.decode()


def test_the_demo_carries_release_weeks_of_3_4_and_5(db):
    demo_usage_load(random.Random(1))
    got = capacity_forecast(today=dt.date(2026, 1, 1))
    assert sorted(got["weeks"]) == [3, 4, 5] and got["next_major"] == 6
    assert 3 < got["fit"].factor < 5


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_capacity_page_fits_a_phone(live_server):
    answers("3.8", dt.date(2006, 8, 25), 100)
    answers("4.4", dt.date(2006, 8, 30), 400)
    answers("5.0", dt.date(2007, 4, 12), 1600)
    browser = chrome()
    try:
        browser.get(live_server.url + "/capacity/")
        problems = []
        for size in (DESKTOP, PHONE):
            shoot(browser, "capacity", size)
            if (extra := sideways_overflow(browser)) > 0:
                problems.append(f"capacity at {size[0]} px is {extra} px too wide")
        assert problems == []
    finally:
        browser.quit()
