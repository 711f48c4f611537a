"""The unit of work on real SQLite and PostgreSQL: the search is rebuilt exactly when a catalogue edit
is committed, once, and notices are handed out only after the commit (and after the rebuild)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from catalog.models import Business, Owner
from concierge.app import App, open_app
from concierge.events import Notify, Reply, SendText
from concierge.invalidation import channel
from concierge.uow import NestedUnitOfWork, unit_of_work
from tests.support import paths
from tests.support.owners import owner_settings
from tests.support.redis_support import redis_prefix

__all__ = ["redis_prefix"]

NEW_SHOP = "uow-kaaswinkel"


def new_shop(business_id: str = NEW_SHOP, name: str = "Kaaswinkel De Uil") -> Business:
    return Business(
        id=business_id, name=name, categories=["shop=cheese"], lat=52.3862, lon=4.6551, address="Kerkstraat 1"
    )


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    opened = await open_app(owner_settings(database_url), migrate=False)  # the demo neighbourhood
    try:
        yield opened
    finally:
        await opened.close()


async def stored(app: App, business_id: str) -> bool:
    async with app.sessions() as session:
        return await session.get(Business, business_id) is not None


async def test_a_commit_is_followed_by_the_refresh_and_then_the_notices(app: App) -> None:
    index_before = app.search
    drawn: list[tuple[bool, bool]] = []

    async def moderators_card() -> list[Reply]:
        drawn.append((await stored(app, NEW_SHOP), app.search.business(NEW_SHOP) is not None))
        return [Notify(901, SendText("card"))]

    async with unit_of_work(app) as uow:
        uow.session.add(new_shop())
        uow.changed_catalogue()
        uow.notify(Notify(900, SendText("ready")), moderators_card)
        await uow.session.flush()
        assert app.search is index_before, "no rebuild before the commit"
        assert not uow.notes and not drawn, "no notice before the commit"
    assert drawn == [(True, True)], "a notice drawn after the commit reads the committed row and new index"
    assert [(note.chat_id, note.reply) for note in uow.notes if isinstance(note, Notify)] == [
        (900, SendText("ready")),
        (901, SendText("card")),
    ]
    assert len(uow.notes) == 2
    assert app.search is not index_before
    found = app.search.business(NEW_SHOP)
    assert found is not None and found.name == "Kaaswinkel De Uil"


async def test_an_error_inside_rolls_back_and_neither_refreshes_nor_notifies(app: App) -> None:
    index_before = app.search
    drawn: list[str] = []

    async def card() -> list[Reply]:
        drawn.append("drawn")
        return [Notify(901, SendText("card"))]

    with pytest.raises(RuntimeError, match="owner changed their mind"):
        async with unit_of_work(app) as uow:
            uow.session.add(new_shop())
            await uow.session.flush()
            uow.changed_catalogue()
            uow.notify(Notify(900, SendText("ready")), card)
            raise RuntimeError("owner changed their mind")
    assert not await stored(app, NEW_SHOP)
    assert app.search is index_before
    assert app.search.business(NEW_SHOP) is None
    assert uow.notes == [] and drawn == []


async def test_a_commit_that_fails_neither_refreshes_nor_notifies(app: App) -> None:
    """A real constraint violation at the commit: a second business under an id already taken."""
    index_before = app.search
    taken = "bakkerij-de-gouden-korst"
    assert await stored(app, taken), "a business of the demo neighbourhood"
    drawn: list[str] = []

    async def card() -> list[Reply]:
        drawn.append("drawn")
        return []

    with pytest.raises(IntegrityError):
        async with unit_of_work(app) as uow:
            uow.session.add(new_shop(taken, "Tweede Korst"))  # flushed by the commit, which fails
            uow.changed_catalogue()
            uow.notify(Notify(900, SendText("ready")), card)
    assert app.search is index_before
    assert uow.notes == [] and drawn == []
    async with app.sessions() as session:
        names = list(await session.scalars(select(Business.name).where(Business.id == taken)))
    assert names == ["Bakkerij De Gouden Korst"]


async def test_no_catalogue_change_no_rebuild(app: App) -> None:
    index_before = app.search
    async with unit_of_work(app) as uow:
        uow.session.add(Owner(user_id=4711, language="de"))
        uow.notify(Notify(4711, SendText("hallo")))
    assert app.search is index_before
    assert len(uow.notes) == 1
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Owner).where(Owner.user_id == 4711)) == 1


async def test_units_of_work_do_not_nest(app: App) -> None:
    async def elsewhere() -> None:
        async with unit_of_work(app):
            pass

    async with unit_of_work(app) as outer:
        outer.session.add(Owner(user_id=4712, language="nl"))
        with pytest.raises(NestedUnitOfWork):
            async with unit_of_work(app):
                pass
        await asyncio.create_task(elsewhere())  # another task (it inherits the context) is not nested
    async with unit_of_work(app):  # free again once the first has left
        pass
    async with app.sessions() as session:
        assert await session.get(Owner, 4712) is not None


async def test_several_catalogue_edits_cost_one_rebuild_announced_once(
    sqlite_url: str, redis_url: str, redis_prefix: str
) -> None:
    """Each rebuild is announced to the other workers on Redis; one unit, one announcement."""
    settings = owner_settings(sqlite_url).model_copy(
        update={"redis_url": redis_url, "redis_prefix": redis_prefix}
    )
    app = await open_app(settings, demo=True)
    listener = Redis.from_url(redis_url)
    pubsub = listener.pubsub()
    try:
        await pubsub.subscribe(channel(redis_prefix))
        assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"  # type: ignore[index]
        async with unit_of_work(app) as uow:
            uow.session.add(new_shop())
            uow.changed_catalogue()
            uow.session.add(new_shop("uow-kaas-2", "Kaas Twee"))
            uow.changed_catalogue()
        announced = []
        while (message := await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)) is not None:
            announced.append(message)
        assert len(announced) == 1
        assert app.search.business(NEW_SHOP) is not None and app.search.business("uow-kaas-2") is not None
    finally:
        await pubsub.aclose()
        await listener.aclose()
        await app.close()


def test_only_the_unit_of_work_refreshes_the_search() -> None:
    """A write path that rebuilt the index by hand could do it before its commit, or twice."""
    root = paths.ROOT
    callers = sorted(
        str(path.relative_to(root))
        for folder in ("concierge", "handlers")
        for path in (root / folder).rglob("*.py")
        if ".refresh_search(" in path.read_text(encoding="utf-8")
    )
    assert callers == ["concierge/uow.py"]
