"""The world map of the mirror pages: countries shaded by their number of mirrors, drawn
server-side as SVG from data/world_map.json (Natural Earth, public domain; see
data/build_world_map.py), so it needs neither JavaScript nor the internet."""

import functools
import json
from pathlib import Path

from django.urls import reverse

DATA = Path(__file__).resolve().parent / "data" / "world_map.json"
# Mirrors per country that start each shade: 1, 2-3, 4-7, 8-15, 16 and more.
LEVELS = (1, 2, 4, 8, 16)


@functools.cache
def _world() -> dict:
    return json.loads(DATA.read_text())


def level_of(count: int) -> int:
    return sum(1 for start in LEVELS if count >= start)


def world_map(rows: list[dict]) -> dict:
    """The map's view box, shapes and dots; `rows` are {country, name, count} for the
    countries that have mirrors. Each of those links to its country page; countries too
    small for the shapes are drawn as dots."""
    world = _world()
    by_code = {row["country"]: row for row in rows}

    def item(code: str) -> dict:
        row = by_code.get(code)
        return {
            "code": code,
            "name": row["name"] if row else "",
            "count": row["count"] if row else 0,
            "level": level_of(row["count"]) if row else 0,
            "url": reverse("mirrors:country", args=[code.lower()]) if row else "",
        }

    shapes = [{**item(code), "path": path} for code, path in world["shapes"].items()]
    dots = [
        {**item(code), "x": x, "y": y} for code, (x, y) in world["dots"].items() if code in by_code
    ]
    return {
        "width": world["width"],
        "height": world["height"],
        "shapes": shapes,
        "dots": dots,
        "levels": [
            (level + 1, f"{start}–{end - 1}" if end - 1 > start else f"{start}")
            for level, (start, end) in enumerate(zip(LEVELS, LEVELS[1:], strict=False))
        ]
        + [(len(LEVELS), f"{LEVELS[-1]}+")],
    }
