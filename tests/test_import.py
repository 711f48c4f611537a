"""Importers: each format, malformed input, idempotency, the Helsinki slice, the demo file and the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from geopy.distance import great_circle
from opening_hours import OpeningHours
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.db import create_engine, session_factory
from catalog.demo import DEMO_FILE, load_demo
from catalog.importers import ImportFileError, ImportSummary, import_file
from catalog.importers.area import centre_and_radius
from catalog.models import Area, Business, Partner, Product
from catalog.repository import get_business, load_businesses
from handlers.cli import main

DATA = Path(__file__).with_name("data")
HELSINKI = DATA / "helsinki_slice.overpass.json"

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def sqlite_sessions(sqlite_url: str) -> AsyncIterator[Sessions]:
    from catalog.db import upgrade

    await upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    yield session_factory(engine)
    await engine.dispose()


async def count(sessions: Sessions, model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def overpass(*elements: Any) -> dict[str, Any]:
    return {"elements": list(elements)}


def node(ident: int, lat: Any = 52.09, lon: Any = 5.12, **tags: str) -> dict[str, Any]:
    return {"type": "node", "id": ident, "lat": lat, "lon": lon, "tags": tags}


# --- Overpass -----------------------------------------------------------------------------------


async def test_helsinki_slice_imports_with_osm_ids_centres_and_tags(sessions: Sessions) -> None:
    elements = json.loads(HELSINKI.read_text(encoding="utf-8"))["elements"]
    summary = await import_file(sessions, HELSINKI, progress=False)
    assert summary.format == "overpass"
    assert summary.imported == len(elements) and summary.skipped == 0
    assert await count(sessions, Business) == len(elements)

    async with sessions() as session:
        businesses = {b.source_id: b for b in await load_businesses(session)}
        area = await session.get(Area, summary.area_id)
    assert area is not None and area.country == "FI" and area.timezone == "Europe/Helsinki"
    assert area.id == "helsinki" and area.city == "Helsinki"  # no --area: the businesses' own city
    for element in elements:
        business = businesses[f"{element['type']}/{element['id']}"]
        position = element if element["type"] == "node" else element["center"]
        assert (business.lat, business.lon) == (position["lat"], position["lon"])
        assert business.name == element["tags"]["name"]
        assert business.tags == element["tags"]
        key = next(
            k
            for k in ("shop", "amenity", "craft", "office", "healthcare", "leisure", "tourism")
            if k in element["tags"]
        )
        assert f"{key}={element['tags'][key].split(';')[0]}" in business.categories
        if "brand" in element["tags"]:
            assert not business.independent
        assert business.id == business.id.lower() and " " not in business.id
    assert len({b.id for b in businesses.values()}) == len(elements)
    inside = sum(
        great_circle((area.center_lat, area.center_lon), (b.lat, b.lon)).meters <= area.radius_m
        for b in businesses.values()
    )
    assert inside >= 0.9 * len(elements) and area.radius_m % 100 == 0


async def test_reimport_is_unchanged_then_updates_in_place(sessions: Sessions, tmp_path: Path) -> None:
    first = await import_file(sessions, HELSINKI, progress=False)
    again = await import_file(sessions, HELSINKI, progress=False)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, first.imported)
    data = json.loads(HELSINKI.read_text(encoding="utf-8"))
    data["elements"][0]["tags"]["name"] = "Renamed Place"
    data["elements"][1]["tags"]["opening_hours"] = "Mo-Fr 10:00-12:00"
    changed = await import_file(
        sessions, write_json(tmp_path / "changed.json", data), area_name="Helsinki", progress=False
    )
    assert (changed.imported, changed.updated, changed.unchanged) == (0, 2, first.imported - 2)
    assert await count(sessions, Business) == first.imported
    first_id = f"{data['elements'][0]['type']}/{data['elements'][0]['id']}"
    async with sessions() as session:
        business = await session.scalar(select(Business).where(Business.source_id == first_id))
    assert business is not None and business.name == "Renamed Place" and business.version == 2


async def test_overpass_records_are_skipped_with_reasons(sessions: Sessions, tmp_path: Path) -> None:
    data = overpass(
        node(
            1,
            name="Bakkerij Goed",
            shop="bakery",
            **{
                "addr:street": "Dorpsstraat",
                "addr:housenumber": "3",
                "addr:postcode": "1234 AB",
                "addr:city": "Ergens",
            },
        ),
        node(2, shop="bakery"),
        node(3, name="Bushalte", highway="bus_stop"),
        node(4, lat=91, name="Noordpool", shop="gift"),
        node(5, lat="abc", name="Tekst", shop="gift"),
        node(6, lat=None, name="Leeg", shop="gift"),
        {"type": "way", "id": 7, "tags": {"name": "Zonder midden", "shop": "books"}},
        {
            "type": "way",
            "id": 8,
            "center": {"lat": 52.1, "lon": 5.1},
            "tags": {
                "name": "Boekwinkel",
                "shop": "books",
                "contact:phone": "+31 30 000 0000",
                "contact:website": "https://example.org",
            },
        },
        node(1, name="Bakkerij Goed (twee keer)", shop="bakery"),
        node(10**30, name="Reuzen-id", shop="toys"),
        node(11, name="x" * 5000, shop="toys", opening_hours="y" * 5000),
        "niet een object",
    )
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(data).replace('"lat": 91', '"lat": 1e999'), encoding="utf-8")
    summary = await import_file(sessions, path, progress=False)
    assert summary.reasons == Counter(
        {
            "no name": 1,
            "no shop tag": 1,
            "bad coordinates": 2,
            "no coordinates": 2,
            "duplicate id": 1,
            "not an object": 1,
        }
    )
    assert summary.imported == 4 and summary.skipped == 8
    async with sessions() as session:
        by_name = {b.name[:20]: b for b in await load_businesses(session)}
    assert by_name["Bakkerij Goed"].address == "Dorpsstraat 3, 1234 AB Ergens"
    assert by_name["Boekwinkel"].source_id == "way/8"
    assert (
        by_name["Boekwinkel"].phone == "+31 30 000 0000"
        and by_name["Boekwinkel"].website == "https://example.org"
    )
    assert by_name["Reuzen-id"].source_id is None  # not a real OSM id: a derived, stable id instead
    long_one = by_name["x" * 20]
    assert len(long_one.name) == 200 and len(long_one.opening_hours) == 500


async def test_sub_tags_become_categories_and_all_tags_are_kept(
    sqlite_sessions: Sessions, tmp_path: Path
) -> None:
    data = overpass(
        node(
            21,
            name="Fietsdokter",
            shop="bicycle",
            **{"service:bicycle:repair": "yes", "service:bicycle:rental": "no", "wheelchair": "yes"},
        ),
        node(22, name="Automaat", amenity="vending_machine", vending="bicycle_tube;drinks"),
    )
    await import_file(sqlite_sessions, write_json(tmp_path / "sub.json", data), progress=False)
    async with sqlite_sessions() as session:
        by_name = {b.name: b for b in await load_businesses(session)}
    assert by_name["Fietsdokter"].categories == ("shop=bicycle", "service:bicycle:repair=yes")
    assert by_name["Fietsdokter"].tags["wheelchair"] == "yes"
    assert by_name["Automaat"].categories == (
        "amenity=vending_machine",
        "vending=bicycle_tube",
        "vending=drinks",
    )


# --- broken files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        ("", "auto", "is empty"),
        ("   \n", "auto", "is empty"),
        ('{"elements": [', "auto", "not valid JSON"),
        ("[1, 2, 3]", "auto", "cannot tell the format"),
        ('{"something": 1}', "auto", "cannot tell the format"),
        ('{"elements": {"a": 1}}', "auto", '"elements" list'),
        ('{"type": "FeatureCollection", "features": 3}', "auto", '"features" list'),
        ('{"businesses": "none"}', "catalogue", '"businesses" list'),
        ('{"area": [1], "businesses": []}', "auto", '"area" must be an object'),
        ("[1]", "overpass", '"elements" list'),
        ("[1]", "geojson", "FeatureCollection"),
        ("foo,bar\n1,2\n", "csv", "columns name, lat and lon"),
        ("[" * 100_000, "auto", "JSON"),
    ],
)
async def test_broken_files_raise_one_line_and_write_nothing(
    sqlite_sessions: Sessions, tmp_path: Path, content: str, fmt: str, message: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=message) as caught:
        await import_file(sqlite_sessions, path, fmt, progress=False)
    assert "\n" not in str(caught.value)
    assert await count(sqlite_sessions, Business) == 0 and await count(sqlite_sessions, Area) == 0


async def test_missing_binary_and_directory_paths(sqlite_sessions: Sessions, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        await import_file(sqlite_sessions, tmp_path / "nope.json", progress=False)
    with pytest.raises(ImportFileError, match="not a file"):
        await import_file(sqlite_sessions, tmp_path, progress=False)
    binary = tmp_path / "photo.json"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with pytest.raises(ImportFileError, match="not UTF-8"):
        await import_file(sqlite_sessions, binary, progress=False)
    with pytest.raises(ImportFileError, match="unknown format"):
        await import_file(sqlite_sessions, HELSINKI, "xml", progress=False)


async def test_a_database_failure_writes_nothing(
    sqlite_url: str, sqlite_sessions: Sessions, tmp_path: Path
) -> None:
    """One transaction: when the database refuses a record, the area and earlier records go too."""
    import sqlite3

    connection = sqlite3.connect(sqlite_url.split("///", 1)[1])
    connection.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON businesses WHEN NEW.name = 'Weigeraar' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    connection.close()
    data = overpass(node(1, name="Eerste", shop="bakery"), node(2, name="Weigeraar", shop="bakery"))
    with pytest.raises(Exception, match="refused"):
        await import_file(
            sqlite_sessions, write_json(tmp_path / "refused.json", data), area_name="Nergens", progress=False
        )
    assert await count(sqlite_sessions, Business) == 0 and await count(sqlite_sessions, Area) == 0


# --- GeoJSON ------------------------------------------------------------------------------------


async def test_geojson_points(sessions: Sessions) -> None:
    summary = await import_file(sessions, DATA / "shops.geojson", progress=False)
    assert summary.format == "geojson"
    assert (summary.imported, summary.skipped) == (4, 3)
    assert summary.reasons == Counter({"no name": 1, "not a point": 2})
    async with sessions() as session:
        by_name = {b.name: b for b in await load_businesses(session)}
    ring = by_name["Fietsmakerij Ringring"]
    assert ring.source_id == "node/1001" and (ring.lat, ring.lon) == (52.3702, 4.8952)
    assert ring.categories == ("shop=bicycle", "service:bicycle:repair=yes")
    assert ring.address == "Spaakstraat 4, 1011 AA Amsterdam"
    assert ring.phone == "+31 20 000 0001" and ring.website == "https://example.org/ringring"
    assert ring.opening_hours == "Mo-Sa 09:00-18:00" and ring.status == "published"
    assert by_name["Kaas & Zo"].source_id == "way/2002"
    assert by_name["Bloemenkraam Roos"].source_id is None
    assert not by_name["Kruidvat Damstraat"].independent and ring.independent
    again = await import_file(sessions, DATA / "shops.geojson", progress=False)
    assert (again.imported, again.unchanged) == (0, 4)
    assert await count(sessions, Business) == 4


# --- CSV ----------------------------------------------------------------------------------------


async def test_csv_with_commas(sessions: Sessions) -> None:
    summary = await import_file(sessions, DATA / "shops_comma.csv", area_name="Utrecht Test", progress=False)
    assert summary.format == "csv" and summary.area_id == "utrecht-test"
    assert summary.imported == 2
    assert summary.reasons == Counter({"no coordinates": 1, "no name": 1, "bad coordinates": 1})
    async with sessions() as session:
        draad = await get_business(session, "naaiatelier-draad")
        by_name = {b.name: b for b in await load_businesses(session)}
    assert draad is not None
    assert draad.categories == ("craft=tailor", "shop=tailor")
    assert [(p.name, p.kind, p.language) for p in draad.products] == [
        ("garen", "product", "nl"),
        ("knopen", "product", "nl"),
        ("ritsen", "product", "nl"),
        ("broek inkorten", "service", "nl"),
        ("rits vervangen", "service", "nl"),
    ]
    scherp = by_name["Brillenhuis Scherp"]
    assert scherp.languages == ("nl", "en") and scherp.pickup and scherp.delivery == "bike"
    assert scherp.independent and scherp.id.startswith("brillenhuis-scherp")
    again = await import_file(sessions, DATA / "shops_comma.csv", area_name="Utrecht Test", progress=False)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    assert await count(sessions, Business) == 2


async def test_csv_with_semicolons_decimal_commas_and_osm_ids(sqlite_sessions: Sessions) -> None:
    summary = await import_file(sqlite_sessions, DATA / "shops_semicolon.csv", progress=False)
    assert (summary.imported, summary.reasons) == (2, Counter({"duplicate id": 1}))
    async with sqlite_sessions() as session:
        by_name = {b.name: b for b in await load_businesses(session)}
    assert by_name["Theewinkel Blad"].source_id == "node/3003"
    assert by_name["Theewinkel Blad"].lat == pytest.approx(52.0921)
    assert by_name["Platenzaak Groef"].source_id == "node/3004"
    assert by_name["Platenzaak Groef"].categories == ("shop=music",)


# --- catalogue JSON -----------------------------------------------------------------------------


async def test_catalogue_json(sessions: Sessions) -> None:
    summary = await import_file(sessions, DATA / "small_catalogue.json", progress=False)
    assert summary.format == "catalogue" and summary.area_id == "testwijk"
    assert summary.imported == 3
    assert summary.reasons == Counter(
        {"duplicate id": 1, "no name": 1, "bad coordinates": 1, "not an object": 1}
    )
    async with sessions() as session:
        bol = await get_business(session, "bakker-bol")
        kop = await get_business(session, "koffie-kop")
        jumbo = await get_business(session, "jumbo-testwijk")
        area = await session.get(Area, "testwijk")
        links = (await session.scalars(select(Partner).order_by(Partner.business_id))).all()
    assert bol is not None and kop is not None and jumbo is not None and area is not None
    assert (
        area.fictional
        and area.city == "Zwolle"
        and area.radius_m == 800
        and area.places == {"het plein": [52.5125, 6.094]}
    )
    assert [(p.name, p.kind, p.language, p.sold_out) for p in bol.products] == [
        ("desembrood", "product", "nl", False),
        ("sourdough loaf", "product", "en", False),
        ("croissant", "product", "nl", True),
        ("taart op bestelling", "service", "nl", False),
    ]
    assert kop.products[0].language == "en"
    assert (bol.story_who, bol.story_how, bol.story_why, bol.story_language) == (
        "Bol en zoon.",
        "Met de hand.",
        "Voor de buurt.",
        "nl",
    )
    assert bol.pickup and bol.delivery == "bike" and bol.independent
    assert not jumbo.independent  # no "independent" field: chain detection decides
    assert bol.partners == ("koffie-kop",) and kop.partners == ("bakker-bol",)
    assert all(link.confirmed for link in links)
    assert [link.note for link in links if link.business_id == "koffie-kop"] == ["our bread"]


async def test_catalogue_reimport_updates_products_and_partners(sessions: Sessions, tmp_path: Path) -> None:
    data = json.loads((DATA / "small_catalogue.json").read_text(encoding="utf-8"))
    await import_file(sessions, write_json(tmp_path / "a.json", data), progress=False)
    data["businesses"][0]["products"] = ["roggebrood"]
    data["businesses"][0]["partners"] = []
    data["businesses"][1]["opening_hours"] = "Mo-Fr 08:00-16:00"
    summary = await import_file(sessions, write_json(tmp_path / "a.json", data), progress=False)
    assert (summary.imported, summary.updated, summary.unchanged) == (0, 2, 1)
    async with sessions() as session:
        bol = await get_business(session, "bakker-bol")
    assert bol is not None and [p.name for p in bol.products] == ["roggebrood", "taart op bestelling"]
    assert bol.partners == ()
    assert await count(sessions, Product) == 3  # old products replaced, not added to


# --- the area, the summary, the demo ------------------------------------------------------------


async def test_area_country_timezone_and_name(sqlite_sessions: Sessions, tmp_path: Path) -> None:
    data = {
        "area": {"name": "Marollen", "country": "be", "timezone": "Mars/Olympus"},
        "businesses": [
            {"name": "Frituur Nord", "categories": ["amenity=fast_food"], "lat": 50.84, "lon": 4.35}
        ],
    }
    summary = await import_file(sqlite_sessions, write_json(tmp_path / "be.json", data), progress=False)
    async with sqlite_sessions() as session:
        area = await session.get(Area, "marollen")
    assert summary.area_id == "marollen" and area is not None
    assert (area.country, area.timezone) == ("BE", "Europe/Brussels")
    assert (area.center_lat, area.center_lon, area.radius_m) == (50.84, 4.35, 100)
    renamed = await import_file(
        sqlite_sessions, write_json(tmp_path / "be.json", data), area_name="Brussel Zuid", progress=False
    )
    assert renamed.area_id == "brussel-zuid" and renamed.unchanged == 0 and renamed.updated == 1


def test_centre_and_radius_cover_ninety_percent_rounded_up() -> None:
    points = [(52.0 + i * 0.001, 5.0) for i in range(-5, 5)] + [(53.0, 5.0)]
    (lat, lon), radius = centre_and_radius(points)
    assert lat == pytest.approx(sum(p[0] for p in points) / len(points))
    distances = sorted(great_circle((lat, lon), p).meters for p in points)
    assert radius % 100 == 0 and radius - 100 < distances[math.ceil(0.9 * len(points)) - 1] <= radius
    assert radius < distances[-1]  # the outlier is left out


def test_summary_line() -> None:
    summary = ImportSummary(1234, 0, 0, 57, Counter({"no name": 50, "no shop tag": 7}))
    assert str(summary) == "imported 1,234, updated 0, unchanged 0, skipped 57 (no name: 50, no shop tag: 7)"


def test_demo_file_is_a_fictional_diverse_neighbourhood() -> None:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    area = data["area"]
    assert area["fictional"] is True and "fictional" in area["name"].lower()
    assert "lindenhof" not in json.dumps(data).lower()
    businesses = data["businesses"]
    assert 35 <= len(businesses) <= 45
    ids = [b["id"] for b in businesses]
    assert len(set(ids)) == len(ids)
    chains = [b for b in businesses if b["independent"] is False]
    assert 2 <= len(chains) <= 3
    categories = Counter(c for b in businesses for c in b["categories"])
    assert len(categories) >= 30
    english = 0
    for business in businesses:
        assert great_circle(area["center"], (business["lat"], business["lon"])).meters <= 1200
        OpeningHours(business["opening_hours"])
        assert business["website"].startswith("https://example.org/")
        assert set(business.get("partners", [])) <= set(ids)
        if business["independent"] is False:
            continue
        story = business["story"]
        assert all(story[part].strip() for part in ("who", "how", "why")), business["id"]
        assert 8 <= len(business["products"]) + len(business["services"]) <= 25, business["id"]
        if story["language"] == "en":
            english += 1
            assert "en" in business["languages"]
    assert english >= 2
    hours = " ".join(b["opening_hours"] for b in businesses)
    assert "PH off" in hours and "-01:00" in hours and ",13:30" in hours


async def test_load_demo_is_idempotent(sessions: Sessions) -> None:
    first = await load_demo(sessions)
    second = await load_demo(sessions)
    assert first.imported >= 35 and first.skipped == 0
    assert (second.imported, second.updated, second.unchanged) == (0, 0, first.imported)
    async with sessions() as session:
        area = await session.get(Area, first.area_id)
        businesses = await load_businesses(session)
    assert area is not None and area.fictional
    assert len(businesses) == first.imported
    assert sum(1 for b in businesses if b.partners) >= 10


# --- the command line ---------------------------------------------------------------------------


def test_cli_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("concierge")
    result = subprocess.run(
        [str(script), "import", str(tmp_path / "missing.json"), "--db", f"sqlite:///{tmp_path}/x.db"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_cli_import_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert main(["import", str(DATA / "shops.geojson"), "--db", url, "--area", "Centrum"]) == 0
    out = capsys.readouterr().out
    assert "imported 4, updated 0, unchanged 0, skipped 3 (not a point: 2, no name: 1)" in out
    assert main(["import", str(DATA / "shops.geojson"), "--db", url, "--format", "csv"]) == 2
    assert "columns name, lat and lon" in capsys.readouterr().err
