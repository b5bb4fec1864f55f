"""REQUIRE_SERVICES, read one way everywhere: a missing service skips a test on a laptop and
fails it in CI (REQUIRE_SERVICES=1)."""

import pytest

from apps.core.testing.services import program_path, service_missing, services_required


@pytest.mark.parametrize(
    ("value", "required"),
    [(None, False), ("", False), ("0", False), ("false", False), ("1", True), ("yes", True)],
)
def test_the_variable_has_one_meaning(monkeypatch, value, required):
    if value is None:
        monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    else:
        monkeypatch.setenv("REQUIRE_SERVICES", value)
    assert services_required() is required


def test_a_missing_program_skips_on_a_laptop_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-program-x is not installed"):
        program_path("no-such-program-x")
    monkeypatch.setenv("REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_SERVICES is set"):
        program_path("no-such-program-x")
    with pytest.raises(pytest.fail.Exception, match="snmpd is not installed"):
        service_missing("snmpd is not installed")
