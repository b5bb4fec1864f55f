"""`.env.example` names every variable the settings read, as the README says it does."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_variable_the_settings_read_is_in_env_example():
    modules = sorted((ROOT / "portal" / "settings").glob("*.py"))
    assert len(modules) > 5  # the settings are a package, one module per concern
    settings = "\n".join(module.read_text() for module in modules)
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings))
    assert len(read) > 100  # the pattern still finds the settings' reads
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert sorted(read - named) == []
