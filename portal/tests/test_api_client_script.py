"""docs/api_client.py, the example client, run against a live portal: it registers a mirror
on the farm with a volunteer's API token, sees its first check and reads why it is not
listed yet (pending approval)."""

import pytest

from apps.core.tokens import token_issue
from apps.mirrors.models import Mirror
from docs import api_client


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_example_client_registers_and_reads_why_not_listed(
    live_server, mirror_farm, check_settings, master_catalogue, eager, settings, capsys,
    django_user_model, tmp_path,
):  # fmt: skip
    from apps.delivery import runtime

    settings.DELIVERY_POLL_SECONDS = 0.2
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    runtime.reset()
    user = django_user_model.objects.create_user("vol", "vol@example.org", "pw-vol-12345")
    _token, key = token_issue(user=user, name="example client")
    status = api_client.main([
        "--portal", live_server.url, "--token", key, "--name", "client.example.nz",
        "--country", "NZ", "--email", "ops@example.nz",
        "--url", mirror_farm.mirrors["current"].base_url, "--wait", "20",
    ])  # fmt: skip
    out = capsys.readouterr().out
    runtime.reset()
    mirror = Mirror.objects.get(name="client.example.nz")
    assert mirror.owner == user and mirror.approval == "pending"
    assert status == 0, out
    assert f"registered mirror {mirror.pk} (client.example.nz): pending" in out
    assert "0 failed" in out
    assert "no: Pending approval" in out
