"""The lean front: metalink and ISO answers, health, no database and no template on the
request path, and serving through a database outage."""

from __future__ import annotations

import base64
import threading
import xml.etree.ElementTree as ET  # noqa: S405  (our own answers)

import pytest
from django.db import connection, connections
from django.test.signals import template_rendered

from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore

from .fixtures import call, new_front

ML = "{http://www.metalinker.org/}"
MM = "{http://fedorahosted.org/mirrormanager}"
DVD = "CentOS-5.0-x86_64-bin-DVD.iso"


def test_metalink_in_the_shape_dnf_reads(front, built):
    answer = call(front, "/metalink", "repo=updates-5&arch=x86_64&cc=GB")
    assert answer.status == 200
    text = answer.text
    assert 'xmlns:mm0="http://fedorahosted.org/mirrormanager"' in text
    root = ET.fromstring(answer.body)  # noqa: S314
    assert root.tag == f"{ML}metalink" and root.get("version") == "3.0"
    file = root.find(f"{ML}files/{ML}file")
    assert file.get("name") == "repomd.xml"
    versions = list(
        built.release.repository_versions.filter(repository__name="updates").order_by("-timestamp")
    )
    assert file.findtext(f"{MM}timestamp") == str(versions[0].timestamp)
    assert file.findtext(f"{ML}size") == str(versions[0].size)
    hashes = {h.get("type"): h.text for h in file.findall(f"{ML}verification/{ML}hash")}
    assert hashes == {"sha256": versions[0].sha256}
    alternates = file.findall(f"{MM}alternates/{MM}alternate")
    assert [a.findtext(f"{MM}timestamp") for a in alternates] == [
        str(v.timestamp) for v in versions[1:]
    ]
    urls = file.findall(f"{ML}resources/{ML}url")
    assert urls[0].text.endswith("/centos/5.0/updates/x86_64/repodata/repomd.xml")
    assert urls[0].get("location") == "GB" and urls[0].get("protocol") == "http"
    prefs = [int(u.get("preference")) for u in urls]
    assert prefs == sorted(prefs, reverse=True)
    assert (
        urls[-1].text == "http://master.example.org/centos/5.0/updates/x86_64/repodata/repomd.xml"
    )


def test_iso_redirect_302_with_links_and_digest(front, built):
    answer = call(front, f"/isoredirect/5/isos/x86_64/{DVD}", "cc=GB")
    assert answer.status == 302
    assert answer.header("Location") in {
        f"http://gb1.example.org/centos/5.0/isos/x86_64/{DVD}",
        f"http://gb2.example.org/centos/5.0/isos/x86_64/{DVD}",
    }
    links = answer.all("Link")
    duplicates = [link for link in links if "rel=duplicate" in link]
    assert len(duplicates) == 4
    assert duplicates[0].endswith("; rel=duplicate; pri=1; geo=gb")
    assert f'<{DVD}.meta4>; rel=describedby; type="application/metalink4+xml"' in links
    raw = bytes.fromhex(built.images["dvd"].sha256)
    assert answer.header("Digest") == "SHA-256=" + base64.b64encode(raw).decode()


def test_iso_metalinks_for_download_managers(front, built):
    ml = call(front, f"/isoredirect/5.0/isos/x86_64/{DVD}.metalink", "cc=GB")
    assert ml.header("Content-Type") == "application/metalink+xml"
    file = ET.fromstring(ml.body).find(f"{ML}files/{ML}file")  # noqa: S314
    assert file.get("name") == DVD
    assert file.findtext(f"{ML}size") == str(built.images["dvd"].size)
    meta4 = call(front, f"/isoredirect/5.0/isos/x86_64/{DVD}.meta4", "cc=GB")
    assert meta4.header("Content-Type") == "application/metalink4+xml"
    ns = "{urn:ietf:params:xml:ns:metalink}"
    f4 = ET.fromstring(meta4.body).find(f"{ns}file")  # noqa: S314
    assert f4.find(f"{ns}hash").text == built.images["dvd"].sha256
    assert f4.findall(f"{ns}url")[0].get("location") == "gb"


def test_iso_for_eol_release_goes_to_vault_and_unknown_file_404(front, built):
    missing = call(front, "/isoredirect/5/isos/x86_64/nope.iso")
    assert missing.status == 404
    assert "valid: CentOS-5.0-x86_64-bin-DVD.iso, CentOS-5.0-x86_64-netinstall.iso" in missing.text
    assert call(front, "/isoredirect/5/isos/ppc/x.iso").status == 404


