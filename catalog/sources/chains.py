"""Rebuilds ``catalog/data/chain_brands.json`` from the name-suggestion-index, for every country.

    python -m catalog.sources.chains [--nsi 8.0.20260918] [--country-coder 5.6.1] [--cache DIR]

Needs ``npm`` and ``node``: the index is fetched with ``npm pack`` and country-coder installed with
``npm install``, both at pinned versions, into a cache folder. Every brand under ``brands/<key>/<value>`` of the index, for the
shop-type keys the catalogue knows, is kept with the countries where it counts.

Where a brand counts comes from its ``locationSet`` (``include`` minus ``exclude``), resolved with the
data of ``@rapideditor/country-coder``, the library the index itself uses:

* a country or territory code ("de", "gb-eng", "conus", "Q644636") is the country it belongs to;
* a region ("150" Europe, "EU", "155" Western Europe) is every country grouped under it; "001" is all;
* a point ``[lon, lat, radius]`` is the country at that point (``iso1A2Code`` in node); the radius is
  ignored, so a brand near a border counts on one side only;
* a custom ``*.geojson`` shape of the index counts for the country its file name starts with
  ("de-bw.geojson"), else for every country one of its vertices, pulled a tenth of the way towards its
  centre, lies in. Shapes are not intersected with borders: this is the documented approximation.

The output lists, per ``key=value`` tag, ``[name, countries]`` pairs: ``countries`` is ``"*"`` (all),
``"* -US -CA"`` (all but those) or ``"BE NL"``. Names are the brand's display name, ``name`` and
``brand`` tags and the index's own ``matchNames`` (other names branches go by: "dm drogerie markt").
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from catalog.chains import BRANDS_FILE, CATEGORY_KEYS

NSI_VERSION = "8.0.20260918"
COUNTRY_CODER_VERSION = "5.6.1"
NSI_PACKAGE = "name-suggestion-index"
COUNTRY_CODER_PACKAGE = "@rapideditor/country-coder"
WORLD = "001"
PULL_TO_CENTRE = 0.1
MAX_VERTICES = 400

Feature = dict[str, Any]


def _npm(*args: str) -> str:
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed to fetch the name-suggestion-index and country-coder")
    done = subprocess.run(["npm", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"npm {' '.join(args[:2])} failed: {done.stderr.strip()[:300]}")
    return done.stdout


def fetch(package: str, version: str, cache: Path) -> Path:
    """The unpacked npm package (data only, no dependencies), fetched once into the cache."""
    folder = cache / f"{package.replace('/', '+')}-{version}"
    if (folder / "package" / "package.json").is_file():
        return folder / "package"
    folder.mkdir(parents=True, exist_ok=True)
    name = _npm("pack", f"{package}@{version}", "--pack-destination", str(folder), "--silent")
    with tarfile.open(folder / name.strip().splitlines()[-1]) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def install(package: str, version: str, cache: Path) -> Path:
    """The package installed with its dependencies (to run it in node), once into the cache."""
    folder = cache / f"{package.replace('/', '+')}-{version}-installed"
    installed = folder / "node_modules" / package
    if not (installed / "package.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        _npm(
            "install",
            "--prefix",
            str(folder),
            "--no-save",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            f"{package}@{version}",
        )
    return installed


class Countries:
    """Location codes to ISO 3166-1 alpha-2 countries, from country-coder's borders data."""

    def __init__(self, borders: dict[str, Any]):
        self.features: list[Feature] = [f["properties"] for f in borders["features"]]
        self.by_code: dict[str, Feature] = {}
        for feature in self.features:
            for code in self._codes(feature):
                self.by_code.setdefault(code, feature)
        grouped = {group.upper() for f in self.features for group in f.get("groups", ())}
        self.all = {
            f["iso1A2"] for f in self.features if f.get("iso1A2") and f["iso1A2"].upper() not in grouped
        }

    @staticmethod
    def _codes(feature: Feature) -> set[str]:
        codes = {feature.get(k) for k in ("iso1A2", "iso1A3", "iso1N3", "m49", "wikidata", "nameEn")}
        codes |= set(feature.get("aliases", ()))
        return {str(code).upper() for code in codes if code}

    def country_of(self, feature: Feature) -> str | None:
        code = feature.get("country") or feature.get("iso1A2")
        return code if code in self.all else None

    def of_code(self, code: str) -> set[str] | None:
        """The countries a code stands for, or None when country-coder does not know it."""
        key = code.strip().upper()
        if key == WORLD:
            return set(self.all)
        feature = self.by_code.get(key)
        if feature is None:
            return None
        found: set[str] = set()
        own = self.country_of(feature)
        if own:
            found.add(own)
        names = self._codes(feature)
        for member in self.features:
            if names & {g.upper() for g in member.get("groups", ())}:
                country = self.country_of(member)
                if country:
                    found.add(country)
        return found


