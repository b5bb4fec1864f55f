"""schemathesis against the OpenAPI schema, inside the suite: every operation of /api/
with generated inputs (30 examples each, valid and invalid), anonymous and with a
volunteer's API token, on the demo data. No answer may be a 5xx, break the schema, use a
status code the schema does not document, or carry the wrong content type.

The operations are ordinary pytest parameters (one test id per operation), so parallel
workers (pytest-xdist) schedule them like any test; each run is a group of its own."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.slow

EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _schema():
    """The schema as the running portal serves it (pytest-django has set Django up)."""
    from portal.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = _schema()
OPERATIONS = [result.ok().label for result in schema.get_all_operations()]


@pytest.fixture(autouse=True)
def _fresh_throttles(demo):
    cache.clear()  # the throttles start from zero, on the demo data


@pytest.fixture(autouse=True)
def _the_test_keeps_its_connection():
    """Calls go to the WSGI application itself, whose request signals would close the
    test's database connection (and its transaction) after each answer; Django's own test
    client unhooks them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def volunteer_token(demo, django_user_model):
    from apps.core.tokens import token_issue

    user = django_user_model.objects.create_user("fuzz", "fuzz@example.org", "pw-fuzz-123")
    _token, key = token_issue(user=user, name="schemathesis")
    return key


def fuzz(label: str, headers: dict | None = None) -> None:
    """Generate EXAMPLES cases of one operation, valid and invalid, and check each answer."""
    operation = schema.find_operation_by_label(label)
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @SETTINGS
    @given(case=cases)
    def run(case):
        case.call_and_validate(checks=CHECKS, headers=headers)

    run()


@pytest.mark.xdist_group("fuzz-anonymous")
@pytest.mark.parametrize("label", OPERATIONS)
def test_the_api_keeps_its_schema_for_anonymous_callers(label):
    fuzz(label)


@pytest.mark.xdist_group("fuzz-volunteer")
@pytest.mark.parametrize("label", OPERATIONS)
def test_the_api_keeps_its_schema_for_a_volunteer_token(label, volunteer_token):
    fuzz(label, headers={"Authorization": f"Token {volunteer_token}"})
