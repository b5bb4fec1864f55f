"""The sync tree on the demo data (2 masters, 19 internal and 154 external mirrors): the page
and its JSON, a stale internal mirror and everything under it standing out, in five queries."""

import re

from django.urls import reverse

from apps.mirrors.choices import MirrorStatus
from apps.mirrors.models import Mirror, MirrorRepositoryState


def node_row(page: str, mirror_id: int) -> str:
    """The text of one mirror's row in the tree (its own line, not its subtree's)."""
    pattern = rf'<li id="m-{mirror_id}" class="([^"]*)">\s*<div class="tree-row">(.*?)</div>'
    found = re.search(pattern, page, re.S)
    assert found, mirror_id
    return found.group(1) + " | " + re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(2)))


def test_the_tree_marks_a_stale_internal_mirror_and_all_under_it(
    client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        page = client.get(reverse("mirrors:tree")).content.decode()
    assert '<strong id="tree-masters">2</strong>' in page
    assert '<strong id="tree-internal">19</strong>' in page
    assert '<strong id="tree-external">154</strong>' in page
    assert page.count('class="tree-node') == 175  # every mirror once
    assert reverse("mirrors:tree") in client.get(reverse("mirrors:list")).content.decode()

    # The busiest internal mirror goes down and another falls behind.
    hub = Mirror.objects.get(name="mirror-us1.example.org")
    Mirror.objects.filter(pk=hub.pk).update(status=MirrorStatus.DOWN)
    behind = Mirror.objects.get(name="mirror-jp1.example.org")
    MirrorRepositoryState.objects.filter(mirror=behind).update(state="behind", lag_seconds=7200)
    below_hub = Mirror.objects.filter(upstream=hub)
    below_hub_ids = set(below_hub.values_list("pk", flat=True))
    below_hub_ids |= set(Mirror.objects.filter(upstream__in=below_hub).values_list("pk", flat=True))

    with django_assert_max_num_queries(5):
        page = client.get(reverse("mirrors:tree")).content.decode()
    stale = page.split('id="stale-upstreams"')[1].split("</section>")[0]
    assert re.search(rf"mirror-us1.example.org</a> \(internal, down, current\): <strong>"
                     rf"{len(below_hub_ids)}</strong> mirrors sync under it", stale)  # fmt: skip
    assert "mirror-jp1.example.org</a> (internal, up, behind)" in stale
    assert "tree-bad" in node_row(page, hub.pk) and "down" in node_row(page, hub.pk)
    row = node_row(page, behind.pk)
    assert "tree-warn" in row and "behind" in row and "lag 2 h" in row
    for pk in below_hub_ids:
        row = node_row(page, pk)
        assert "tree-under-stale" in row
        # The nearest stale mirror above it: the hub, or an external one under it.
        assert re.search(r"under a stale upstream: \S+", row), row
    under_jp = Mirror.objects.filter(upstream=behind).first()
    assert "under a stale upstream: mirror-jp1.example.org" in node_row(page, under_jp.pk)
    healthy = Mirror.objects.get(name="mirror-uk1.example.org")
    assert "tree-ok" in node_row(page, healthy.pk)
    assert "under a stale upstream" not in node_row(page, healthy.pk)

    with django_assert_max_num_queries(5):
        tree = client.get("/api/v1/mirror-tree/").json()
    assert tree["counts"]["internal"] == 19 and tree["counts"]["external"] == 154
    internal = {n["name"]: n for root in tree["roots"] for n in root["children"]}
    assert internal["mirror-us1.example.org"]["availability"] == "down"
    assert internal["mirror-us1.example.org"]["downstream"] == len(below_hub_ids)
    assert all(c["under_stale"] for c in internal["mirror-us1.example.org"]["children"])
    assert internal["mirror-jp1.example.org"]["lag_seconds"] == 7200