def _vertices(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    def walk(value: Any) -> Iterable[tuple[float, float]]:
        if isinstance(value, list) and len(value) >= 2 and all(isinstance(v, int | float) for v in value[:2]):
            yield float(value[0]), float(value[1])
        elif isinstance(value, list):
            for part in value:
                yield from walk(part)

    points = list(walk(geometry.get("coordinates", [])))
    if not points:
        return []
    step = max(1, len(points) // MAX_VERTICES)
    points = points[::step]
    lon = sum(p[0] for p in points) / len(points)
    lat = sum(p[1] for p in points) / len(points)
    inner = [(x + (lon - x) * PULL_TO_CENTRE, y + (lat - y) * PULL_TO_CENTRE) for x, y in points]
    return [(lon, lat), *inner]


def countries_at(points: list[tuple[float, float]], coder: Path) -> list[str | None]:
    """``iso1A2Code`` of each ``(lon, lat)``, by country-coder itself, in one node process."""
    if not points:
        return []
    if shutil.which("node") is None:
        raise SystemExit("node is needed to place points in countries")
    script = (
        "const cc = require(process.argv[1]);"
        "const points = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(points.map(p => cc.iso1A2Code(p) || null)));"
    )
    done = subprocess.run(
        ["node", "-e", script, str(coder / "dist" / "country-coder.cjs")],
        input=json.dumps(points),
        capture_output=True,
        text=True,
        check=True,
    )
    codes: list[str | None] = json.loads(done.stdout)
    return codes


def build(
    nsi: dict[str, Any], shapes: dict[str, Any], borders: dict[str, Any], coder: Path
) -> dict[str, Any]:
    countries = Countries(borders)
    shape_by_id = {str(f.get("id") or f["properties"].get("id")): f for f in shapes["features"]}
    items = [
        (f"{key}={value}", item)
        for path, entry in sorted(nsi["nsi"].items())
        if path.startswith("brands/")
        for key, value in [path.split("/", 2)[1:]]
        if key in CATEGORY_KEYS
        for item in entry["items"]
    ]
    # Points and shapes are placed by country-coder in one batch.
    wanted: dict[tuple[float, float], str | None] = {}
    for _, item in items:
        location = item.get("locationSet", {})
        for code in (*location.get("include", ()), *location.get("exclude", ())):
            if isinstance(code, list):
                wanted[(float(code[0]), float(code[1]))] = None
            elif code.endswith(".geojson") and _prefix_country(code, countries) is None:
                shape = shape_by_id.get(code)
                if shape is not None:
                    wanted.update(dict.fromkeys(_vertices(shape["geometry"])))
    points = sorted(wanted)
    wanted.update(zip(points, countries_at(points, coder), strict=True))

    def resolve(code: Any) -> set[str]:
        if isinstance(code, list):
            found = wanted.get((float(code[0]), float(code[1])))
            return {found} if found is not None and found in countries.all else set()
        if code.endswith(".geojson"):
            prefix = _prefix_country(code, countries)
            if prefix:
                return {prefix}
            shape = shape_by_id.get(code)
            vertices = _vertices(shape["geometry"]) if shape else []
            placed = (wanted.get(vertex) for vertex in vertices)
            return {code for code in placed if code is not None and code in countries.all}
        return countries.of_code(code) or set()

    brands: dict[str, dict[str, set[str]]] = {}
    for tag, item in items:
        location = item.get("locationSet", {})
        where: set[str] = set()
        for code in location.get("include", ()):
            where |= resolve(code)
        for code in location.get("exclude", ()):
            where -= resolve(code)
        if not where:
            continue
        tags = item.get("tags", {})
        names = (item.get("displayName"), tags.get("name"), tags.get("brand"), *item.get("matchNames", ()))
        for name in dict.fromkeys(names):
            if isinstance(name, str) and name.strip():
                brands.setdefault(tag, {}).setdefault(name.strip(), set()).update(where)
    return {
        "_meta": {
            "source": f"{NSI_PACKAGE} {nsi['_meta']['version']}",
            "locations": f"{COUNTRY_CODER_PACKAGE} {COUNTRY_CODER_VERSION}",
            "rebuild": "python -m catalog.sources.chains",
            "licence": "BSD-3-Clause, © name-suggestion-index contributors",
        },
        "brands": {
            tag: [[name, _countries_text(where, countries.all)] for name, where in sorted(names.items())]
            for tag, names in sorted(brands.items())
        },
    }


def _prefix_country(shape_id: str, countries: Countries) -> str | None:
    prefix = shape_id.split("-", 1)[0].split(".", 1)[0].upper()
    return prefix if len(prefix) == 2 and prefix in countries.all else None


def _countries_text(where: set[str], every: set[str]) -> str:
    if where >= every:
        return "*"
    missing = every - where
    if len(missing) < len(where):
        return " ".join(["*", *(f"-{code}" for code in sorted(missing))])
    return " ".join(sorted(where))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nsi", default=NSI_VERSION, help="name-suggestion-index version")
    parser.add_argument("--country-coder", default=COUNTRY_CODER_VERSION, help="country-coder version")
    parser.add_argument(
        "--cache", type=Path, default=Path(".cache/npm-data"), help="where packages are unpacked"
    )
    parser.add_argument("--out", type=Path, default=BRANDS_FILE)
    args = parser.parse_args(argv)
    nsi_package = fetch(NSI_PACKAGE, args.nsi, args.cache)
    coder = install(COUNTRY_CODER_PACKAGE, args.country_coder, args.cache)
    nsi = json.loads((nsi_package / "dist/json/nsi.json").read_text(encoding="utf-8"))
    shapes = json.loads((nsi_package / "dist/json/featureCollection.json").read_text(encoding="utf-8"))
    borders = json.loads((coder / "src/data/borders.json").read_text(encoding="utf-8"))
    data = build(nsi, shapes, borders, coder)
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    total = sum(len(names) for names in data["brands"].values())
    print(f"{total} brand names under {len(data['brands'])} tags -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
