"""The master tree builder and every mirror behaviour, seen from an HTTP client."""

# ruff: noqa: S314 - the XML parsed here is what the farm itself generated

import gzip
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from apps.core.testing.mirrorfarm import (
    HISTORY_STEP,
    PACKAGES_PER_VERSION,
    Behaviour,
    MirrorFarm,
    _pick_port,
    write_tree_version,
)

REPO_NS = "{http://linux.duke.edu/metadata/repo}"
REPOMD = "5.0/updates/x86_64/repodata/repomd.xml"
DVD = "5.0/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso"
MAIN = Path(__file__).resolve().parents[4]


@pytest.fixture
def client():
    # trust_env=False: an HTTP(S)_PROXY in the environment must not divert loopback requests
    with httpx.Client(timeout=httpx.Timeout(2.0), trust_env=False) as c:
        yield c


def newest(master_tree, version="5.0", repo="updates", arch="x86_64"):
    return master_tree.versions(version, repo, arch)


# --------------------------------------------------------------------------- tree


def test_tree_layout_is_a_consistent_yum_tree(master_tree):
    root = master_tree.root
    assert (root / "TIME").read_text() == master_tree.time_value == f"{master_tree.timestamp}\n"
    assert len(master_tree.repos) == 2 * 3  # x86_64 and i386 × os, updates, extras
    for (version, repo, arch), versions in master_tree.repos.items():
        assert len(versions) == 3
        assert [v.timestamp for v in versions] == [
            master_tree.timestamp - HISTORY_STEP * k for k in range(3)
        ]
        assert len({v.sha256 for v in versions}) == 3
        on_disk = (root / master_tree.repomd_relpath(version, repo, arch)).read_bytes()
        assert on_disk == versions[0].repomd_bytes
        assert hashlib.sha512(on_disk).hexdigest() == versions[0].sha512
        assert len(on_disk) == versions[0].size
        repomd = ET.fromstring(on_disk)
        assert repomd.tag == f"{REPO_NS}repomd"
        assert repomd.findtext(f"{REPO_NS}revision") == str(versions[0].timestamp)
        kinds = {}
        for data in repomd.findall(f"{REPO_NS}data"):
            href = data.find(f"{REPO_NS}location").get("href")
            gz = (root / version / repo / arch / href).read_bytes()
            assert hashlib.sha256(gz).hexdigest() == data.findtext(f"{REPO_NS}checksum")
            assert len(gz) == int(data.findtext(f"{REPO_NS}size"))
            raw = gzip.decompress(gz)
            assert hashlib.sha256(raw).hexdigest() == data.findtext(f"{REPO_NS}open-checksum")
            assert int(data.findtext(f"{REPO_NS}timestamp")) == versions[0].timestamp
            kinds[data.get("type")] = ET.fromstring(raw).get("packages")
        # primary.xml lists the packages served under Packages/ (the checks sample them)
        assert kinds == {"primary": str(PACKAGES_PER_VERSION), "filelists": "0", "other": "0"}
    # every repository's repomd.xml is distinct, so serving the wrong one shows
    assert len({v[0].sha256 for v in master_tree.repos.values()}) == 6


def test_tree_isos(master_tree):
    assert len(master_tree.isos) == 4
    dvd = master_tree.isos[("5.0", "x86_64", "CentOS-5.0-x86_64-bin-DVD.iso")]
    assert dvd.size == 1 << 20 and dvd.relpath == DVD
    data = (master_tree.root / DVD).read_bytes()
    assert len(data) == dvd.size and hashlib.sha256(data).hexdigest() == dvd.sha256
    net = master_tree.isos[("5.0", "i386", "CentOS-5.0-i386-netinstall.iso")]
    assert net.size == 256 << 10
    sums = (master_tree.root / "5.0/isos/x86_64/sha256sum.txt").read_text()
    assert f"{dvd.sha256}  CentOS-5.0-x86_64-bin-DVD.iso\n" in sums


