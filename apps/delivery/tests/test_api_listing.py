"""`/api/v1/delivery/listing/<id>/`: the mirror page's "why not listed" for tooling, from
the snapshot the lists are drawn from, visible to whoever may see the mirror."""

import pytest
from django.contrib.auth import get_user_model

from apps.delivery import runtime
from apps.delivery.services import snapshot_publish
from apps.mirrors.choices import ContentState

from .factories import make_mirror


@pytest.fixture
def listed(built):
    good = make_mirror(built, "good.example.org", "GB")
    behind = make_mirror(built, "behind.example.org", "GB", state=ContentState.BEHIND)
    owner = get_user_model().objects.create_user("owner", "o@example.org", "pw-owner-123")
    pending = make_mirror(built, "pending.example.org", "GB", approval="pending", owner=owner)
    runtime.reset()
    runtime.store().install(bytes(snapshot_publish(reason="test").blob), write_cache=False)
    yield {"good": good, "behind": behind, "pending": pending, "owner": owner}
    runtime.reset()


def test_it_answers_listed_and_why_not(client, listed):
    good = client.get(f"/api/v1/delivery/listing/{listed['good'].pk}/").json()
    assert good["known"] and good["blocked"] == ""
    assert {r["key"]: r["listed"] for r in good["rows"]}["5.0/os/x86_64"] is True
    behind = client.get(f"/api/v1/delivery/listing/{listed['behind'].pk}/").json()
    row = next(r for r in behind["rows"] if r["key"] == "5.0/os/x86_64")
    assert row["listed"] is False and row["why"].startswith("Behind")


def test_a_pending_mirror_is_for_its_people(client, listed):
    url = f"/api/v1/delivery/listing/{listed['pending'].pk}/"
    assert client.get(url).status_code == 404
    client.force_login(listed["owner"])
    answer = client.get(url).json()
    assert answer["blocked"].startswith("Pending approval")
