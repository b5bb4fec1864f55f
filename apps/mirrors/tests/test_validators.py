"""The one check of mirror URLs (apps/mirrors/validators.py) and of host names
(apps/core/hostnames.py)."""

import pytest
from django.core.exceptions import ValidationError

from apps.core.hostnames import HostError, host_normalise
from apps.mirrors.validators import mirror_url_validate


@pytest.mark.parametrize(
    ("url", "protocol", "expected"),
    [
        ("http://mirror.example.org/centos/", "http", "http://mirror.example.org/centos/"),
        ("HTTP://Mirror.Example.ORG/CentOS", None, "http://mirror.example.org/CentOS/"),
        ("https://mirror.example.org", "https", "https://mirror.example.org/"),
        ("ftp://ftp.example.org:2121/pub/centos/", "ftp", "ftp://ftp.example.org:2121/pub/centos/"),
        ("rsync://mirror.example.org/centos/", "rsync", "rsync://mirror.example.org/centos/"),
        ("http://127.0.0.1:8080/centos/", None, "http://127.0.0.1:8080/centos/"),
        ("http://[2001:DB8::1]:80/centos/", None, "http://[2001:db8::1]:80/centos/"),
        ("http://bücher.example/centos/", None, "http://xn--bcher-kva.example/centos/"),
        ("http://mirror.example.org/a%20b/~x/", None, "http://mirror.example.org/a%20b/~x/"),
        ("http://" + "a" * 63 + ".example.org/", None, "http://" + "a" * 63 + ".example.org/"),
    ],
)
def test_good_urls_come_back_normalised(url, protocol, expected):
    assert mirror_url_validate(url, protocol) == expected


@pytest.mark.parametrize(
    ("url", "protocol", "message"),
    [
        ("http://m.example.org/\r\nhttp://attacker.test/evil/", None, "line breaks"),
        ("\r\nhttp://attacker.test/evil/", None, "line breaks"),
        ("http://m.example.org/cen tos/", None, "spaces"),
        ("http://m.example.org/\x00/", None, "control characters"),
        ("http://m.example.org/\x85/", None, "control characters"),
        ("http://m.example.org/\u2028/", None, "control characters"),
        ("mirror.example.org/centos/", None, "must start with one of"),
        ("gopher://m.example.org/", None, "not a mirror protocol"),
        ("https://m.example.org/", "http", "must start with http://"),
        ("http://user:pw@m.example.org/", None, "user name or password"),
        ("http://m.example.org/centos/?x=1", None, "query"),
        ("http://m.example.org/centos/#top", None, "fragment"),
        ("http:///centos/", None, "no host name"),
        ("http://m.example.org:0/", None, "port must be a number from 1 to 65535"),
        ("http://m.example.org:65536/", None, "port must be a number from 1 to 65535"),
        ("http://m.example.org:+80/", None, "port must be"),
        ("http://m.example.org:/", None, "port must be"),
        ("http://2001:db8::1/", None, "in brackets"),
        ("http://[192.0.2.1]/", None, "not a valid IPv6"),
        ("http://mirrors.us.kernel./", None, "empty part"),
        ("http://a..example.org/", None, "empty part"),
        ("http://" + "a" * 64 + ".example.org/", None, "64 characters long; at most 63"),
        ("http://" + ("a" * 60 + ".") * 10 + "org/", None, "at most 253"),
        ("http://-bad.example.org/", None, "cannot start or end with a hyphen"),
        ("http://under_score.example.org/", None, "only contain letters"),
        ("http://localhost/centos/", None, "full host name"),
        ("http://1.2.3/", None, "neither a valid IP address"),
        ("http://m.example.org/a<b>/", None, "as %XX"),
        ("http://m.example.org/a\\b/", None, "as %XX"),
        ("http://m.example.org/" + "a" * 500, None, "at most 500"),
    ],
)
def test_bad_urls_are_refused_with_a_sentence(url, protocol, message):
    with pytest.raises(ValidationError) as excinfo:
        mirror_url_validate(url, protocol)
    assert message in " ".join(excinfo.value.messages)


def test_host_normalise_knows_no_domain():
    assert host_normalise("Example.COM") == "example.com"
    assert host_normalise("localhost") == "localhost"
    assert host_normalise("::FFFF:192.0.2.1") == "::ffff:c000:201"
    with pytest.raises(HostError):
        host_normalise("192.0.2.1", allow_ip=False)
    with pytest.raises(HostError, match="600 characters long"):
        host_normalise("a" * 600)
    with pytest.raises(HostError):
        host_normalise("xn--zz.example")


@pytest.mark.django_db
def test_the_api_serializer_uses_the_same_check():
    from apps.mirrors.api.serializers import MirrorURLSerializer

    bad = MirrorURLSerializer(
        data={"protocol": "http", "url": "http://m.example.org/\r\nhttp://attacker.test/evil/"}
    )
    assert not bad.is_valid()
    assert "control characters" in str(bad.errors["url"])
    wrong = MirrorURLSerializer(data={"protocol": "https", "url": "http://m.example.org/"})
    assert not wrong.is_valid()
    assert "https://" in str(wrong.errors["url"])
    good = MirrorURLSerializer(data={"protocol": "http", "url": "http://M.example.org/centos"})
    assert good.is_valid(), good.errors
    assert good.validated_data["url"] == "http://m.example.org/centos/"


@pytest.mark.django_db
def test_the_model_clean_uses_the_same_check():
    from apps.mirrors.models import MirrorURL

    from .factories import MirrorFactory

    url = MirrorURL(mirror=MirrorFactory(), protocol="http", url="http://m.example.org/a\x00/")
    with pytest.raises(ValidationError) as excinfo:
        url.full_clean()
    assert "url" in excinfo.value.message_dict
    url.url = "HTTP://M.Example.org/centos"
    url.full_clean()
    assert url.url == "http://m.example.org/centos/"
