"""Rebuild world_map.json, the country shapes the mirror map is drawn from (not imported).

Source: Natural Earth's 1:110m "Admin 0 - Countries" (public domain, naturalearthdata.com),
as the `naturalearth_lowres` shapefile that pyogrio's wheel ships under
pyogrio/tests/fixtures/. Run with pyshp installed (any throwaway venv):

    python apps/mirrors/data/build_world_map.py path/to/naturalearth_lowres

Shapes are projected (Robinson), rounded to whole units of a 1000-wide view box, written
as relative SVG path data keyed by ISO 3166-1 alpha-2 code. Countries too small for the
110m shapes (Singapore, Hong Kong, Malta...) get a dot at their centroid from
apps/core/data/countries.json.
"""

import json
import math
import sys
from pathlib import Path

import shapefile  # pyshp

HERE = Path(__file__).resolve().parent
WIDTH = 1000
# Robinson's table: (latitude, X, Y) every 5 degrees.
ROBINSON = [
    (1.0000, 0.0000), (0.9986, 0.0620), (0.9954, 0.1240), (0.9900, 0.1860),
    (0.9822, 0.2480), (0.9730, 0.3100), (0.9600, 0.3720), (0.9427, 0.4340),
    (0.9216, 0.4958), (0.8962, 0.5571), (0.8679, 0.6176), (0.8350, 0.6769),
    (0.7986, 0.7346), (0.7597, 0.7903), (0.7186, 0.8435), (0.6732, 0.8936),
    (0.6213, 0.9394), (0.5722, 0.9761), (0.5322, 1.0000),
]  # fmt: skip
NAME_FIXES = {"France": "FR", "Norway": "NO", "Kosovo": "XK", "N. Cyprus": "CY",
              "Somaliland": "SO"}  # fmt: skip
TOP, BOTTOM = 84.0, -58.0  # no Antarctica


def robinson(lon: float, lat: float) -> tuple[float, float]:
    a = min(abs(lat), 89.999) / 5
    i = int(a)
    f = a - i
    x = ROBINSON[i][0] + (ROBINSON[i + 1][0] - ROBINSON[i][0]) * f
    y = ROBINSON[i][1] + (ROBINSON[i + 1][1] - ROBINSON[i][1]) * f
    return 0.8487 * x * math.radians(lon), math.copysign(1.3523 * y, lat)


SCALE = WIDTH / (2 * robinson(180, 0)[0])
Y0 = robinson(0, TOP)[1]
HEIGHT = round((Y0 - robinson(0, BOTTOM)[1]) * SCALE)


def project(lon: float, lat: float) -> tuple[int, int]:
    x, y = robinson(lon, max(min(lat, TOP), BOTTOM))
    return round(WIDTH / 2 + x * SCALE), round((Y0 - y) * SCALE)


def ring_path(points) -> str:
    pts = []
    for lon, lat in points:
        p = project(lon, lat)
        if not pts or p != pts[-1]:
            pts.append(p)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        return ""
    out, (px, py) = [f"M{pts[0][0]} {pts[0][1]}"], pts[0]
    for x, y in pts[1:]:
        out.append(f"l{x - px} {y - py}".replace(" -", "-"))
        px, py = x, y
    return "".join(out) + "z"


def main(source: str) -> None:
    from django_countries.data import ALT_CODES

    alpha3 = {codes[0]: code for code, codes in ALT_CODES.items()}
    reader = shapefile.Reader(source)
    shapes: dict[str, str] = {}
    for record, shape in zip(reader.records(), reader.shapes(), strict=True):
        if record["continent"] == "Antarctica":
            continue
        code = NAME_FIXES.get(record["name"]) or alpha3.get(record["iso_a3"])
        if code is None:
            print("skipped", record["name"], record["iso_a3"])
            continue
        parts = list(shape.parts) + [len(shape.points)]
        rings = [shape.points[a:b] for a, b in zip(parts, parts[1:], strict=False)]
        shapes[code] = shapes.get(code, "") + "".join(filter(None, map(ring_path, rings)))
    table = json.loads((HERE.parents[1] / "core" / "data" / "countries.json").read_text())
    dots = {
        code: project(lon, lat)
        for code, (_name, _continent, lat, lon, _borders) in table["countries"].items()
        if code not in shapes
    }
    data = {
        "source": "Natural Earth 1:110m Admin 0 - Countries (public domain), Robinson "
        "projection; dots: apps/core/data/countries.json centroids",
        "width": WIDTH,
        "height": HEIGHT,
        "shapes": dict(sorted(shapes.items())),
        "dots": dict(sorted(dots.items())),
    }
    (HERE / "world_map.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(len(shapes), "shapes,", len(dots), "dots,", HEIGHT, "high")


if __name__ == "__main__":
    main(sys.argv[1])
