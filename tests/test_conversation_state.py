"""The database state store and the usage counts, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from catalog.db import create_engine, session_factory
from catalog.models import DailyCount, FlowState, UserState
from concierge.conversation.counts import bump
from concierge.state import DatabaseStateStore, Profile

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


async def test_unknown_user_has_an_empty_profile(engine: AsyncEngine) -> None:
    assert await DatabaseStateStore(engine).load(42, NOW) == Profile()


async def test_each_part_is_kept_until_it_expires(engine: AsyncEngine) -> None:
    store = DatabaseStateStore(engine)
    await store.set_language(42, "de")
    await store.set_position(42, 52.0912345, 5.1126789, NOW + DAY)
    await store.set_question(42, "waar kan ik havermelk kopen?", NOW + dt.timedelta(minutes=30))
    await store.set_campaign(42, "flyer", NOW + DAY)
    assert await store.load(42, NOW) == Profile(
        "de", (52.091, 5.113), "waar kan ik havermelk kopen?", "flyer"
    )
    later = await store.load(42, NOW + dt.timedelta(hours=1))
    assert later == Profile("de", (52.091, 5.113), None, "flyer")
    assert await store.load(42, NOW + DAY) == Profile("de")
    await store.set_language(42, "fr")
    assert (await store.load(42, NOW)).language == "fr"
    assert (await store.load(43, NOW)) == Profile(), "other people are not affected"


async def test_the_database_only_ever_holds_the_rounded_position(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await DatabaseStateStore(engine).set_position(42, -33.8567844, 151.2152967, NOW + DAY)
    async with sessions() as session:
        row = await session.get(UserState, 42)
    assert row is not None and (row.lat, row.lon) == (-33.857, 151.215)


async def test_forget_deletes_the_row_and_the_users_flows(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    store = DatabaseStateStore(engine)
    await store.set_language(42, "nl")
    await store.set_language(4, "en")
    async with sessions.begin() as session:
        session.add_all(
            [FlowState(key=key) for key in ("owner:42", "42:listing", "42", "owner:142", "owner:4")]
        )
    await store.forget(42)
    await store.forget(42)
    async with sessions() as session:
        assert [row.user_id for row in await session.scalars(select(UserState))] == [4]
        assert sorted(await session.scalars(select(FlowState.key))) == ["owner:142", "owner:4"]


async def test_counts_add_up_across_calls_and_concurrent_writers(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    day = NOW.date()
    await bump(engine, day, [("business:a", "shown"), ("business:a", "shown"), ("business:b", "opened")])
    await asyncio.gather(*(bump(engine, day, [("business:a", "shown")]) for _ in range(5)))
    await bump(engine, day + dt.timedelta(days=1), [("business:a", "shown")])
    await bump(engine, day, [])
    async with sessions() as session:
        rows = {(r.subject, r.day, r.kind): r.count for r in await session.scalars(select(DailyCount))}
    assert rows == {
        ("business:a", day, "shown"): 7,
        ("business:b", day, "opened"): 1,
        ("business:a", day + dt.timedelta(days=1), "shown"): 1,
    }