def test_write_tree_version(master_tree, tmp_path):
    dest = write_tree_version(tmp_path / "behind", master_tree, {"updates": 1})
    updates = newest(master_tree)
    assert (dest / REPOMD).read_bytes() == updates[1].repomd_bytes
    os_repomd = dest / master_tree.repomd_relpath("5.0", "os", "i386")
    assert os_repomd.read_bytes() == newest(master_tree, repo="os", arch="i386")[0].repomd_bytes
    assert (dest / "TIME").read_text() == f"{master_tree.timestamp - HISTORY_STEP}\n"
    assert os.stat(dest / DVD).st_ino == os.stat(master_tree.root / DVD).st_ino  # hardlinked
    with pytest.raises(ValueError):
        master_tree.behind_map(3)
    with pytest.raises(KeyError):
        master_tree.behind_map({"nosuchrepo": 1})


# --------------------------------------------------------------------------- behaviours


def test_current(mirror_farm, master_tree, client):
    m = mirror_farm["current"]
    assert m.base_url == f"http://{m.address}:{mirror_farm.port}/centos/"
    assert m.address.startswith("127.0.0.") and m.address != mirror_farm.master.address
    r = client.get(m.url(REPOMD))
    assert r.status_code == 200 and r.content == newest(master_tree)[0].repomd_bytes
    assert r.headers["content-type"] == "text/xml"
    assert r.headers["content-length"] == str(len(r.content))
    assert "last-modified" in r.headers
    r = client.get(m.url("TIME"))
    assert r.text == master_tree.time_value
    r = client.head(m.url(DVD))
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == 1 << 20
    assert client.get(m.url("5.0/nope/x86_64/repodata/repomd.xml")).status_code == 404
    assert client.get(m.url("5.0/updates/")).status_code == 404  # directories: no listing
    assert client.get(f"http://{m.address}:{m.port}/other/TIME").status_code == 404
    assert m.requests["/centos/TIME"] == 1 and m.requests.total() == 6
    assert len(m._connections) == 1  # all over one keep-alive connection


def test_master_serves_current(mirror_farm, master_tree, client):
    r = client.get(mirror_farm.master.url(REPOMD))
    assert r.content == newest(master_tree)[0].repomd_bytes
    assert mirror_farm.master.address == "127.0.0.2"


def test_behind(mirror_farm, master_tree, client):
    m = mirror_farm["behind"]
    old = newest(master_tree)[1]
    r = client.get(m.url(REPOMD))
    assert r.content == old.repomd_bytes
    for href, data in old.files.items():  # the older metadata it points to is there too
        assert client.get(m.url(f"5.0/updates/x86_64/{href}")).content == data
    assert client.get(m.url("TIME")).text == f"{master_tree.timestamp - HISTORY_STEP}\n"
    mirror_farm.set_behaviour("behind", Behaviour.BEHIND, versions_behind={"os": 2})
    assert client.get(m.url(REPOMD)).content == newest(master_tree)[0].repomd_bytes
    os_old = newest(master_tree, repo="os")[2]
    assert client.get(m.url("5.0/os/x86_64/repodata/repomd.xml")).content == os_old.repomd_bytes


def test_missing_repo(mirror_farm, client):
    m = mirror_farm["missing_repo"]
    assert client.get(m.url(REPOMD)).status_code == 404
    assert client.head(m.url(REPOMD)).status_code == 404
    assert client.get(m.url("5.0/os/i386/repodata/repomd.xml")).status_code == 200


def test_missing_iso(mirror_farm, client):
    m = mirror_farm["missing_iso"]
    assert client.head(m.url(DVD)).status_code == 404
    assert client.get(m.url(REPOMD)).status_code == 200
    assert client.get(m.url("5.0/isos/x86_64/sha256sum.txt")).status_code == 200


