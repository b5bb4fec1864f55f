"""importmirrors on the real python-apt list, and on broken files."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.mirrors.models import Mirror, MirrorURL

from .factories import MirrorFactory, MirrorURLFactory

DATA = Path(__file__).parent / "data"
UBUNTU = DATA / "Ubuntu.mirrors"  # from Debian's python-apt-common 2.6.0


@pytest.fixture
def broken(tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "broken.mirrors"
        path.write_text(text)
        return path

    return write


def test_imports_the_real_ubuntu_list(db, capsys):
    call_command("importmirrors", str(UBUNTU))
    # 573 URLs on 564 hosts (a host with http and https is one mirror) in 83 countries; 3
    # hosts listed by ftp only are left out (a mirror needs an HTTP or HTTPS URL).
    assert Mirror.objects.count() == 561
    assert MirrorURL.objects.count() == 570
    assert Mirror.objects.values("country").distinct().count() == 83
    out = capsys.readouterr().out
    assert "561 mirrors created" in out and "3 hosts left out." in out
    assert "ftp.fu-berlin.de is listed with ftp only; a mirror needs an HTTP or HTTPS URL" in out
    assert not Mirror.objects.filter(name="ftp.fu-berlin.de").exists()
    aarnet = Mirror.objects.get(name="mirror.aarnet.edu.au")
    assert aarnet.country.code == "AU"
    assert aarnet.continent == "OC"
    assert aarnet.approval == "approved"
    assert list(aarnet.urls.values_list("url", flat=True)) == [
        "http://mirror.aarnet.edu.au/pub/ubuntu/archive/"
    ]
    # One host with two trees (ubuntu and ubuntu-ports) is one mirror with two URLs.
    tuna = Mirror.objects.get(name="mirrors.tuna.tsinghua.edu.cn")
    assert sorted(tuna.urls.values_list("url", flat=True)) == [
        "https://mirrors.tuna.tsinghua.edu.cn/ubuntu-ports/",
        "https://mirrors.tuna.tsinghua.edu.cn/ubuntu/",
    ]


def test_importing_twice_adds_nothing(db, capsys):
    call_command("importmirrors", str(UBUNTU), "--pending")
    call_command("importmirrors", str(UBUNTU))
    assert Mirror.objects.count() == 561
    assert MirrorURL.objects.count() == 570
    assert "0 mirrors created, 561 updated, 0 URLs added" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://mirror.example.org/ubuntu/\n", "line 1: a URL before any #LOC:CC line"),
        ("#LOC:XX\nhttp://mirror.example.org/ubuntu/\n", "line 1: unknown country code 'XX'"),
        ("#LOC:DE\nhttp://a.example.org/\n\ngopher://b.example.org/\n", "line 4: expected a URL"),
        (
            "#LOC:DE\nhttp://a.example.org/\nhttp://a.example.org/\n",
            "line 3: this URL is listed twice",
        ),
        ("#LOC:DE\nhttp:///nohost/\n", "line 2: the URL has no valid host name"),
        ("#LOC:FR\nhttp://a.example.org/ trailing words\n", "line 2: a URL cannot contain spaces"),
        ("# only comments\n", "no mirror found"),
    ],
)
def test_a_broken_file_names_the_line_and_imports_nothing(db, broken, text, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("importmirrors", str(broken(text)))
    assert message in str(excinfo.value)
    assert "Nothing was imported" in str(excinfo.value)
    assert Mirror.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#LOC:DE\nhttp://a.example.org/\nhttp://b.exa\x00mple.org/\n", "line 3: "),
        ("#LOC:DE\nhttp://a.example.org/\x00/\n", "line 2: "),
        ("#LOC:DE\n# a comment with a \x00\nhttp://a.example.org/\n", "line 2: "),
        ("#LOC:DE\nhttp://a.example.org/\x0bhttp://b.example.org/\n", "line 2: "),
        ("#LOC:DE\nhttp://" + "a" * 600 + ".example.org/\n", "line 2: "),
        ("#LOC:DE\nhttp://" + "a" * 600 + "/\n", "line 2: "),
        ("#LOC:DE\nhttp://a.example.org/\nhttp://mirrors.us.kernel./", "line 3: "),
        ("#LOC:DE\nhttp://a.example.org/\nhttp://mirrors.us.kernel.org/ubu", "line 3: "),
        ("#LOC:DE\nhttp://a.example.org/\nhttp://mirrors.us.kernel./\n", "line 3: "),
        ("#LOC:DE\nhttp://user:pw@a.example.org/\n", "line 2: "),
        ("#LOC:DE\nhttp://a.example.org/?q=1\n", "line 2: "),
        ("#LOC:DE\nhttp://a.example.org:99999/\n", "line 2: "),
        ("#LOC:DE\nhttp://under_score.example.org/\n", "line 2: "),
    ],
)
def test_hostile_lines_name_the_line_and_import_nothing(db, broken, text, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("importmirrors", str(broken(text)))
    assert str(excinfo.value).startswith(str(broken(text)) + ": " + message)
    assert "Nothing was imported" in str(excinfo.value)
    assert Mirror.objects.count() == 0
    assert MirrorURL.objects.count() == 0


def test_a_truncated_last_line_is_named_as_such(db, broken):
    with pytest.raises(CommandError, match=r"line 2: the last line has no newline"):
        call_command("importmirrors", str(broken("#LOC:US\nhttp://mirrors.us.kernel.org/ubuntu/")))
    assert Mirror.objects.count() == 0


def test_host_names_are_stored_in_their_normal_form(db, broken):
    call_command("importmirrors", str(broken("#LOC:DE\nhttp://Bücher.Example/ubuntu\n# last\n")))
    mirror = Mirror.objects.get()
    assert mirror.name == "xn--bcher-kva.example"
    assert list(mirror.urls.values_list("url", flat=True)) == [
        "http://xn--bcher-kva.example/ubuntu/"
    ]


def test_a_late_error_rolls_back_what_was_written(db, broken):
    """The conflict is found while writing: the mirrors before it must be undone."""
    MirrorURLFactory(
        mirror=MirrorFactory(name="old-name.example.org"), url="http://taken.example.org/x/"
    )
    lines = ["#LOC:DE"] + [f"http://m{n}.example.org/ubuntu/" for n in range(50)]
    lines += ["#LOC:FR", "http://taken.example.org/x/"]
    with pytest.raises(CommandError, match=r"line 53: http://taken.example.org/x/ already belongs"):
        call_command("importmirrors", str(broken("\n".join(lines) + "\n")))
    assert list(Mirror.objects.values_list("name", flat=True)) == ["old-name.example.org"]


def test_a_host_with_ftp_and_rsync_only_is_left_out_as_the_form_would(db, broken, capsys):
    text = (
        "#LOC:DE\nhttp://web.example.org/ubuntu/\nftp://old.example.org/ubuntu/\n"
        "rsync://old.example.org/ubuntu/\n"
    )
    call_command("importmirrors", str(broken(text)))
    out = capsys.readouterr().out
    assert "line 3: old.example.org is listed with ftp and rsync only" in out
    assert list(Mirror.objects.values_list("name", flat=True)) == ["web.example.org"]
    # A known mirror that has an HTTP URL may gain an ftp one from a list.
    MirrorURLFactory(mirror=MirrorFactory(name="known.example.org"),
                     url="http://known.example.org/ubuntu/")  # fmt: skip
    call_command("importmirrors", str(broken("#LOC:DE\nftp://known.example.org/ubuntu/\n")))
    assert MirrorURL.objects.filter(url="ftp://known.example.org/ubuntu/").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"#LOC:DE\nhttp://a.example.org/\nhttp://b\xe9.example.org/\n",
         "line 3: byte 39 (column 9) is not UTF-8 text (invalid continuation byte)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
         "line 1: byte 1 (column 1) is not UTF-8 text (invalid start byte)"),
    ],
)  # fmt: skip
def test_a_binary_or_latin1_file_names_the_line_and_byte(db, tmp_path, data, message):
    MirrorFactory(name="before.example.org")
    path = tmp_path / "binary.mirrors"
    path.write_bytes(data)
    with pytest.raises(CommandError) as excinfo:
        call_command("importmirrors", str(path))
    assert str(excinfo.value) == f"{path}: {message}. Nothing was imported."
    assert list(Mirror.objects.values_list("name", flat=True)) == ["before.example.org"]


def test_a_missing_file(db):
    with pytest.raises(CommandError, match="no such file"):
        call_command("importmirrors", "/nonexistent/list.mirrors")
