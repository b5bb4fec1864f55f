"""Who did it, everywhere: every service that takes `by=` runs inside apps.core.audit's
`records_by`, so the person it is given lands in the audit log."""

import importlib
import inspect
import pkgutil

import apps


def _service_modules():
    for info in pkgutil.walk_packages(apps.__path__, "apps."):
        parts = info.name.split(".")
        wanted = "services" in parts or parts[-1] == "tokens"
        if wanted and "tests" not in parts and "migrations" not in parts:
            yield importlib.import_module(info.name)


def test_every_service_taking_by_records_it():
    missing, seen = [], 0
    for module in _service_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            takes_by = "by" in inspect.signature(function).parameters
            if not takes_by or name in ("require_team", "who"):
                continue
            seen += 1
            if not getattr(function, "records_by", False):
                missing.append(f"{module.__name__}.{name}")
    assert seen > 40
    assert missing == []