def test_wrong_iso_size(mirror_farm, master_tree, client):
    size = master_tree.isos[("5.0", "x86_64", "CentOS-5.0-x86_64-bin-DVD.iso")].size
    assert int(client.head(mirror_farm["current"].url(DVD)).headers["content-length"]) == size
    m = mirror_farm["wrong_iso_size"]
    r = client.head(m.url(DVD))
    assert r.status_code == 200 and int(r.headers["content-length"]) == size - 4096
    assert len(client.get(m.url(DVD)).content) == size - 4096
    mirror_farm.set_behaviour("wrong_iso_size", Behaviour.WRONG_ISO_SIZE, iso_size_delta=10)
    body = client.get(m.url(DVD)).content
    assert len(body) == size + 10 and body.endswith(b"\0" * 10)


def test_error_500(mirror_farm, client):
    m = mirror_farm["error_500"]
    for path in (REPOMD, "TIME", DVD, "nope"):
        assert client.get(m.url(path)).status_code == 500


def test_garbage(mirror_farm, client):
    m = mirror_farm["garbage"]
    r = client.get(m.url(REPOMD))
    assert r.status_code == 200 and len(r.content) == 512
    with pytest.raises(ET.ParseError):
        ET.fromstring(r.content)
    r = client.get(m.url("TIME"))
    assert r.status_code == 200
    with pytest.raises(ValueError):
        int(r.content.decode("latin-1"))


def test_hang(mirror_farm):
    m = mirror_farm["hang"]
    timeout = httpx.Timeout(2.0, read=0.5)
    with httpx.Client(timeout=timeout, trust_env=False) as c:
        start = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get(m.url(REPOMD))
        assert 0.4 < time.monotonic() - start < 1.5
    assert m.requests["/centos/" + REPOMD] == 1


def test_refused(mirror_farm, client):
    with pytest.raises(httpx.ConnectError):
        client.get(mirror_farm["refused"].url("TIME"))


def test_slow(mirror_farm, client):
    m = mirror_farm.set_behaviour("slow", Behaviour.SLOW, delay=0.3)
    start = time.monotonic()
    assert client.get(m.url("TIME")).status_code == 200
    assert time.monotonic() - start >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        client.get(m.url("TIME"), timeout=httpx.Timeout(2.0, read=0.1))


def test_bandwidth(mirror_farm, client):
    m = mirror_farm.set_behaviour("current", Behaviour.CURRENT, bandwidth=1 << 20)
    start = time.monotonic()
    r = client.get(m.url("5.0/isos/i386/CentOS-5.0-i386-netinstall.iso"))
    assert len(r.content) == 256 << 10
    assert 0.2 < time.monotonic() - start < 1.5


