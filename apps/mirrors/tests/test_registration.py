"""Registering a mirror through /mirrors/register/: the form's errors a person reads, the
pending mirror it creates, and the first check that runs at once against the test farm."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from apps.mirrors.choices import Approval
from apps.mirrors.models import Check, Mirror
from apps.mirrors.services import master_refresh

from .factories import MirrorFactory, MirrorURLFactory, field_errors, form_data

REGISTER = reverse("mirrors:register")


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(REGISTER)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={REGISTER}"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url_http": "http//mirror.example.net/"}, "url_http",
         "The URL must start with one of http://, https://, ftp://, rsync://."),
        ({"url_http": "https://mirror.example.net/"}, "url_http",
         "The URL must start with http:// (its protocol)."),
        ({"url_http": "http://user@mirror.example.net/"}, "url_http",
         "A mirror URL cannot contain a user name or password (user@host)."),
        ({"url_http": "http://no-such-mirror.invalid/centos/"}, "url_http",
         "The host name no-such-mirror.invalid does not resolve: check its spelling, or its "
         "DNS records."),
        ({"url_http": "", "url_ftp": "ftp://127.0.0.250/centos/"}, "url_http",
         "Give an HTTP or HTTPS URL: that is what yum and dnf use, and what the checks test."),
        ({"netblocks": "192.0.2.0/24\n300.1.2.0/24"}, "netblocks",
         "'300.1.2.0/24' is not a network such as 192.0.2.0/24."),
        ({"ipv4": None}, "ipv4", "It must serve over IPv4, IPv6 or both."),
        ({"bandwidth_mbps": "0"}, "bandwidth_mbps",
         "Ensure this value is greater than or equal to 1."),
    ],
)  # fmt: skip
def test_bad_input_is_explained(volunteer_client, changes, field, message):
    response = volunteer_client.post(REGISTER, form_data(**changes))
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Mirror.objects.exists()


@pytest.mark.parametrize(
    ("field", "url", "shown"),
    [
        ("url_http", "http://127.0.0.1/centos/", "127.0.0.1"),
        ("url_http", "http://10.1.2.3/centos/", "10.1.2.3"),
        ("url_https", "https://[::1]/centos/", "::1"),
        ("url_ftp", "ftp://192.168.1.20/pub/", "192.168.1.20"),
        ("url_https", "https://intranet.example.org/centos/", "intranet.example.org (10.9.8.7)"),
        ("url_rsync", "rsync://rebind.example.org/centos/", "rebind.example.org (127.0.0.1)"),
    ],
)
def test_private_and_loopback_addresses_are_refused_in_production(
    volunteer_client, settings, field, url, shown
):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = []  # the production default
    # the checks' resolver hook: one name on a private network, one whose second address
    # is loopback (one bad address refuses the name, as the checks do)
    answers = {"intranet.example.org": ["10.9.8.7"],
               "rebind.example.org": ["193.0.6.139", "127.0.0.1"]}  # fmt: skip
    settings.MIRROR_CHECK_RESOLVER = lambda host, port: answers.get(host, ["193.0.6.139"])
    response = volunteer_client.post(
        REGISTER, form_data(**{"url_http": "http://mirror.example.net/", field: url})
    )
    assert field_errors(response, field) == [
        f"{shown} is a private, loopback or otherwise non-public address: the checks and the "
        "people sent to the mirror could not reach it."
    ]
    assert not Mirror.objects.exists()


def test_a_url_another_mirror_has_is_refused(volunteer_client):
    MirrorURLFactory(mirror=MirrorFactory(), url="http://127.0.0.250/centos/")
    response = volunteer_client.post(REGISTER, form_data(url_http="HTTP://127.0.0.250/centos"))
    assert field_errors(response, "url_http") == ["Another mirror already has this URL."]


def test_a_name_another_mirror_has_is_refused(volunteer_client):
    MirrorFactory(name="Mirror.Example.net")
    response = volunteer_client.post(REGISTER, form_data())
    assert field_errors(response, "name") == ["A mirror with this name is already registered."]


def test_the_url_field_names_the_files_the_checks_request(volunteer_client, master_catalogue):
    page = volunteer_client.get(REGISTER).content.decode()
    assert "<code>https://mirror.example.org/centos/TIME</code>" in page
    data = form_data(url_http="http://127.0.0.250/centos", name="")
    page = volunteer_client.post(REGISTER, data).content.decode()
    assert re.search(r"<code>http://127\.0\.0\.250/centos/\d[^<]*/os/[^<]*/repodata/repomd\.xml"
                     r"</code>", page)  # fmt: skip
    assert re.search(r"<code>http://127\.0\.0\.250/centos/[^<]+\.iso</code>", page)


@pytest.mark.django_db(transaction=True)  # the first check is sent after commit
def test_registration_writes_everything_and_the_mirror_waits(volunteer_client, master_catalogue):
    release, arches, repos = (master_catalogue[k] for k in ("release", "arches", "repos"))
    data = form_data(
        url_https="https://127.0.0.250/centos/", url_rsync="rsync://127.0.0.250/centos/",
        ipv6="on", releases=[release.pk], architectures=[arches["x86_64"].pk],
        repositories=[repos["os"].pk, repos["updates"].pk], repository_kinds=["base", "extras"],
        netblocks="192.0.2.0/24\n2001:db8::/32", asn="64500", transfer_quota_gb="25000",
    )  # fmt: skip
    response = volunteer_client.post(REGISTER, data, follow=True)
    assert response.status_code == 200
    mirror = Mirror.objects.get()
    assert (
        "mirror.example.net is registered and waits for an admin&#x27;s approval. Its first "
        "check has started: the result shows below." in response.content.decode()
    )
    assert (
        "The first check has not finished yet: this page reloads until it has."
        in response.content.decode()
    )
    assert mirror.approval == Approval.PENDING and mirror.asn == 64500
    assert mirror.transfer_quota_gb == 25000  # 25 TB a month, as the peer's host allowed
    assert sorted(mirror.urls.values_list("protocol", "url", "ipv4", "ipv6")) == [
        ("http", "http://127.0.0.250/centos/", True, True),
        ("https", "https://127.0.0.250/centos/", True, True),
        ("rsync", "rsync://127.0.0.250/centos/", True, True),
    ]
    assert sorted(mirror.netblocks.values_list("cidr", flat=True)) == [
        "192.0.2.0/24", "2001:db8::/32",
    ]  # fmt: skip
    assert sorted(r.name for r in mirror.repositories.all()) == ["os", "updates"]
    assert mirror.repository_kinds == ["base", "extras"]
    assert [a.name for a in mirror.architectures.all()] == ["x86_64"]
    assert not Mirror.objects.serving().filter(pk=mirror.pk).exists()


def _register_farm_mirror(client, sim, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            REGISTER, form_data(name=f"{sim.name}.volunteer.test", url_http=sim.base_url, **changes)
        )
    assert response.status_code == 302, response.context["form"].errors
    return Mirror.objects.get(name=f"{sim.name}.volunteer.test")


def test_the_first_check_runs_at_once_and_its_page_shows_it(
    volunteer_client, check_settings, master_catalogue, mirror_farm, eager_tasks,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    master_refresh()  # as a sweep did before the volunteer came
    sim = mirror_farm.mirrors["current"]
    mirror = _register_farm_mirror(volunteer_client, sim, django_capture_on_commit_callbacks)
    mirror.refresh_from_db()
    assert (mirror.approval, mirror.status) == ("pending", "up")
    checks = Check.objects.filter(mirror=mirror)
    # the timestamp file, 6 repomd.xml (3 repositories x 2 architectures), 4 ISO images and
    # 3 packages of the repositories found current
    assert checks.count() == 14 and not checks.exclude(error="").exists()
    assert not checks.exclude(sweep=None).exists()
    page = volunteer_client.get(reverse("mirrors:mine-detail", args=[mirror.pk])).content.decode()
    first_screen = page[page.index('id="owner-summary"') : page.index("Each release")]
    assert '<span class="state state-pending"' in first_screen
    assert "Not listed: pending approval</span>" in first_screen
    assert re.search(
        r"<li class=\"passed\">5\.0: 6 of 6 repositories found; 4 of 4 ISO images present; we "
        rf"asked {re.escape(sim.base_url)}5\.0/\S+ and got 200\.</li>",
        first_screen,
    ), first_screen
    assert "What to do next:</strong> Nothing to do: an admin approves it soon" in first_screen
    assert "Take it out of the lists" not in page  # it is in no list yet
    mine = volunteer_client.get(reverse("mirrors:mine")).content.decode()
    assert mine.count('<span class="status status-current">Current</span>') == 6


@pytest.mark.parametrize(
    ("behaviour", "problems"),
    [
        ("missing_repo",
         [r"5\.0: 4 of 6 repositories found; 4 of 4 ISO images present; we asked "
          r"{base}5\.0/updates/(i386|x86_64)/repodata/repomd\.xml and got 404\.",
          r"What to do next:</strong> Some of what it should carry is missing \(5\.0\)"]),
        ("error_500", [r"Timestamp file: we asked {base}TIME and got 500",
                       r"What to do next:</strong> Make {base}TIME answer"]),
    ],
)  # fmt: skip
def test_a_tree_that_is_not_the_distributions_is_shown_on_the_mirrors_page(
    volunteer_client, check_settings, master_catalogue, mirror_farm, eager_tasks,
    django_capture_on_commit_callbacks, behaviour, problems,
):  # fmt: skip
    master_refresh()
    sim = mirror_farm.mirrors[behaviour]
    mirror = _register_farm_mirror(volunteer_client, sim, django_capture_on_commit_callbacks)
    page = volunteer_client.get(reverse("mirrors:mine-detail", args=[mirror.pk])).content.decode()
    first_screen = page[page.index('id="owner-summary"') : page.index("Check history")]
    for problem in problems:
        assert re.search(problem.format(base=re.escape(sim.base_url)), first_screen), first_screen


def test_the_mirror_forms_are_rate_limited(volunteer_client, settings):
    settings.MIRROR_FORM_RATE = "3/m"
    bad = form_data(url_http="not a url")
    for _ in range(3):
        assert volunteer_client.post(REGISTER, bad).status_code == 200
    response = volunteer_client.post(REGISTER, bad)
    assert response.status_code == 429
    assert "You have sent this form too often." in response.content.decode()
    assert volunteer_client.get(REGISTER).status_code == 200  # reading is not limited


def test_a_mirror_that_carries_one_image_is_checked_for_that_one_only(
    master_catalogue, check_settings
):
    """The form's ISO images: a mirror that ticks one is probed for it, not the others."""
    from apps.mirrors.choices import CheckKind
    from apps.mirrors.models import Mirror
    from apps.mirrors.selectors import CheckContext, probe_batches_build
    from apps.releases.models import Image

    from .factories import MirrorFactory, MirrorURLFactory

    one = Image.objects.order_by("name").first()
    picky = MirrorFactory(name="picky.example.org")
    MirrorURLFactory(mirror=picky)
    picky.images.set([one])
    every = MirrorFactory(name="every.example.org")
    MirrorURLFactory(mirror=every)
    probe_batches = {
        p.mirror_id: p
        for p in probe_batches_build(mirror_ids=[picky.pk, every.pk], context=CheckContext.load())
    }

    def images(mirror: Mirror) -> set[int]:
        return {t.key for t in probe_batches[mirror.pk].targets if t.kind == CheckKind.IMAGE}

    assert images(picky) == {one.pk}
    assert images(every) == set(Image.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    "address",
    ["2002:7f00:1::1", "64:ff9b::7f00:1", "2001:0:4136:e378:8000:63bf:80ff:fffe", "::ffff:7f00:1"],
)
def test_an_ipv6_address_that_reaches_loopback_is_refused(volunteer_client, settings, address):
    """6to4, NAT64, Teredo and IPv4-mapped addresses are judged by the IPv4 host they reach."""
    settings.MIRROR_CHECK_ALLOW_NETWORKS = []
    response = volunteer_client.post(REGISTER, form_data(url_http=f"http://[{address}]/centos/"))
    assert response.status_code == 200
    (error,) = field_errors(response, "url_http")
    assert "is a private, loopback or otherwise non-public address" in error
    assert not Mirror.objects.exists()


