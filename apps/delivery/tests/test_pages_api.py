"""Django's side: the ISO folder page, the usage chart, the API, the usage flush, torrents,
the rebuild triggers and the buildsnapshot command."""

from __future__ import annotations

import datetime as dt
import io

import orjson
import pytest
import torf
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from apps.delivery import runtime
from apps.delivery.models import DailyUsage, ImageTorrent, Snapshot
from apps.delivery.services import image_torrent_build, snapshot_publish, usage_record
from apps.delivery.usage import UsageCounter
from apps.mirrors.models import MirrorURL
from apps.mirrors.signals import sweep_finished

from .fixtures import call, new_front

DVD = "CentOS-5.0-x86_64-bin-DVD.iso"


@pytest.fixture
def live_snapshot(published, settings, tmp_path):
    """The process's store (the one Django views use) serving the published snapshot."""
    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    runtime.reset()
    runtime.store().install(bytes(published[0].blob))
    yield runtime.store().snapshot
    runtime.reset()


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("staff", password="pw", is_staff=True)


def test_iso_folder_page_groups_mirrors_by_closeness(client, live_snapshot):
    url = reverse("delivery:iso-folder", args=["5", "x86_64"])
    response = client.get(url, {"cc": "FR"}, HTTP_USER_AGENT="Mozilla/5.0")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mirrors verified " in html
    country = html.index("Your country (FR)")
    nearby = html.index("Nearby countries")
    others = html.index("Other mirrors")
    assert country < html.index("http://fr1.example.org/centos/5.0/isos/x86_64/") < nearby
    assert nearby < html.index("http://gb1.example.org/centos/5.0/isos/x86_64/") < others
    assert others < html.index("http://jp1.example.org/centos/5.0/isos/x86_64/")
    for hidden in ("behind.example.org", "campus.example.org", "internal1.example.org"):
        assert hidden not in html
    assert f'href="{DVD}.metalink"' in html and f'href="{DVD}.meta4"' in html


def test_iso_folder_page_for_cli_is_a_redirect_and_unknown_is_404(client, live_snapshot):
    url = reverse("delivery:iso-folder", args=["5", "x86_64"])
    response = client.get(url, {"cc": "JP"}, HTTP_USER_AGENT="curl/8.0")
    assert response.status_code == 302
    assert response["Location"] == "http://jp1.example.org/centos/5.0/isos/x86_64/"
    missing = client.get(reverse("delivery:iso-folder", args=["5", "sparc"]))
    assert missing.status_code == 404  # a browser's: the site's 404 page, with the reason
    assert "release 5.0 has no ISO images for arch &#x27;sparc&#x27;" in missing.content.decode()


def test_iso_folder_page_through_the_front_goes_to_django(live_snapshot):
    from django.core.wsgi import get_wsgi_application

    front = new_front(runtime.store(), app=get_wsgi_application())
    answer = call(
        front, "/isoredirect/5/isos/x86_64/", "cc=GB", headers={"User-Agent": "Mozilla/5.0"}
    )
    assert answer.status == 200
    assert "Mirrors verified" in answer.text


