"""A candidate's images are read from the master as a release's are: its folder's checksum
file names them and their SHA-256, a HEAD gives their size. The master here is a real HTTP
server on 127.0.0.1 serving a directory."""

import functools
import hashlib
import http.server
import threading

import pytest

from apps.core.testing.fixtures import tasks_eager
from apps.mirrors.services.candidates import candidate_images_read
from apps.mirrors.tests.factories import master_mirror_create
from apps.releases.models import CandidateImage, ReleaseCandidate


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def master(tmp_path):
    """RC1 of 5.1: a DVD and a netinstall for x86_64 with SHA256SUMS; nothing for i386."""
    folder = tmp_path / "5.1" / "RC1" / "isos" / "x86_64"
    folder.mkdir(parents=True)
    sums = []
    for name, size in (
        ("CentOS-5.1-x86_64-bin-DVD.iso", 3000),
        ("CentOS-5.1-x86_64-netinstall.iso", 700),
    ):
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        (folder / name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
    (folder / "SHA256SUMS").write_text("\n".join(sums + ["0" * 64 + "  README.txt"]) + "\n")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    master_mirror_create(f"http://127.0.0.1:{server.server_port}/")
    yield tmp_path
    server.shutdown()
    server.server_close()


def test_a_new_candidate_gets_its_images_from_the_masters_checksum_file(
    api, planned, master, django_capture_on_commit_callbacks
):
    with tasks_eager(), django_capture_on_commit_callbacks(execute=True):
        status, body = api.post("candidates/", "releng", {"release": "5.1"})
    assert status == 201
    images = api.get(f"candidates/{body['id']}/")[1]["images"]
    dvd = master / "5.1/RC1/isos/x86_64/CentOS-5.1-x86_64-bin-DVD.iso"
    assert [(i["architecture"], i["name"], i["size"]) for i in images] == [
        ("x86_64", "CentOS-5.1-x86_64-bin-DVD.iso", 3000),
        ("x86_64", "CentOS-5.1-x86_64-netinstall.iso", 700),
    ]  # README.txt is no image
    assert images[0]["sha256"] == hashlib.sha256(dvd.read_bytes()).hexdigest()


def test_a_folder_without_a_checksum_file_is_a_problem_named(api, planned, master):
    candidate = ReleaseCandidate.objects.create(release=planned, number=1)
    problems = candidate_images_read(candidate_id=candidate.pk)
    assert len(problems) == 2  # i386 and ppc have no folder
    assert all("no sha256sum.txt, SHA256SUMS, CHECKSUM" in p for p in problems)
    assert CandidateImage.objects.filter(candidate=candidate).count() == 2
