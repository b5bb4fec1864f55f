"""Redis, the cache, stops: the rate limits of the log-in, the sign-up and the owners' forms
let requests through with a log line (they answered 500), and count again once it is back.

A private redis-server is the one stopped (apps.core.testing.redis_server)."""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.core import cache as fail_open


@pytest.fixture
def redis_cache(private_redis, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.FailOpenRedisCache",
            "LOCATION": private_redis.url(3),
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    yield private_redis
    fail_open.outage.since, fail_open.outage.retry_at = None, 0.0


@pytest.fixture
def volunteer(django_user_model):
    user = django_user_model.objects.create_user("vol", "vol@example.org", "a-long-password-1")
    user.emailaddress_set.create(email=user.email, verified=True, primary=True)
    return user


def log_in(client, password: str):
    return client.post(reverse("account_login"), {"login": "vol@example.org", "password": password})


@pytest.mark.django_db
def test_log_in_and_sign_up_answer_while_the_cache_is_down(client, redis_cache, volunteer, caplog):
    assert log_in(client, "wrong").status_code == 200  # the form again, counted in Redis
    redis_cache.stop()
    caplog.set_level(logging.WARNING, logger="apps.core.cache")
    for _ in range(3):
        assert log_in(client, "wrong").status_code == 200
    assert "the cache is unavailable" in caplog.text
    assert caplog.text.count("the cache is unavailable") == 1  # one line per outage
    password = "b-long-password-2"
    answer = client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": password, "password2": password},
    )
    assert answer.status_code == 302, answer.content[-2000:]
    assert log_in(client, "a-long-password-1").status_code == 302  # signed in
    assert client.get(reverse("mirrors:register")).status_code == 200
    answer = client.post(reverse("mirrors:register"), {"name": ""})
    assert answer.status_code == 200 and b"This field is required" in answer.content


@pytest.mark.django_db
def test_the_limits_count_again_once_the_cache_is_back(client, redis_cache, volunteer, caplog):
    redis_cache.stop()
    assert log_in(client, "wrong").status_code == 200
    redis_cache.start()
    fail_open.outage.retry_at = 0.0  # do not wait the RETRY_SECONDS
    caplog.set_level(logging.WARNING, logger="apps.core.cache")
    assert cache.get("anything") is None
    assert "the cache answers again" in caplog.text
    answers = [log_in(client, "wrong") for _ in range(6)]
    # The log-in limit (django-axes: LOGIN_FAILURE_LIMIT wrong passwords for an account from
    # an address) holds once the cache is back.
    assert answers[-1].status_code == 429
    assert b"Too many failed log-ins" in answers[-1].content
