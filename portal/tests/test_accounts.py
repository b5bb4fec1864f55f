"""Volunteers' accounts (django-allauth): sign up with a confirmed email address, log in with
it, log out, reset a forgotten password; and the rate limits on sign-up and log-in (wrong
passwords: test_login_limits)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def _link(message, path: str) -> str:
    return re.search(rf"http://testserver({path}[^\s]+)", message.body).group(1)


def _sign_up(client, email="vol@example.org"):
    return client.post(reverse("account_signup"),
                       {"email": email, "password1": PASSWORD, "password2": PASSWORD})  # fmt: skip


def test_sign_up_needs_the_emailed_confirmation(client, db):
    page = client.get(reverse("account_signup")).content.decode()
    assert "<h1>Sign up</h1>" in page and 'class="site-header"' in page  # the portal's layout
    response = _sign_up(client)
    assert response["Location"] == reverse("account_email_verification_sent")
    sent = client.get(response["Location"]).content.decode()
    assert "We have sent an email with a link to it." in sent
    (message,) = mail.outbox
    assert message.to == ["vol@example.org"]
    assert message.subject.startswith("[CentOS mirrors] ")
    # The person's own address and the portal's name, not a generated user name or a host.
    assert message.body.startswith("Hello vol@example.org,\n\nthis address was given to sign "
                                   "up on CentOS infrastructure portal.")  # fmt: skip
    assert "testserver!" not in message.body and "user vol" not in message.body

    # Not confirmed yet: logging in is refused, and the page says so and offers the link again.
    refused = client.post(
        reverse("account_login"), {"login": "vol@example.org", "password": PASSWORD}, follow=True
    ).content.decode()
    assert "You are not logged in yet: your email address is not confirmed." in refused
    assert f'href="{reverse("account_confirmation_resend")}">send the link again</a>' in refused
    assert client.get(reverse("mirrors:mine")).status_code == 302

    link = _link(mail.outbox[0], "/accounts/confirm-email/")
    confirm = client.get(link).content.decode()
    assert "Confirm that vol@example.org is your address." in confirm
    done = client.post(link)
    assert done["Location"] == reverse("mirrors:mine")
    assert "You have no mirror yet." in client.get(done["Location"]).content.decode()


def test_log_in_with_the_email_address_and_log_out(client, db):
    user = get_user_model().objects.create_user("vol", "vol@example.org", PASSWORD)
    user.emailaddress_set.create(email="vol@example.org", verified=True, primary=True)
    wrong = client.post(reverse("account_login"), {"login": "vol@example.org", "password": "x"})
    assert wrong.status_code == 200
    assert ("The email address and/or password you specified are not correct."
            in wrong.content.decode())  # fmt: skip
    response = client.post(reverse("account_login"),
                           {"login": "VOL@example.org", "password": PASSWORD})  # fmt: skip
    assert response["Location"] == reverse("mirrors:mine")
    assert client.get(reverse("mirrors:register")).status_code == 200
    assert client.post(reverse("account_logout"))["Location"] == "/"
    assert client.get(reverse("mirrors:register")).status_code == 302


def test_a_forgotten_password_is_reset_by_email(client, db):
    user = get_user_model().objects.create_user("vol", "vol@example.org", "old-password-77")
    user.emailaddress_set.create(email="vol@example.org", verified=True, primary=True)
    client.post(reverse("account_reset_password"), {"email": "vol@example.org"})
    (message,) = mail.outbox
    link = _link(message, "/accounts/password/reset/key/")
    form = client.get(link, follow=True)
    assert "<h1>Choose a new password</h1>" in form.content.decode()
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(action, {"password1": PASSWORD, "password2": PASSWORD}, follow=True)
    assert "Your password is changed." in done.content.decode()
    client.logout()
    response = client.post(reverse("account_login"),
                           {"login": "vol@example.org", "password": PASSWORD})  # fmt: skip
    assert response["Location"] == reverse("mirrors:mine")


def test_sign_up_is_rate_limited(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    for n in range(3):
        assert _sign_up(client, f"vol{n}@example.org").status_code == 302
        client.logout()
    response = _sign_up(client, "vol9@example.org")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert not get_user_model().objects.filter(email="vol9@example.org").exists()


def test_the_confirmation_link_can_be_sent_again(client, db):
    from django.core.cache import cache

    _sign_up(client)
    mail.outbox.clear()
    cache.clear()  # allauth's rate limit on confirmation emails
    answer = client.post(reverse("account_confirmation_resend"), {"email": "VOL@example.org"})
    assert answer["Location"] == reverse("account_login")
    (message,) = mail.outbox
    assert message.to == ["vol@example.org"] and "/accounts/confirm-email/" in message.body
    # An address with no account gets the same answer and no email.
    answer = client.post(reverse("account_confirmation_resend"), {"email": "nobody@example.org"},
                         follow=True)  # fmt: skip
    assert "If an account with this address waits for confirmation" in answer.content.decode()
    assert len(mail.outbox) == 1


def test_staff_log_in_on_the_site_with_their_user_name(client, db):
    staff = get_user_model().objects.create_user("admin", "admin@example.org", PASSWORD,
                                                 is_staff=True)  # fmt: skip
    staff.emailaddress_set.create(email="admin@example.org", verified=True, primary=True)
    answer = client.post(reverse("account_login"), {"login": "admin", "password": PASSWORD})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert client.get(reverse("mirrors:moderation")).status_code == 200
