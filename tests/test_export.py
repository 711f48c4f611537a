"""Export: catalogue JSON and CSV round trips, what is left out, JSON-LD, and the command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.db import create_engine, session_factory, upgrade
from catalog.demo import load_demo
from catalog.export import ExportError, export_catalogue, export_csv, export_jsonld
from catalog.importers import import_file
from catalog.importers.csv_file import COLUMNS
from catalog.models import Business
from handlers.cli import main

DATA = Path(__file__).with_name("data")
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def fresh(tmp_path: Path) -> AsyncIterator[Sessions]:
    """A second, empty database to import an export into."""
    url = f"sqlite+aiosqlite:///{tmp_path}/fresh.db"
    await upgrade(url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


async def test_catalogue_round_trip(sessions: Sessions, fresh: Sessions, tmp_path: Path) -> None:
    await load_demo(sessions)
    await import_file(sessions, DATA / "helsinki_slice.overpass.json", progress=False)
    await import_file(sessions, DATA / "small_catalogue.json", progress=False)
    exported = await export_catalogue(sessions)
    assert exported["area"]["id"] == "helsinki"  # the area holding most businesses
    assert {a["id"] for a in exported["areas"]} == {"kastanjebuurt-demo", "testwijk"}
    assert "OpenStreetMap" in exported["attribution"]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    summary = await import_file(fresh, path, progress=False)
    assert summary.imported == len(exported["businesses"]) and summary.skipped == 0
    again = await export_catalogue(fresh)
    assert again == exported
    bakery = next(b for b in exported["businesses"] if b["id"] == "bakker-bol")
    assert {"name": "croissant", "language": "nl", "sold_out": True} in bakery["products"]
    assert bakery["services"] == [{"name": "taart op bestelling", "language": "nl"}]
    # and importing the export over the original changes nothing
    same = await import_file(sessions, path, progress=False)
    assert (same.imported, same.updated, same.unchanged) == (0, 0, summary.imported)


async def test_csv_round_trip(sessions: Sessions, fresh: Sessions, tmp_path: Path) -> None:
    await load_demo(sessions)
    text = await export_csv(sessions)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS and len(rows) >= 35
    bakery = next(r for r in rows if r["id"] == "bakkerij-de-gouden-korst")
    assert "desembrood" in bakery["products"].split(";") and bakery["independent"] == "true"
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    summary = await import_file(fresh, path, area_name="Kastanjebuurt", progress=False)
    assert summary.imported == len(rows) and summary.skipped == 0
    assert await export_csv(fresh) == text


async def test_unpublished_and_opted_out_businesses_stay_out(sessions: Sessions) -> None:
    await import_file(sessions, DATA / "small_catalogue.json", progress=False)
    async with sessions.begin() as session:
        await session.execute(update(Business).where(Business.id == "koffie-kop").values(opt_out=True))
        await session.execute(update(Business).where(Business.id == "jumbo-testwijk").values(status="draft"))
    data = await export_catalogue(sessions)
    assert [b["id"] for b in data["businesses"]] == ["bakker-bol"]
    assert data["businesses"][0]["partners"] == []  # no link to a business that is not exported
    assert "attribution" not in data
    assert "koffie-kop" not in await export_csv(sessions)
    own = await export_catalogue(sessions, "koffie-kop")
    assert [b["id"] for b in own["businesses"]] == ["koffie-kop"]
    assert own["businesses"][0]["opt_out"] is True and own["businesses"][0]["partners"] == ["bakker-bol"]
    draft = await export_catalogue(sessions, "jumbo-testwijk")
    assert draft["businesses"][0]["status"] == "draft"
    with pytest.raises(ExportError, match="no business with id 'bestaat-niet'"):
        await export_catalogue(sessions, "bestaat-niet")
    with pytest.raises(ExportError):
        await export_csv(sessions, "bestaat-niet")


async def test_jsonld(sessions: Sessions) -> None:
    await load_demo(sessions)
    one = await export_jsonld(
        sessions, "cycle-doctor", base_url="https://example.org", bot_username="demo_bot"
    )
    assert one["@context"] == "https://schema.org" and one["name"] == "Cycle Doctor"
    everything = await export_jsonld(sessions, base_url="https://example.org", bot_username="demo_bot")
    names = {node.get("name") for node in everything["@graph"]}
    assert "Cycle Doctor" in names and "Bakkerij De Gouden Korst" in names


def test_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert main(["import", str(DATA / "small_catalogue.json"), "--db", url, "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["export", "--db", url]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {b["id"] for b in data["businesses"]} == {"bakker-bol", "koffie-kop", "jumbo-testwijk"}
    output = tmp_path / "out.csv"
    assert (
        main(["export", "--db", url, "--format", "csv", "--business", "bakker-bol", "--output", str(output)])
        == 0
    )
    assert output.read_text(encoding="utf-8").splitlines()[1].startswith("bakker-bol,")
    assert main(["export", "--db", url, "--business", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "concierge export: no business with id 'nope'"
    assert main(["export", "--db", url, "--output", str(tmp_path / "missing" / "x.json")]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert main(["export", "--db", f"sqlite:///{tmp_path}/none.db"]) == 2
    assert "no database" in capsys.readouterr().err