def test_set_behaviour_down_and_back(mirror_farm, master_tree, client):
    m = mirror_farm["current"]
    assert client.get(m.url("TIME")).status_code == 200
    mirror_farm.set_behaviour("current", Behaviour.REFUSED)
    with pytest.raises(httpx.ConnectError):
        client.get(m.url("TIME"))
    mirror_farm.set_behaviour("current", Behaviour.ERROR_500)
    assert client.get(m.url("TIME")).status_code == 500
    mirror_farm.set_behaviour("current", Behaviour.CURRENT)
    assert client.get(m.url("TIME")).text == master_tree.time_value
    # a hung mirror that comes back resets the hung connections and answers new ones
    h = mirror_farm["hang"]
    with socket.create_connection((h.address, h.port), timeout=2) as sock:
        sock.sendall(b"GET /centos/TIME HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.05)
        mirror_farm.set_behaviour("hang", Behaviour.CURRENT)
        assert _recv_all(sock) == b""
    assert client.get(h.url("TIME")).status_code == 200


def test_range(mirror_farm, master_tree, client):
    m = mirror_farm["current"]
    data = (master_tree.root / DVD).read_bytes()
    r = client.get(m.url(DVD), headers={"Range": "bytes=1000-1999"})
    assert r.status_code == 206 and r.content == data[1000:2000]
    assert r.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    r = client.get(m.url(DVD), headers={"Range": "bytes=-100"})
    assert r.status_code == 206 and r.content == data[-100:]
    r = client.get(m.url(DVD), headers={"Range": f"bytes={len(data) - 10}-"})
    assert r.content == data[-10:]
    r = client.get(m.url(DVD), headers={"Range": f"bytes={len(data)}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(data)}"
    assert client.get(m.url(DVD), headers={"Range": "bytes=0-1,5-6"}).status_code == 200


def test_pipelining_and_connection_close(mirror_farm, master_tree):
    m = mirror_farm["current"]
    req = b"GET /centos/TIME HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"HEAD /centos/TIME HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection((m.address, m.port), timeout=2) as sock:
        sock.sendall(req + req + last)
        answer = _recv_all(sock)
    assert answer.count(b"HTTP/1.1 200 OK") == 3
    assert answer.count(master_tree.time_value.encode()) == 2
    assert b"Connection: close" in answer


def test_tree_dir(master_tree, tmp_path, client):
    (tmp_path / "repo" / "Packages").mkdir(parents=True)
    (tmp_path / "repo" / "Packages" / "a.rpm").write_bytes(b"rpm")
    with MirrorFarm(tmp_path / "repo", prefix="/pub") as farm:
        m = farm.add_mirror("disk", tree_dir=master_tree.root)
        r = client.get(farm.master.url("Packages/a.rpm"))
        assert r.content == b"rpm" and r.headers["content-type"] == "application/x-rpm"
        assert farm.master.base_url.endswith("/pub/")
        assert client.get(farm.master.url("../etc/passwd")).status_code == 404
        assert client.get(m.url(REPOMD)).content == newest(master_tree)[0].repomd_bytes


def test_stop_closes_everything_quickly(master_tree):
    farm = MirrorFarm(master_tree)
    hang = farm.add_mirror("hang", Behaviour.HANG)
    slow = farm.add_mirror("slow", Behaviour.SLOW, delay=30)
    farm.start()
    socks = []
    for m in (hang, slow):
        s = socket.create_connection((m.address, m.port), timeout=2)
        s.sendall(b"GET /centos/TIME HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    time.sleep(0.05)
    start = time.monotonic()
    farm.stop()
    assert time.monotonic() - start < 2
    for s in socks:
        assert _recv_all(s) == b""
        s.close()
    with pytest.raises(OSError):
        socket.create_connection((farm.master.address, farm.port), timeout=1).close()


def test_serve_many_cli(tmp_path):
    port = _pick_port("127.3.0.1", random.Random())
    manifest = tmp_path / "mirrors.csv"
    cmd = [
        sys.executable,
        "-m",
        "apps.core.testing.mirrorfarm",
        "--serve-many",
        "40",
        "--hang-percent",
        "10",
        "--mix",
        "refused=5",
        "--port",
        str(port),
        "--base",
        "127.3.0.1",
        "--manifest",
        str(manifest),
        "--max-seconds",
        "30",
    ]
    with subprocess.Popen(cmd, cwd=MAIN, stdout=subprocess.PIPE, text=True) as proc:
        _check_serve_many(proc, manifest)


def _check_serve_many(proc: subprocess.Popen, manifest: Path) -> None:
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY 40 mirrors"), line
        rows = [r.split(",") for r in manifest.read_text().splitlines()[1:]]
        kinds = [r[2] for r in rows]
        assert len(rows) == 41 and kinds.count("hang") == 4 and kinds.count("refused") == 2
        timeout = httpx.Timeout(2.0, read=0.3)
        with httpx.Client(timeout=timeout, trust_env=False) as c:
            expected = c.get(rows[0][3] + "TIME").text
            for _name, _addr, kind, url in rows[1:]:
                if kind == "current":
                    assert c.get(url + "TIME").text == expected
            hang_url = next(r[3] for r in rows if r[2] == "hang")
            with pytest.raises(httpx.ReadTimeout):
                c.get(hang_url + "TIME")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0


def _recv_all(sock: socket.socket) -> bytes:
    """Read until the server closes (b"" if it closed, or reset, without answering)."""
    sock.settimeout(2)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)
