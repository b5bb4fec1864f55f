"""A person's change reaches what clients get: each write through the admin goes through a
service, which queues a snapshot rebuild after commit; a worker polling for snapshots then
answers differently. Tasks run eagerly here (test_celery_worker.py does it with a real
worker); the answers are read over HTTP from the lean front, as yum would."""

import base64
import re
import urllib.error
import urllib.request

import pytest
from django.urls import reverse

from apps.delivery.store import SnapshotStore
from apps.mirrors.choices import Approval
from apps.mirrors.models import Mirror, MirrorURL
from apps.releases.services import image_checksums_record

from .fixtures import new_front

MIRRORLIST = "/mirrorlist?release=5&arch=x86_64&repo=os&cc=GB"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def live(published, serve, eager_rebuilds):
    """The front over HTTP, its store polling the database as each worker does."""
    _row, _first = published
    store = SnapshotStore(poll_seconds=0)
    store.poll_once()
    base = serve(new_front(store))
    opener = urllib.request.build_opener(_NoRedirect)

    class Live:
        def get(self, path: str) -> tuple[int, dict, str]:
            """(status, headers, body); a redirect is answered, not followed."""
            store.poll_once()  # the background poll, made deterministic
            try:
                with opener.open(base + path, timeout=5) as answer:
                    return answer.status, dict(answer.headers), answer.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, dict(error.headers), error.read().decode()

        def hosts(self, path: str = MIRRORLIST) -> list[str]:
            return re.findall(r"^https?://([^/]+)/", self.get(path)[2], re.M)

        version = property(lambda self: store.version)

    return Live()


def admin_action(staff_client, model: str, action: str, pks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse(f"admin:{model}_changelist"),
            {"action": action, "_selected_action": [str(pk) for pk in pks]},
        )
    assert response.status_code == 302, response.content[:500]


def test_a_mirror_disabled_in_the_admin_leaves_the_next_mirrorlist(
    live, staff_client, network_mirrors, django_capture_on_commit_callbacks
):
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    assert "gb1.example.org" in live.hosts()
    before = live.version
    admin_action(staff_client, "mirrors_mirror", "disable", [gb1.pk],
                 django_capture_on_commit_callbacks)  # fmt: skip
    gb1.refresh_from_db()
    assert gb1.approval == Approval.DISABLED
    assert "ops" in gb1.approval_reason
    assert "gb1.example.org" not in live.hosts()
    assert live.version > before
    # Enabled again, it waits for the checks: its status starts from unknown.
    admin_action(staff_client, "mirrors_mirror", "enable", [gb1.pk],
                 django_capture_on_commit_callbacks)  # fmt: skip
    gb1.refresh_from_db()
    assert (gb1.approval, gb1.status) == (Approval.APPROVED, "unknown")
    assert "gb1.example.org" not in live.hosts()


def test_a_mirror_without_urls_cannot_be_approved(
    live, staff_client, network_mirrors, django_capture_on_commit_callbacks
):
    pending = network_mirrors.mirrors["pending.example.org"]
    MirrorURL.objects.filter(mirror=pending).delete()
    admin_action(staff_client, "mirrors_mirror", "approve", [pending.pk],
                 django_capture_on_commit_callbacks)  # fmt: skip
    pending.refresh_from_db()
    assert pending.approval == Approval.PENDING


def test_a_url_edited_in_the_admin_is_the_one_served(
    live, staff_client, network_mirrors, django_capture_on_commit_callbacks
):
    url = MirrorURL.objects.get(mirror__name="gb2.example.org", protocol="http")
    form = {"mirror": url.mirror_id, "protocol": "http", "url": "http://new-gb2.example.org/c/"}
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:mirrors_mirrorurl_change", args=[url.pk]), {**form, "ipv4": "on"}
        )
    assert response.status_code == 302
    hosts = live.hosts()
    assert "new-gb2.example.org" in hosts and "gb2.example.org" not in hosts


def test_a_mirror_deleted_in_the_admin_is_gone_from_the_answers(
    live, staff_client, network_mirrors, django_capture_on_commit_callbacks
):
    gb2 = network_mirrors.mirrors["gb2.example.org"]
    assert "gb2.example.org" in live.hosts()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:mirrors_mirror_delete", args=[gb2.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Mirror.objects.filter(pk=gb2.pk).exists()
    assert "gb2.example.org" not in live.hosts()