def test_iso_unknown_protocol_is_a_400_for_a_folder_as_for_a_file(front):
    for path in ("/isoredirect/5/isos/x86_64/", f"/isoredirect/5/isos/x86_64/{DVD}",
                 f"/isoredirect/5/isos/x86_64/{DVD}.meta4"):  # fmt: skip
        answer = call(front, path, "cc=GB&protocol=gopher", headers={"User-Agent": "curl/8"})
        assert answer.status == 400, path
        assert "valid: http, https, ftp" in answer.text
    plain = call(front, "/isoredirect/5/isos/x86_64/", "cc=GB&protocol=http",
               headers={"User-Agent": "curl/8"})  # fmt: skip
    assert plain.status == 302
    assert plain.header("Location").startswith("http://")


def test_cli_agents_on_the_folder_get_a_302_browsers_get_the_page(front):
    for agent in ("curl/7.88.1", "Wget/1.21", "aria2/1.36.0", "python-requests/2.31"):
        answer = call(front, "/isoredirect/5/isos/x86_64/", "cc=GB", headers={"User-Agent": agent})
        assert answer.status == 302, agent
        assert answer.header("Location").endswith(".example.org/centos/5.0/isos/x86_64/")
    browser = call(front, "/isoredirect/5/isos/x86_64/", headers={"User-Agent": "Mozilla/5.0"})
    assert browser.body == b"django\n"  # handed to Django


def test_other_paths_go_to_django(front):
    assert call(front, "/mirrors/").body == b"django\n"


def test_healthz(front):
    answer = call(front, "/healthz")
    assert answer.status == 200
    import orjson

    data = orjson.loads(answer.body)
    assert data["snapshot"]["version"] == front.store.version
    assert data["snapshot"]["age_seconds"] < 60
    empty = call(new_front(SnapshotStore(poll_seconds=0)), "/healthz")
    assert empty.status == 503
    for path in ("/mirrorlist", "/metalink", f"/isoredirect/5/isos/x86_64/{DVD}"):
        unavailable = call(new_front(SnapshotStore(poll_seconds=0)), path, "release=5")
        assert unavailable.status == 503
        assert unavailable.header("Content-Length") == str(len(unavailable.body)) != "0"


def test_head_and_post(front):
    head = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert call(front, "/mirrorlist", method="POST").status == 405


def test_request_path_asks_the_database_nothing_and_renders_no_template(
    front, django_assert_num_queries
):
    rendered = []

    def on_render(sender, **kwargs):
        rendered.append(kwargs.get("template"))

    template_rendered.connect(on_render)
    try:
        with django_assert_num_queries(0):
            for path, query in [
                ("/mirrorlist", "release=5&arch=x86_64&repo=os&ip=81.2.69.160"),
                ("/metalink", "repo=os-5&arch=x86_64&ip=2a00:1450:4001::1"),
                (f"/isoredirect/5/isos/x86_64/{DVD}", "ip=133.1.0.1"),
                (f"/isoredirect/5/isos/x86_64/{DVD}.metalink", ""),
                ("/healthz", ""),
            ]:
                assert call(front, path, query).status in (200, 302)
    finally:
        template_rendered.disconnect(on_render)
    assert rendered == []


def test_usage_is_counted_in_memory_not_written_per_request(front, django_assert_num_queries):
    with django_assert_num_queries(0):
        for _ in range(5):
            call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB")
        call(front, f"/isoredirect/5/isos/x86_64/{DVD}", "cc=FR")
    counts = front.usage.pending()
    assert sorted((k[1], k[2], k[3], k[4], k[5], k[6], n) for k, n in counts.items()) == [
        ("iso", "FR", "5.0", "x86_64", "", DVD, 1),
        ("mirrorlist", "GB", "5.0", "x86_64", "os", "", 5),
    ]


# --- outage ----------------------------------------------------------------------------


@pytest.fixture
def broken_database(monkeypatch, settings):
    """Point new database connections at nothing: a closed port (PostgreSQL) or a file in
    a missing directory (SQLite). Connections already open (the test's own) stay."""
    db = connections.settings["default"]
    if db["ENGINE"].endswith("sqlite3"):
        monkeypatch.setitem(db, "NAME", "/nonexistent/dir/portal.sqlite3")
    else:
        monkeypatch.setitem(db, "HOST", "127.0.0.1")
        monkeypatch.setitem(db, "PORT", "1")  # nothing listens: connection refused


