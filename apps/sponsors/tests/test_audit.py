"""Who did it: a sponsor saved through its service with `by=` names that person in the
audit log; saved with no one named, the system."""

import pytest
from auditlog.models import LogEntry

from apps.sponsors.services import sponsor_save

from .factories import SponsorFactory

pytestmark = pytest.mark.django_db


def test_a_service_called_with_by_records_the_person(django_user_model):
    editor = django_user_model.objects.create_user("editor-eve", "eve@example.org", "pw")
    sponsor = SponsorFactory(name="Old name")
    sponsor.name = "New name"
    sponsor_save(sponsor=sponsor, by=editor, changed=["name"])
    entry = LogEntry.objects.get_for_object(sponsor).latest("timestamp")
    assert entry.actor == editor
    assert entry.changes_dict["name"] == ["Old name", "New name"]


def test_a_service_called_by_nobody_records_the_system():
    sponsor = SponsorFactory(name="Quiet")
    sponsor.name = "Still quiet"
    sponsor_save(sponsor=sponsor, by=None, changed=["name"])
    entry = LogEntry.objects.get_for_object(sponsor).latest("timestamp")
    assert entry.actor is None
