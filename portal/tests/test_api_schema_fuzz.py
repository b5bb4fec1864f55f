"""schemathesis against the OpenAPI schema, inside the suite: every operation of /api/
with generated inputs (a bounded number of examples), anonymous and with a volunteer's
API token, on the demo data. No answer may be a 5xx, break the schema, use a status code
the schema does not document, or carry the wrong content type."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
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


@pytest.fixture(autouse=True)
def _fresh_throttles(demo):
    cache.clear()  # the throttles start from zero, on the demo data


@pytest.fixture
def volunteer_token(demo, django_user_model):
    from apps.core.tokens import token_issue

    user = django_user_model.objects.create_user("fuzz", "fuzz@example.org", "pw-fuzz-123")
    _token, key = token_issue(user=user, name="schemathesis")
    return key


def _schema():
    """The schema as the running portal serves it (pytest-django has set Django up)."""
    from portal.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = _schema()
SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


# Each run is a group of its own, so parallel workers (pytest-xdist) can take one each.
@pytest.mark.xdist_group("fuzz-anonymous")
@schema.parametrize()
@SETTINGS
def test_the_api_keeps_its_schema_for_anonymous_callers(case):
    case.call_and_validate(checks=CHECKS)


@pytest.mark.xdist_group("fuzz-volunteer")
@schema.parametrize()
@SETTINGS
def test_the_api_keeps_its_schema_for_a_volunteer_token(case, volunteer_token):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Token {volunteer_token}"})
