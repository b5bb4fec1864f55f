"""One room per concern: no module of the project grows past 400 lines (settings, test
support and tests included; migrations are generated), every domain app keeps the rooms the
README names, and no read or page lives outside its room."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400
SCANNED = ("apps", "portal", "bench", "contrib")
# Over the limit and being split elsewhere (issue 18): each entry must still be over, so
# that it leaves this list once it is split.
PENDING: set[str] = set()  # modules still to split (none now)
DOMAIN_APPS = ("releases", "sponsors", "servers", "mirrors", "delivery", "partners")
# Every domain app: a room may be one module (models.py) or a package (models/).
ROOMS = ("models", "choices", "selectors", "services", "views", "api", "admin", "apps", "urls")
# Only where the app has such a thing: forms for people's input, filters for its lists'
# query strings, tasks for Celery.
OPTIONAL_ROOMS = ("forms", "filters", "tasks")
TEST_ROOMS = ("factories.py", "conftest.py")
# Reads and pages outside their rooms: selectors_health.py, traffic_read.py, views_health.py,
# owner_views.py, sponsor_page.py...
STRAY = re.compile(r"^(selectors_\w+|\w+_read|views_\w+|\w+_views|\w+_page)\.py$")


def _modules():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" not in rel.parts:
                yield str(rel), len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_of_the_project_is_over_400_lines():
    over = {rel: lines for rel, lines in _modules() if lines > LIMIT and rel not in PENDING}
    assert over == {}


def test_the_settings_are_scanned_too():
    scanned = dict(_modules())
    assert "portal/settings/__init__.py" in scanned
    assert all(lines <= LIMIT for rel, lines in scanned.items() if rel.startswith("portal/set"))


def test_pending_modules_are_still_over_the_limit():
    lines = dict(_modules())
    done = {rel for rel in PENDING if lines.get(rel, 0) <= LIMIT}
    assert not done, f"split: remove {sorted(done)} from PENDING"


def _has(app: Path, room: str) -> bool:
    return (app / f"{room}.py").is_file() or (app / room / "__init__.py").is_file()


def test_each_domain_app_has_the_rooms_of_the_readme():
    for name in DOMAIN_APPS:
        app = ROOT / "apps" / name
        missing = [room for room in ROOMS if not _has(app, room)]
        missing += [f"tests/{f}" for f in TEST_ROOMS if not (app / "tests" / f).is_file()]
        assert not missing, f"apps/{name} lacks {missing}"


def test_a_room_is_a_module_or_a_package_never_both():
    for app in sorted((ROOT / "apps").iterdir()):
        for room in ROOMS + OPTIONAL_ROOMS:
            both = (app / f"{room}.py").is_file() and (app / room).is_dir()
            assert not both, f"apps/{app.name} has {room}.py and {room}/"


def test_no_read_or_page_lives_outside_its_room():
    stray = sorted(
        str(path.relative_to(ROOT))
        for top in ("apps", "portal")
        for path in (ROOT / top).glob("*/*.py" if top == "apps" else "*.py")
        if STRAY.match(path.name) and "tests" not in path.parts
    )
    assert stray == []