def test_api_mirrorlist_with_buckets_asks_the_database_nothing(
    client, live_snapshot, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(
            "/api/v1/mirrorlist/", {"release": "5", "arch": "x86_64", "repo": "os", "cc": "JP"}
        )
    assert response.status_code == 200
    data = response.json()
    assert data["target"] == "5.0/os/x86_64"
    assert data["client"]["country"] == "JP"
    assert [m["bucket"] for m in data["mirrors"][:3]] == ["country", "nearby", "continent"]
    assert data["mirrors"][0] == {
        "url": "http://jp1.example.org/centos/5.0/os/x86_64/",
        "bucket": "country",
        "mirror": "jp1.example.org",
        "country": "JP",
    }
    assert data["snapshot"]["version"] == live_snapshot.version
    bad = client.get("/api/v1/mirrorlist/", {"release": "5", "arch": "ppc", "repo": "os"})
    assert (
        bad.status_code == 404
        and "valid repo/arch: os/x86_64, updates/x86_64" in bad.json()["detail"]
    )
    assert client.get("/api/v1/mirrorlist/", {"release": "5"}).status_code == 400


def test_api_iso_and_snapshot(client, live_snapshot):
    data = client.get(
        "/api/v1/isoredirect/", {"release": "5", "arch": "x86_64", "file": DVD, "cc": "GB"}
    ).json()
    assert data["mirrors"][0]["bucket"] == "country"
    assert data["mirrors"][-1]["bucket"] in {"internal", "master", "global"}
    snap = client.get("/api/v1/delivery/snapshot/").json()
    assert snap["version"] == live_snapshot.version


def test_api_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/").content.decode()
    paths = ("mirrorlist/", "isoredirect/", "delivery/usage/", "delivery/whereami/")
    for path in paths:
        assert f"\n  /api/v1/{path}:\n" in schema


def test_usage_flush_is_one_upsert_and_adds_up(db, django_assert_max_num_queries):
    counter = UsageCounter(flush_seconds=0, writer=usage_record)
    for _ in range(3):
        counter.count("mirrorlist", "GB", "5.0", "x86_64", "os")
    counter.count("iso", None, "5.0", "x86_64", "", DVD)
    with django_assert_max_num_queries(3):  # savepoint, one executemany, release
        assert counter.flush() == 2
    counter.count("mirrorlist", "GB", "5.0", "x86_64", "os")
    counter.flush()
    rows = {(r.kind, r.country, r.file): r.count for r in DailyUsage.objects.all()}
    assert rows == {("mirrorlist", "GB", ""): 4, ("iso", "", DVD): 1}


def test_usage_flush_failure_keeps_the_counts(db):
    def down(**kwargs):
        raise OSError("database down")

    counter = UsageCounter(flush_seconds=0, writer=down)
    counter.count("mirrorlist", "GB", "5.0", "x86_64", "os")
    assert counter.flush() == 0
    assert sum(counter.pending().values()) == 1
    counter.writer = usage_record  # the database is back: the same counts go out
    assert counter.flush() == 1
    assert DailyUsage.objects.get(country="GB").count == 1


def test_usage_chart_for_staff_only_and_api(client, staff, django_assert_max_num_queries):
    today = dt.date.today()
    usage_record(
        counts={
            (today, "mirrorlist", "GB", "5.0", "x86_64", "os", ""): 70,
            (today, "mirrorlist", "JP", "5.0", "x86_64", "os", ""): 30,
            (today - dt.timedelta(days=1), "iso", "FR", "5.0", "x86_64", "", DVD): 5,
        }
    )
    url = reverse("delivery:usage")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert "Top countries" in html and "GB" in html and DVD in html
    assert '<span class="bar w-100"></span>' in html
    assert "<script" not in html
    data = client.get("/api/v1/delivery/usage/", {"days": 7}).json()
    assert data["countries"][0] == {"key": "GB", "total": 70}
    assert sum(d["total"] for d in data["days"]) == 105
    client.logout()
    assert client.get("/api/v1/delivery/usage/").status_code in (401, 403)


def test_torrent_from_the_image_bytes_with_mirrors_as_web_seeds(
    network_mirrors, tmp_path, settings
):
    data = b"iso bytes " * 50_000
    image = network_mirrors.images["dvd"]
    image.size = len(data)
    image.sha256 = __import__("hashlib").sha256(data).hexdigest()
    image.save()
    settings.DELIVERY_MASTER_PATH = str(tmp_path)
    (tmp_path / "5.0/isos/x86_64").mkdir(parents=True)
    (tmp_path / "5.0/isos/x86_64" / DVD).write_bytes(data)
    image_torrent_build(image_id=image.pk)
    assert ImageTorrent.objects.filter(image=image).exists()

    from apps.delivery.store import SnapshotStore

    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish().blob))
    answer = call(new_front(store), f"/isoredirect/5/isos/x86_64/{DVD}.torrent", "cc=GB")
    assert answer.status == 200
    assert answer.header("Content-Type") == "application/x-bittorrent"
    torrent = torf.Torrent.read_stream(io.BytesIO(answer.body))
    assert torrent.name == DVD and torrent.size == len(data)
    seeds = [str(u) for u in torrent.webseeds]
    assert seeds[0].split("/")[2] in {"gb1.example.org", "gb2.example.org"}
    assert all(s.endswith(f"/5.0/isos/x86_64/{DVD}") for s in seeds)
    # The pieces are the file's: torf verifies the content against them.
    (tmp_path / "dl").mkdir()
    (tmp_path / "dl" / DVD).write_bytes(data)
    assert torrent.verify(tmp_path / "dl" / DVD)
    no_torrent = call(
        new_front(store),
        f"/isoredirect/5/isos/x86_64/{DVD.replace('bin-DVD', 'netinstall')}.torrent",
    )
    assert no_torrent.status == 404


