"""A snapshot is read in one transaction (REPEATABLE READ on PostgreSQL): a write that
commits while it is being built is in the next snapshot, never in half of this one."""

import psycopg2
import pytest
from django.db import connection

from apps.delivery.selectors import snapshot as selectors
from apps.delivery.services import snapshot_publish
from apps.delivery.store import snapshot_from_blob

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's isolation (CI runs it)"
)


def concurrent_write(sql: str, params) -> None:
    """Commit a write from another connection, as a sweep on another worker would."""
    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432, password=db["PASSWORD"] or None,
    )  # fmt: skip
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute(sql, params)
    other.close()


@pytest.mark.django_db(transaction=True)
def test_a_write_during_the_build_waits_for_the_next_snapshot(network_mirrors, monkeypatch):
    real = selectors.master_base_urls

    def master_base_urls_after_a_concurrent_edit():
        # The mirrors and their states are read; now the admins move the master.
        concurrent_write(
            "UPDATE mirrors_mirrorurl SET url = %s WHERE url = %s",
            ["http://moved-master.example.org/centos/", "http://master.example.org/centos/"],
        )
        return real()

    monkeypatch.setattr(selectors, "master_base_urls", master_base_urls_after_a_concurrent_edit)
    first = snapshot_from_blob(bytes(snapshot_publish(reason="during").blob))
    assert first.master_url == "http://master.example.org/centos/"
    monkeypatch.setattr(selectors, "master_base_urls", real)
    second = snapshot_from_blob(bytes(snapshot_publish(reason="after").blob))
    assert second.master_url == "http://moved-master.example.org/centos/"