def poll_in_thread(store: SnapshotStore) -> bool:
    """Poll from another thread, which opens its own (new) database connection."""
    result = {}

    def run():
        try:
            result["ok"] = store.poll_once()
        finally:
            connection.close()  # or the test database cannot be dropped

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return result["ok"]


def test_outage_keeps_serving_the_last_snapshot(published, serve, tmp_path, broken_database):
    row, _ = published
    store = SnapshotStore(poll_seconds=0, cache_path=tmp_path / "snapshot.json")
    store.install(bytes(row.blob))
    front = new_front(store)
    base = serve(front)

    assert poll_in_thread(store) is False
    assert store.last_error  # the database really was unreachable
    import urllib.request

    with urllib.request.urlopen(f"{base}/mirrorlist?release=5&arch=x86_64&repo=os&cc=GB") as r:
        lines = r.read().decode().splitlines()
    assert len(lines) == 10 and lines[0].split("/")[2] in {"gb1.example.org", "gb2.example.org"}
    redirect = call(front, f"/isoredirect/5/isos/x86_64/{DVD}", "cc=FR")
    assert redirect.status == 302
    assert redirect.header("Location").startswith("http://fr1.example.org/")
    health = call(front, "/healthz")
    assert health.status == 200 and b"OperationalError" not in health.body  # not to anyone
    trusted = new_front(store, metrics_readers={"127.0.0.1"})  # METRICS_ALLOWED_NETWORKS
    assert b"OperationalError" in call(trusted, "/healthz").body


def test_a_fresh_worker_serves_from_its_file_cache_during_an_outage(
    published, tmp_path, broken_database
):
    row, _ = published
    cache = tmp_path / "snapshot.json"
    SnapshotStore(poll_seconds=0, cache_path=cache).install(bytes(row.blob))
    fresh = SnapshotStore(poll_seconds=0.05, cache_path=cache)
    front = new_front(fresh)
    try:
        answer = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=JP")
        assert answer.status == 200
        assert answer.text.splitlines()[0] == "http://jp1.example.org/centos/5.0/os/x86_64/"
        assert fresh.version == row.version
    finally:
        fresh.stop()


def test_store_polls_and_swaps_in_a_newer_snapshot(transactional_db, network_mirrors):
    first = snapshot_publish(reason="one")
    store = SnapshotStore(poll_seconds=0)
    assert store.poll_once() is True
    assert store.version == first.version
    assert store.poll_once() is False  # nothing newer
    second = snapshot_publish(reason="two")
    assert poll_in_thread(store) is True
    assert store.version == second.version


def test_blob_is_compact_and_parses(published):
    import orjson

    row, store = published
    blob = bytes(row.blob)
    assert row.size == len(blob)
    data = orjson.loads(blob)  # parses: one JSON object, as the stores read it
    assert orjson.dumps(data) == blob  # compact: no indentation, no spaces, nothing extra
    assert (data["version"], len(data["mirrors"])) == (row.version, row.mirror_count)
    assert store.snapshot.version == row.version


# --- Redis ----------------------------------------------------------------------------

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_url():
    import redis

    from apps.core.testing.services import service_missing

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {REDIS_TEST_URL} is unreachable ({exc})")
    client.delete("delivery:snapshot:version", "delivery:snapshot:blob")
    yield REDIS_TEST_URL
    client.delete("delivery:snapshot:version", "delivery:snapshot:blob")


def test_published_to_redis_and_loaded_from_it_without_the_database(
    network_mirrors, redis_url, settings, django_capture_on_commit_callbacks, broken_database
):
    settings.DELIVERY_REDIS_URL = redis_url
    with django_capture_on_commit_callbacks(execute=True):
        row = snapshot_publish(reason="redis")
    store = SnapshotStore(poll_seconds=0, redis_url=redis_url)
    assert poll_in_thread(store) is True  # the database is unreachable: Redis answered
    assert store.version == row.version


def test_redis_down_falls_back_to_the_database(transactional_db, network_mirrors):
    row = snapshot_publish(reason="db")
    store = SnapshotStore(poll_seconds=0, redis_url="redis://127.0.0.1:1/0")
    assert store.poll_once() is True
    assert store.version == row.version
