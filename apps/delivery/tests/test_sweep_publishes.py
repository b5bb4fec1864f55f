"""A sweep run in the foreground (`manage.py sweepmirrors`, where no worker may run)
publishes the snapshot itself, so the lists change when the command ends; a sweep whose
result nobody publishes says so."""

import io
import re

import pytest
from django.core.management import call_command

from apps.delivery import receivers
from apps.delivery.models import Snapshot
from apps.delivery.store import SnapshotStore
from apps.mirrors.signals import sweep_finished

from .fixtures import call, new_front


@pytest.mark.django_db(transaction=True)
def test_the_sweepmirrors_command_publishes_what_it_found(farm_mirrors):
    assert not Snapshot.objects.exists()
    out = io.StringIO()
    call_command("sweepmirrors", stdout=out)
    snapshot = Snapshot.objects.newest().first()
    assert snapshot is not None
    published = re.search(r"^Clients' lists: published snapshot (\d+)\b", out.getvalue(), re.M)
    assert published and int(published[1]) == snapshot.version
    store = SnapshotStore(poll_seconds=0)
    store.poll_once()
    answer = call(new_front(store), "/mirrorlist", "release=5.0&arch=x86_64&repo=os&cc=GB")
    lines = answer.text.splitlines()

    def base(name: str) -> str:
        return farm_mirrors[name].urls.get().url + "5.0/os/x86_64/"

    # What the sweep found: current mirrors listed, the refused one not, and the one a
    # version behind (the master replaced it within the grace window) after every current
    # one; without the mirrorlist's grace, not at all.
    assert base("current") in lines and base("refused") not in lines
    current = [i for i, line in enumerate(lines) if line == base("current")]
    assert lines.index(base("behind")) > max(current)
    strict = call(new_front(store, mirrorlist_grace=False), "/mirrorlist",
                  "release=5.0&arch=x86_64&repo=os&cc=GB")  # fmt: skip
    assert base("current") in strict.text.splitlines()
    assert base("behind") not in strict.text.splitlines()


@pytest.mark.django_db(transaction=True)
def test_a_sweep_nobody_publishes_says_a_worker_must(farm_mirrors):
    sweep_finished.disconnect(receivers.rebuild_after_sweep)
    try:
        out = io.StringIO()
        call_command("sweepmirrors", stdout=out)
    finally:
        sweep_finished.connect(receivers.rebuild_after_sweep)
    assert "No snapshot was published by this command" in out.getvalue()
    assert not Snapshot.objects.exists()
