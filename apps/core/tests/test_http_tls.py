"""The client over TLS and host names against the farm: a throwaway CA (trustme), its
host names answered by a resolver hook (no DNS traffic)."""

import asyncio

import pytest

from apps.core.http import FetchError, SafeClient, TargetPolicy
from apps.core.testing.mirrorfarm import Behaviour

LOOPBACK = TargetPolicy.from_networks(["127.0.0.0/8"])


def client_for(farm, **kwargs) -> SafeClient:
    values = {"policy": LOOPBACK, "resolver": farm.resolve, "ca_file": farm.ca_file, "timeout": 3}
    values.update(kwargs)
    return SafeClient(**values)


def fetch(client, *urls, method="GET"):
    async def run():
        async with client.session() as session:
            return [await client.fetch(session, url, method=method) for url in urls]

    return asyncio.run(run())


def test_https_by_name_with_the_farm_ca(mirror_farm):
    current = mirror_farm["current"]
    time_file, repomd = fetch(
        client_for(mirror_farm),
        current.https_url + "TIME",
        current.https_url + "5.0/os/x86_64/repodata/repomd.xml",
    )
    assert time_file.ok and time_file.body == mirror_farm.tree.time_value.encode()
    assert repomd.ok and repomd.body.startswith(b"<?xml")
    assert mirror_farm.sni == [current.host]  # SNI sent, one handshake: the connection reused
    assert current.requests["/centos/TIME"] == 1


def test_a_head_gives_the_last_modified(mirror_farm):
    current = mirror_farm["current"]
    (head,) = fetch(client_for(mirror_farm), current.https_url + "TIME", method="HEAD")
    served = mirror_farm.tree.view()["TIME"].last_modified  # "Sun, 06 Nov 1994 08:49:37 GMT"
    assert head.ok and head.body is None and head.last_modified == served


def test_an_unknown_ca_is_a_tls_error(mirror_farm):
    (result,) = fetch(client_for(mirror_farm, ca_file=None), mirror_farm["current"].https_url)
    assert result.error == FetchError.TLS, result.detail
    assert "certificate" in result.detail.lower()


def test_a_host_name_the_certificate_does_not_name_is_a_tls_error(mirror_farm):
    host = mirror_farm.alias("mirror.example.org", "current")
    url = f"https://{host}:{mirror_farm.https_port}/centos/TIME"
    (result,) = fetch(client_for(mirror_farm), url)
    assert result.error == FetchError.TLS, result.detail
    assert mirror_farm.sni == ["mirror.example.org"]
    # an address is no name either: the certificate names *.farm.test only
    address = mirror_farm["current"].address
    (by_address,) = fetch(client_for(mirror_farm), f"https://{address}:{mirror_farm.https_port}/")
    assert by_address.error == FetchError.TLS


def test_idn_host_names_are_sent_in_punycode(mirror_farm):
    host = mirror_farm.alias("bücher.farm.test", "current")
    assert host == "xn--bcher-kva.farm.test"
    for scheme, port in (("https", mirror_farm.https_port), ("http", mirror_farm.port)):
        (result,) = fetch(
            client_for(mirror_farm), f"{scheme}://Bücher.farm.test:{port}/centos/TIME"
        )
        assert result.ok, result.detail
    assert mirror_farm.sni == [host]


def test_names_are_checked_like_addresses(mirror_farm):
    """A name that resolves to a private address is refused; the farm's names resolve to
    127.x, which only the allowed networks let through."""
    current = mirror_farm["current"]
    (refused,) = fetch(client_for(mirror_farm, policy=TargetPolicy()), current.https_url)
    assert refused.error == FetchError.FORBIDDEN_TARGET
    (unknown,) = fetch(client_for(mirror_farm), "https://nowhere.farm.test/")
    assert unknown.error == FetchError.DNS
    assert mirror_farm.sni == []


def test_a_hung_https_mirror_times_out(mirror_farm):
    mirror_farm.set_behaviour("current", Behaviour.HANG)
    client = client_for(mirror_farm, timeout=0.5, connect_timeout=0.5)
    (result,) = fetch(client, mirror_farm["current"].https_url + "TIME")
    assert result.error == FetchError.TIMEOUT


@pytest.mark.parametrize("behaviour", [Behaviour.REFUSED, Behaviour.ERROR_500])
def test_error_classes_over_https(mirror_farm, behaviour):
    mirror_farm.set_behaviour("current", behaviour)
    (result,) = fetch(client_for(mirror_farm), mirror_farm["current"].https_url + "TIME")
    expected = {Behaviour.REFUSED: FetchError.REFUSED, Behaviour.ERROR_500: FetchError.HTTP_STATUS}
    assert result.error == expected[behaviour], result.detail
