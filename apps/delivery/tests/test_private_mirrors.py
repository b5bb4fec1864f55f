"""A private mirror serves only the clients in its own netblocks or ASN, and is never named
in a public answer: an outsider who names an address inside the netblock (ip=) gets that
address's country, not its netblock, whether through the front (with debug=1 or X-Debug)
or the API; the client really inside sees the mirror's URL but not its name."""

import pytest
from django.contrib.auth import get_user_model

from apps.core.tokens import token_issue
from apps.delivery import runtime

from .fixtures import call, new_front

CAMPUS = "198.51.100.7"  # inside campus.example.org's netblock (GB, private)
OUTSIDER = "203.0.113.9"
LIST = "release=5&arch=x86_64&repo=os"


@pytest.mark.parametrize(
    "query, headers",
    [(f"{LIST}&ip={CAMPUS}&debug=1", {}), (f"{LIST}&ip={CAMPUS}", {"X-Debug": "1"}),
     (f"{LIST}&ip={CAMPUS}&cc=GB", {})],
)  # fmt: skip
def test_an_outsider_naming_an_address_inside_the_netblock_learns_nothing(
    published, query, headers
):
    front = new_front(published[1])
    answer = call(front, "/mirrorlist", query, remote=OUTSIDER, headers=headers)
    assert answer.status == 200
    assert "campus" not in answer.text
    assert "bucket=netblock" not in answer.text
    if "cc=GB" in query:
        assert answer.text.split("/")[2] in {"gb1.example.org", "gb2.example.org"}
    if "debug" in query or headers:
        assert "# ip= sets the country only" in answer.text


def test_the_client_inside_gets_its_mirror_unnamed_in_the_debug_lines(published):
    front = new_front(published[1])
    answer = call(front, "/mirrorlist", f"{LIST}&debug=1", remote=CAMPUS)
    lines = answer.text.splitlines()
    assert "# bucket=netblock GB (private)" in lines
    assert lines[lines.index("# bucket=netblock GB (private)") + 1].startswith(
        "http://campus.example.org/"
    )
    assert "campus.example.org" not in "\n".join(line for line in lines if line[0] == "#")


def test_a_trusted_address_may_stand_in_for_the_netblock(published):
    front = new_front(published[1], ip_override_networks=["192.0.2.0/24"])
    answer = call(front, "/mirrorlist", f"{LIST}&ip={CAMPUS}&debug", remote="192.0.2.10")
    assert "# bucket=netblock GB (private)" in answer.text


@pytest.fixture
def live_snapshot(published, settings, tmp_path):
    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    settings.DELIVERY_IP_OVERRIDE_NETWORKS = []
    runtime.reset()
    runtime.store().install(bytes(published[0].blob))
    yield runtime.store().snapshot
    runtime.reset()


def api_mirrors(client, **extra) -> list[dict]:
    query = {"release": "5", "arch": "x86_64", "repo": "os", "ip": CAMPUS}
    response = client.get("/api/v1/mirrorlist/", query, REMOTE_ADDR=OUTSIDER, **extra)
    assert response.status_code == 200
    return response.json()["mirrors"]


def test_the_api_honours_ip_for_the_netblock_only_for_staff(client, live_snapshot):
    anonymous = api_mirrors(client)
    assert not any("campus" in m["url"] or m["mirror"] == "campus.example.org" for m in anonymous)
    assert {m["bucket"] for m in anonymous}.isdisjoint({"netblock", "asn"})

    volunteer = get_user_model().objects.create_user("vol", "vol@example.org", "pw-vol-123")
    _token, key = token_issue(user=volunteer, name="script")
    assert "campus" not in str(api_mirrors(client, HTTP_AUTHORIZATION=f"Token {key}"))

    staff = get_user_model().objects.create_user("staff", "st@example.org", "pw", is_staff=True)
    _token, key = token_issue(user=staff, name="debugging")
    first = api_mirrors(client, HTTP_AUTHORIZATION=f"Token {key}")[0]
    assert (first["bucket"], first["mirror"]) == ("netblock", "campus.example.org")


def test_the_api_names_no_private_mirror_to_the_client_inside(client, live_snapshot):
    response = client.get(
        "/api/v1/mirrorlist/",
        {"release": "5", "arch": "x86_64", "repo": "os"},
        REMOTE_ADDR=CAMPUS,
    )
    first = response.json()["mirrors"][0]
    assert first["bucket"] == "netblock" and first["url"].startswith("http://campus.example.org/")
    assert first["mirror"] is None