def test_a_release_marked_end_of_life_goes_to_the_vault(
    live, staff_client, network_mirrors, django_capture_on_commit_callbacks, settings
):
    assert live.get(MIRRORLIST)[2].count("\n") == 10
    admin_action(staff_client, "releases_release", "mark_end_of_life",
                 [network_mirrors.release.pk], django_capture_on_commit_callbacks)  # fmt: skip
    status, _headers, body = live.get(MIRRORLIST)
    assert status == 200
    assert body == settings.VAULT_URL.rstrip("/") + "/5.0/os/x86_64/\n"


DVD = "/isoredirect/5.0/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso"


def digest(sha256_hex: str) -> str:
    return "SHA-256=" + base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def test_a_hash_typed_in_the_admin_never_reaches_a_client(
    live, staff_client, network_mirrors, django_capture_on_commit_callbacks
):
    image = network_mirrors.images["dvd"]
    served = image.sha256
    page = reverse("admin:releases_image_change", args=[image.pk])
    form = {
        "release": image.release_id, "architecture": image.architecture_id, "name": image.name,
        "kind": image.kind, "expected_size": "", "expected_sha256": "0" * 64,
        # A hand-made POST naming the master's fields too: they are read-only, so ignored.
        "sha256": "0" * 64, "size": "1",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(page, form)
    assert response.status_code == 302, response.content[:800]
    image.refresh_from_db()
    assert (image.sha256, image.expected_sha256) == (served, "0" * 64)
    assert image.checksum_problems  # flagged on the image
    changelist = staff_client.get(reverse("admin:releases_image_changelist")).content.decode()
    assert "icon-no.svg" in changelist  # the "typed = master" column says no
    meta4 = live.get(DVD + ".meta4")[2]
    assert "0" * 64 not in meta4 and f'<hash type="sha-256">{served}</hash>' in meta4
    status, headers, _body = live.get(DVD)
    assert status == 302
    assert headers["Digest"] == digest(served)


def test_a_new_hash_from_the_master_reaches_the_meta4_and_the_digest(
    live, network_mirrors, django_capture_on_commit_callbacks
):
    image = network_mirrors.images["dvd"]
    new = "ab" * 32
    with django_capture_on_commit_callbacks(execute=True):
        image_checksums_record(found={image.pk: (image.size, new)})
    assert new in live.get(DVD + ".meta4")[2]
    status, headers, _body = live.get(DVD)
    assert (status, headers["Digest"]) == (302, digest(new))


def test_with_redis_down_an_admin_save_succeeds_and_publishes_in_process(
    published, staff_client, network_mirrors, django_capture_on_commit_callbacks, settings,
    redis_down, caplog,
):  # fmt: skip
    settings.DELIVERY_REBUILD_ON_CHANGE = True
    settings.DELIVERY_REBUILD_DEBOUNCE_SECONDS = 0
    before = published[0].version
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:mirrors_mirror_changelist"),
            {"action": "disable", "_selected_action": [str(gb1.pk)]},
        )
    assert response.status_code == 302
    gb1.refresh_from_db()
    assert gb1.approval == Approval.DISABLED
    store = SnapshotStore(poll_seconds=0)
    store.poll_once()
    assert store.version > before
    answer = store.snapshot.repo_target("5", "os", "x86_64")[0]
    assert gb1.pk not in {store.snapshot.mirrors[i].id for i in answer.mirrors}
    assert "publishing in-process" in caplog.text


def test_image_folders_follow_the_release_template(
    live, staff_client, network_mirrors, django_capture_on_commit_callbacks
):
    """The ISO redirect sends clients to the folder the release's template names."""
    release = network_mirrors.release
    status, headers, _ = live.get(DVD)
    assert headers["Location"].endswith("/5.0/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso")
    form = {
        "version": release.version, "major": release.major, "minor": release.minor,
        "status": release.status, "image_path_template": "{major}/iso-images/{arch}/",
        "architectures": [a.pk for a in release.architectures.all()],
        "repositories": [r.pk for r in release.repositories.all()],
        # The inlines (its architectures with their tier, its timeline) left as they are.
        "releasearchitecture_set-TOTAL_FORMS": 0, "releasearchitecture_set-INITIAL_FORMS": 0,
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0,
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:releases_release_change", args=[release.pk]), form
        )
    assert response.status_code == 302, response.content[:800]
    status, headers, _ = live.get(DVD)
    assert status == 302
    assert headers["Location"].endswith("/5/iso-images/x86_64/CentOS-5.0-x86_64-bin-DVD.iso")
    assert "/5/iso-images/x86_64/" in live.get(DVD + ".meta4")[2]
