"""The portal's one rule for the client's address behind reverse proxies."""

import pytest

from apps.core.client_ip import TrustedProxies, client_address

TRUSTED = TrustedProxies(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # untrusted peer: header ignored
        ("10.1.2.3", "198.51.100.1", "198.51.100.1"),
        ("10.1.2.3", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # rightmost untrusted hop
        ("10.1.2.3", "198.51.100.1, 192.0.2.7, 10.9.9.9", "198.51.100.1"),  # trusted skipped
        ("10.1.2.3", "10.4.4.4", "10.1.2.3"),  # only proxies: the peer
        ("10.1.2.3", "", "10.1.2.3"),
        ("10.1.2.3", None, "10.1.2.3"),
        ("10.1.2.3", "not-an-ip", "10.1.2.3"),
        ("10.1.2.3", " , ,2001:db9::1 ", "2001:db9::1"),
        ("2001:db8::5", "198.51.100.1", "198.51.100.1"),
        ("", "198.51.100.1", ""),
        (None, None, ""),
    ],
)
def test_client_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, TRUSTED) == expected


def test_without_trusted_proxies_the_header_is_never_read():
    assert client_address("10.1.2.3", "198.51.100.1", TrustedProxies()) == "10.1.2.3"
    assert client_address("10.1.2.3", "198.51.100.1", ()) == "10.1.2.3"
