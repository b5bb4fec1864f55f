"""Migration 0021 splits the old `approval` (which held a person's decision and the checks'
suspension) in two: run on a database holding rows of the old shape, a suspended mirror
keeps the person's approval and gets the checks' suspension with its reason; the others
are unchanged. Run back, the old shape returns."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("mirrors", "0021_image_parts")]
AFTER = [("mirrors", "0022_approval_split")]
REASON = "Suspended automatically on 2026-12-01 10:00 UTC after 96 failed checks in a row."


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_old_rows_are_carried_over_and_back():
    old = migrate(BEFORE)
    Mirror = old.get_model("mirrors", "Mirror")
    rows = {
        approval: Mirror.objects.create(
            name=f"{approval}.example.org", country="GB", approval=approval,
            approval_reason=REASON if approval == "suspended" else f"{approval} by ops",
        ).pk
        for approval in ("pending", "approved", "rejected", "disabled", "suspended")
    }  # fmt: skip
    modified = Mirror.objects.get(pk=rows["suspended"]).modified

    new = migrate(AFTER)
    Mirror = new.get_model("mirrors", "Mirror")
    got = {
        m.pk: (m.approval, m.approval_reason, m.suspended_at, m.suspended_reason)
        for m in Mirror.objects.all()
    }
    assert got[rows["suspended"]] == ("approved", "", modified, REASON)
    for approval in ("pending", "approved", "rejected", "disabled"):
        assert got[rows[approval]] == (approval, f"{approval} by ops", None, "")
    assert isinstance(modified, dt.datetime)

    old = migrate(BEFORE)
    Mirror = old.get_model("mirrors", "Mirror")
    back = dict(Mirror.objects.values_list("pk", "approval"))
    assert back == {pk: approval for approval, pk in rows.items()}
    assert Mirror.objects.get(pk=rows["suspended"]).approval_reason == REASON
    migrate(migrate_leaf())


def migrate_leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
