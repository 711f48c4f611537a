"""The search over a real database: import, publish states and edits, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.db import create_engine, session_factory
from catalog.importers import import_file
from catalog.models import Business, Partner, Product
from concierge.search import SearchService, open_search
from tests.support.search_support import service

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


async def test_after_an_edit_only_changes_are_read_and_the_index_equals_a_full_rebuild(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(CATALOGUE), encoding="utf-8")
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        await import_file(sessions, path, progress=False)
        search = await open_search(sessions)

        async def step(edit: object) -> SearchService:
            nonlocal search
            async with sessions.begin() as session:
                await edit(session)  # type: ignore[operator]
            incremental = await open_search(sessions, previous=search)
            full = await open_search(sessions, parts=search.parts)
            assert incremental.businesses() == full.businesses()
            keys = incremental.index.keys_by_id()
            assert {k: sorted(v) for k, v in keys.items()} == {
                k: sorted(v) for k, v in full.index.keys_by_id().items()
            }
            previous, search = search, incremental
            return previous

        async def rename(session: AsyncSession) -> None:
            business = await session.get(Business, "fietsen-van-dam")
            assert business is not None
            business.name = "Rijwielen Van Dam"

        previous = await step(rename)
        assert search.business("bakkerij-graan") is previous.business("bakkerij-graan"), "reused"
        assert search.business("fietsen-van-dam") is not previous.business("fietsen-van-dam")

        async def add_product_quietly(session: AsyncSession) -> None:
            await session.execute(insert(Product).values(business_id="bakkerij-graan", name="havermelk"))

        await step(add_product_quietly)
        oat = search.ask("havermelk", near=(52.156, 5.387))
        assert [r.id for r in oat.results][:1] == ["bakkerij-graan"]

        async def delete_product_quietly(session: AsyncSession) -> None:
            await session.execute(
                delete(Product).where(Product.business_id == "bakkerij-graan", Product.name == "havermelk")
            )

        await step(delete_product_quietly)
        oat = search.ask("havermelk", near=(52.156, 5.387))
        assert "bakkerij-graan" not in [r.id for r in oat.results]

        async def link_partners(session: AsyncSession) -> None:
            await session.execute(
                insert(Partner).values(business_id="bakkerij-graan", partner_id="fietsen-van-dam")
            )

        await step(link_partners)
        assert search.business("bakkerij-graan").partners == ("fietsen-van-dam",)  # type: ignore[union-attr]

        async def open_and_close(session: AsyncSession) -> None:
            await session.execute(update(Business).where(Business.id == "keten-super").values(status="draft"))
            session.add(
                Business(
                    id="kaas-en-zo", name="Kaas en Zo", categories=["shop=cheese"], lat=52.156, lon=5.388
                )
            )

        await step(open_and_close)
        assert search.business("keten-super") is None
        cheese = search.ask("kaas", near=(52.156, 5.387))
        assert [r.id for r in cheese.results][:1] == ["kaas-en-zo"]
        count = await _count(sessions)
        assert len(search.businesses()) == count
    finally:
        await engine.dispose()


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return len((await session.scalars(select(Business.id).where(Business.status == "published"))).all())


def test_answer_json_has_the_fields_the_design_fixes() -> None:
    from tests.support.search_support import CENTRE, shop

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


async def test_a_frozen_process_frees_the_old_index_and_freezes_the_new_one(sqlite_url: str) -> None:
    import gc
    import weakref

    from concierge.app import open_app
    from concierge.heap import freeze_heap
    from concierge.settings import Settings

    app = await open_app(Settings(database_url=sqlite_url), demo=True)
    try:
        freeze_heap()
        old = weakref.ref(app.search)
        async with app.sessions.begin() as session:
            business = (await session.scalars(select(Business).limit(1))).one()
            business.story_why = "Omdat de straat goed brood verdient."
        await app.rebuild_search()
        assert old() is None, "the replaced index is freed although the heap is frozen"
        assert app.search.business(business.id).story_why.startswith("Omdat")  # type: ignore[union-attr]
        collectable = {id(obj) for generation in range(3) for obj in gc.get_objects(generation)}
        assert id(app.search) not in collectable, "the new index joined the frozen heap"
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        await app.close()


async def test_a_built_index_keeps_no_memo_of_the_catalogue_text(sqlite_url: str) -> None:
    """Building folds every story and name; what the word memos then hold is only what questions add."""
    from concierge.app import open_app
    from concierge.settings import Settings
    from concierge.text import fold, lemma

    app = await open_app(Settings(database_url=sqlite_url), demo=True)
    try:
        story = next(b.story_who for b in app.search.index.businesses if len(b.story_who) > 40)
        assert fold.cache_info().currsize == lemma.cache_info().currsize == 0
        app.search.ask("waar kan ik brood kopen?")
        assert fold.cache_info().currsize > 0  # questions use the memo as before
        misses = fold.cache_info().misses
        assert fold(story) == fold.__wrapped__(story)
        assert fold.cache_info().misses == misses + 1, "the story was still in the memo"
    finally:
        await app.close()