def test_sweep_and_admin_changes_schedule_one_debounced_rebuild(
    network_mirrors, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.DELIVERY_REBUILD_ON_CHANGE = True
    queued = []
    monkeypatch.setattr(
        "apps.delivery.tasks.snapshot_publish_task.apply_async",
        lambda **kwargs: queued.append(kwargs),
    )
    from django.core.cache import cache

    cache.delete("delivery:snapshot:rebuild-pending")
    with django_capture_on_commit_callbacks(execute=True):
        sweep_finished.send(sender=None, sweep=None)
        mirror = network_mirrors.mirrors["gb1.example.org"]
        mirror.bandwidth_mbps = 10
        mirror.save()
    assert len(queued) == 1
    cache.delete("delivery:snapshot:rebuild-pending")


def test_buildsnapshot_command_and_task(network_mirrors):
    out = io.StringIO()
    call_command("buildsnapshot", stdout=out)
    row = Snapshot.objects.newest().first()
    assert out.getvalue() == (
        f"snapshot {row.version}: {row.mirror_count} mirrors, {row.size} bytes, {row.build_ms} ms\n"
    )
    assert row.mirror_count == len(orjson.loads(bytes(row.blob))["mirrors"]) > 0
    from apps.delivery.tasks import snapshot_publish_task

    version = snapshot_publish_task.apply(kwargs={"reason": "test"}).get()
    assert Snapshot.objects.newest().first().version == version
    # A request older than the newest snapshot is already served: no new build.
    import time

    before = time.time() - 60
    assert snapshot_publish_task.apply(kwargs={"requested_at": before}).get() is None
    assert snapshot_publish_task.apply(kwargs={"requested_at": time.time() + 1}).get() > version
    assert (
        Snapshot.objects.get(version=version).mirror_count == 12
    )  # serving, non-master (behind included: served elsewhere)


def test_snapshot_build_query_count_does_not_grow_with_mirrors(
    network_mirrors, django_assert_max_num_queries
):
    # 32: the answers' tables (with the kinds of repository the mirrors carry, the
    # repositories' kinds and the secondary architectures' own masters), the failing sides
    # of dual-stack hosts, then the maintenance windows and why each mirror is listed or
    # not (its row, its last failure if down, the states it lacks), and the status JSON's
    # three (the URLs with their last check, the day's checks, the lags).
    with django_assert_max_num_queries(32):
        snapshot_publish()
    from .factories import make_mirror

    for i in range(30):
        make_mirror(network_mirrors, f"extra{i}.example.org", "US")
    with django_assert_max_num_queries(32):
        row = snapshot_publish()
    assert row.mirror_count == 42


def test_old_snapshots_are_pruned(network_mirrors, settings):
    settings.DELIVERY_KEEP_SNAPSHOTS = 2
    for _ in range(4):
        last = snapshot_publish()
    assert list(Snapshot.objects.values_list("version", flat=True)) == [
        last.version,
        last.version - 1,
    ]


def master_url_move(base_url: str) -> None:
    """The admins point the master mirror at another URL (no restart needed)."""
    MirrorURL.objects.filter(mirror__name="master.example.org").update(url=base_url)


def test_torrent_from_the_master_over_http(network_mirrors, mirror_farm, master_tree, settings):
    """Without a local copy the image is downloaded once from the master, checked, hashed."""
    iso = master_tree.isos[("5.0", "x86_64", DVD)]
    image = network_mirrors.images["dvd"]
    image.size, image.sha256 = iso.size, iso.sha256
    image.save()
    settings.DELIVERY_MASTER_PATH = None
    master_url_move(mirror_farm.master.base_url)
    image_torrent_build(image_id=image.pk)
    stored = ImageTorrent.objects.get(image=image)
    torrent = torf.Torrent.read_stream(io.BytesIO(bytes(stored.metainfo)))
    assert torrent.size == iso.size
    assert torrent.verify(iso.path)  # the pieces are the master file's bytes
    assert mirror_farm.master.requests[f"/centos/5.0/isos/x86_64/{DVD}"] == 1


def test_torrent_refuses_a_master_file_with_the_wrong_hash(
    network_mirrors, mirror_farm, master_tree, settings
):
    iso = master_tree.isos[("5.0", "x86_64", DVD)]
    image = network_mirrors.images["dvd"]
    image.size, image.sha256 = iso.size, "0" * 64
    image.save()
    settings.DELIVERY_MASTER_PATH = None
    master_url_move(mirror_farm.master.base_url)
    with pytest.raises(ValueError, match="is not the image's"):
        image_torrent_build(image_id=image.pk)
    assert not ImageTorrent.objects.filter(image=image).exists()


def test_the_download_page_switches_release_and_architecture(client, live_snapshot):
    html = client.get(reverse("delivery:iso-folder", args=["5", "x86_64"])).content.decode()
    switcher = html[
        html.index('<nav class="switcher"') : html.index("</nav>", html.index("switcher"))
    ]
    for version, arch in sorted(k.split("/") for k in live_snapshot.folders):
        if version == "5.0":
            link = reverse("delivery:iso-folder", args=[version, arch])
            assert f'href="{link}"' in switcher, arch
    assert 'aria-current="page">x86_64</a>' in switcher
    assert 'aria-current="page">5.0</a>' in switcher
    assert '<a href="sha256sum.txt">sha256sum.txt</a>' in html


def test_the_checksum_file_lists_the_folders_images_as_sha256sum_reads_them(live_snapshot):
    answer = call(new_front(runtime.store()), "/isoredirect/5/isos/x86_64/sha256sum.txt", "")
    assert answer.status == 200
    folder, _ = live_snapshot.folder_target("5", "x86_64")
    files = live_snapshot.folder_files[folder.key]
    assert answer.text == "".join(f"{f.sha256}  {f.name}\n" for f in files if f.sha256)
    assert f"  {DVD}\n" in answer.text
    missing = call(new_front(runtime.store()), "/isoredirect/5/isos/vax/sha256sum.txt", "")
    assert missing.status == 404 and "no ISO images for arch 'vax'" in missing.text


def test_the_iso_folder_says_when_it_cannot_tell_the_country(client, live_snapshot):
    """A visitor whose address has no country is told so, not "no mirror in this country"."""
    url = reverse("delivery:iso-folder", args=["5", "x86_64"])
    text = client.get(url, HTTP_USER_AGENT="Mozilla/5.0").content.decode()
    assert "We could not tell your country from your address." in text
    assert "No mirror in this country has these images." not in text
