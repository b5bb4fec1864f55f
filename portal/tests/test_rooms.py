"""One room per concern: no module of apps/ grows past 400 lines (test support, tests and
migrations are exempt), and every app keeps the rooms the README names."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXEMPT = {"tests", "testing", "migrations"}
LIMIT = 400


def test_no_module_in_apps_is_over_400_lines():
    over = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "apps").rglob("*.py")
        if not EXEMPT & set(path.relative_to(ROOT).parts)
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert over == {}


def test_each_domain_app_has_the_rooms_of_the_readme():
    rooms = {"models.py", "choices.py", "selectors", "admin.py", "apps.py"}
    for app in ("releases", "sponsors", "servers", "mirrors", "delivery"):
        # Apps whose writes others must hear of have services of their own; the others'
        # rows are saved whole by apps.core.services through the ServiceAdmin.
        wanted = rooms | ({"services"} if app in ("releases", "mirrors", "delivery") else set())
        present = {p.name.removesuffix(".py") if p.is_dir() else p.name
                   for p in (ROOT / "apps" / app).iterdir()}  # fmt: skip
        names = {n.removesuffix(".py") for n in present} | present
        missing = {r for r in wanted if r.removesuffix(".py") not in names}
        assert not missing, f"apps/{app} lacks {sorted(missing)}"
