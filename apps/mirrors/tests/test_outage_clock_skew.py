"""A mirror's timestamp file from a clock that runs ahead (a year in the future): it must not
win the comparison between the mirror's URLs, which made the honest URL look "behind"
(out of the lists) and had the content checked through the skewed one. Real farm mirrors
serve both trees; the sweep is the real one."""

import shutil
import time

import pytest

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.mirrors.choices import ContentState
from apps.mirrors.models import MirrorRepositoryState, MirrorURLState
from apps.mirrors.services import sweep_run

from .factories import MirrorFactory, MirrorURLFactory, master_mirror_create

YEAR = 365 * 86400


@pytest.fixture
def skewed_farm(master_tree, tmp_path, settings, db):
    skewed = tmp_path / "skewed"
    shutil.copytree(master_tree.root, skewed)
    (skewed / "TIME").write_text(f"{int(time.time()) + YEAR}\n")  # its clock runs ahead
    farm = MirrorFarm(master_tree, https=False)
    farm.add_mirror("honest", Behaviour.CURRENT)
    farm.add_mirror("skewed", Behaviour.CURRENT, tree_dir=skewed)
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 1.0
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    with farm:
        master_mirror_create(farm.master.base_url)
        yield farm


def test_a_timestamp_from_the_future_is_not_believed(skewed_farm, master_catalogue):
    mirror = MirrorFactory(name="two-urls.farm.test", status="unknown")
    honest = MirrorURLFactory(mirror=mirror, url=skewed_farm["honest"].base_url)
    skewed = MirrorURLFactory(mirror=mirror, url=skewed_farm["skewed"].base_url)
    sweep_run(mirror_ids=[mirror.pk])
    states = {s.mirror_url_id: s for s in MirrorURLState.objects.filter(mirror_url__mirror=mirror)}
    assert states[honest.pk].behind is False  # the skewed clock does not push it out
    assert states[honest.pk].timestamp <= time.time()
    assert states[skewed.pk].timestamp is None  # not believed
    assert "in the future" in states[skewed.pk].detail
    content = MirrorRepositoryState.objects.filter(mirror=mirror)
    assert set(content.values_list("state", flat=True)) == {ContentState.CURRENT}