def test_a_name_with_a_line_break_is_refused(volunteer_client):
    response = volunteer_client.post(REGISTER, form_data(name="a.example.net\r\nBcc: x@y.org"))
    assert field_errors(response, "name") == [
        "A name is one line of text: no line break, tab or other control character."
    ]
    assert not Mirror.objects.exists()


def test_the_volunteer_and_staff_hear_of_a_registration(
    volunteer_client, django_user_model, django_capture_on_commit_callbacks
):
    django_user_model.objects.create_user("ops", "ops@example.org", "pw", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert volunteer_client.post(REGISTER, form_data()).status_code == 302
    mirror = Mirror.objects.get(name="mirror.example.net")
    by_subject = {m.subject: m for m in mail.outbox}
    mine = by_subject["[CentOS mirrors] Your mirror mirror.example.net is registered"]
    assert mine.to == ["vol@example.org"]
    assert mine.body.startswith("Hello vol@example.org,\n\nyou registered the mirror "
                                "mirror.example.net (France).")  # fmt: skip
    assert f"http://testserver/my/mirrors/{mirror.pk}/" in mine.body
    notice = by_subject["[CentOS mirrors] Mirror mirror.example.net waits for moderation"]
    assert notice.to == ["ops@example.org"]
    assert "http://testserver/mirrors/moderation/" in notice.body


def test_the_run_a_mirror_page_is_linked_from_home_and_the_menu(client, master_catalogue):
    run = reverse("mirrors:run")
    home = client.get(reverse("home")).content.decode()
    nav = home[home.index('<nav aria-label="Main">') : home.index("</nav>")]
    assert f'<a href="{run}">Run a mirror</a>' in nav
    assert f'<a href="{run}">Run a mirror</a> near your users.' in home
    page = client.get(run).content.decode()
    for words in ("What a mirror needs", "Bandwidth", "Disk", "The layout",
                  "rsync from an upstream", "The timestamp file</strong> <code>TIME</code>",
                  "How registration and the checks work"):  # fmt: skip
        assert words in page, words
    assert f'<a class="button" href="{REGISTER}">Register a mirror</a>' in page
