"""The search over a real database: import, publish states and edits, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import update

from catalog.db import create_engine, session_factory
from catalog.importers import import_file
from catalog.models import Business
from concierge.search import open_search
from tests.search_support import service

CATALOGUE = {
    "area": {
        "name": "Proefbuurt",
        "city": "Amersfoort",
        "center": [52.156, 5.387],
        "radius_m": 1200,
        "fictional": True,
    },
    "businesses": [
        {
            "id": "bakkerij-graan",
            "name": "Bakkerij Graan",
            "categories": ["shop=bakery"],
            "lat": 52.157,
            "lon": 5.388,
            "opening_hours": "Mo-Sa 07:00-18:00",
            "independent": True,
            "products": ["speltbrood", "croissants"],
            "story": {"who": "Wij zijn Ans en Piet.", "how": "Met de hand.", "why": "Voor de buurt."},
        },
        {
            "id": "fietsen-van-dam",
            "name": "Fietsen Van Dam",
            "categories": ["shop=bicycle"],
            "lat": 52.155,
            "lon": 5.386,
            "services": ["fietsreparatie", "binnenband vervangen"],
            "independent": True,
        },
        {
            "id": "keten-super",
            "name": "Albert Heijn",
            "categories": ["shop=supermarket"],
            "lat": 52.156,
            "lon": 5.387,
            "products": ["brood", "havermelk"],
        },
    ],
}


async def test_imported_catalogue_answers_from_the_database(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(CATALOGUE), encoding="utf-8")
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        await import_file(sessions, path, progress=False)
        search = await open_search(sessions)
        bread = search.ask("speltbrood", near=(52.156, 5.387))
        assert [r.id for r in bread.results][:1] == ["bakkerij-graan"]
        assert bread.results[0].story == "Wij zijn Ans en Piet."
        repair = search.ask("bike repair near me", near=(52.156, 5.387))
        assert repair.results[0].id == "fietsen-van-dam"
        oat = search.ask("havermelk", near=(52.156, 5.387))
        assert [(r.id, r.independent) for r in oat.results] == [("keten-super", False)]

        async with sessions.begin() as session:
            await session.execute(
                update(Business).where(Business.id == "bakkerij-graan").values(status="draft")
            )
        refreshed = await open_search(sessions)
        assert "bakkerij-graan" not in [
            r.id for r in refreshed.ask("speltbrood", near=(52.156, 5.387)).results
        ]
    finally:
        await engine.dispose()


def test_answer_json_has_the_fields_the_design_fixes() -> None:
    from tests.search_support import CENTRE, shop

    answer = service(shop("bakkerij", ("shop=bakery",), 100, products=("havermelk",))).ask(
        "havermelk", near=CENTRE
    )
    data = answer.to_json()
    assert set(data) == {"query", "language", "understood", "results", "message"}
    assert set(data["understood"]) == {"what", "where", "filters"}
    result = data["results"][0]
    for key in (
        "id",
        "source_id",
        "name",
        "categories",
        "lat",
        "lon",
        "distance_m",
        "open_now",
        "matched",
        "why",
        "story",
        "independent",
    ):
        assert key in result
    json.dumps(data)
