"""The database state store and the usage counts, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from catalog.db import create_engine, session_factory
from catalog.models import DailyCount, FlowState, UserState
from concierge.conversation.counts import bump
from concierge.group_commit import GroupCommit
from concierge.state import DatabaseStateStore, Profile, SqliteFile

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


async def test_load_brings_the_owner_flow_along(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    store = DatabaseStateStore(engine)
    async with sessions.begin() as session:
        session.add_all(
            [FlowState(key="owner:42", data={"mode": "input", "input": "code"}), FlowState(key="42")]
        )
    assert await store.load(42, NOW) == Profile(flow={"mode": "input", "input": "code"})
    await store.set_language(42, "de")
    assert await store.load(42, NOW) == Profile("de", flow={"mode": "input", "input": "code"})
    assert await store.load(43, NOW) == Profile(), "only the person's own owner flow"


async def test_the_engine_reads_the_same_as_the_sqlite_file(engine: AsyncEngine) -> None:
    """On SQLite the state is read and written in the file directly; whenever that fails, through the
    engine."""
    store = DatabaseStateStore(engine)
    await store.set_language(42, "fr")
    await store.set_position(42, 52.0912345, 5.1126789, NOW + DAY)
    await store.set_question(42, "kaas", NOW + dt.timedelta(minutes=30))
    expected = Profile("fr", (52.091, 5.113), "kaas")
    assert await store.load(42, NOW) == expected
    file = store._file
    store._file = SqliteFile("/nonexistent/concierge.db")
    assert SqliteFile("/nonexistent/concierge.db").read(42) is None
    assert await store.load(42, NOW) == expected
    await store.set_question(42, "brood", NOW + dt.timedelta(minutes=30))
    expected = Profile("fr", (52.091, 5.113), "brood")
    assert await store.load(42, NOW) == expected
    if file is not None:
        store._file = file
        assert await store.load(42, NOW) == expected
        assert await store.load(42, NOW + dt.timedelta(hours=1)) == Profile("fr", (52.091, 5.113))


async def test_questions_asked_at_once_are_each_stored_and_the_last_one_wins(engine: AsyncEngine) -> None:
    store = DatabaseStateStore(engine)
    until = NOW + dt.timedelta(minutes=30)
    await asyncio.gather(
        *(store.set_question(user, f"vraag {user}", until) for user in range(100, 140)),
        store.set_question(42, "eerste", until),
        store.set_question(42, "tweede", until),
    )
    for user in range(100, 140):
        assert (await store.load(user, NOW)).question == f"vraag {user}"
    assert (await store.load(42, NOW)).question == "tweede"


async def test_a_failed_question_write_fails_every_question_in_it(engine: AsyncEngine) -> None:
    store = DatabaseStateStore(engine)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE user_state"))
    outcomes = await asyncio.gather(
        *(store.set_question(user, "kaas", NOW) for user in range(3)), return_exceptions=True
    )
    assert all(isinstance(outcome, SQLAlchemyError) for outcome in outcomes), outcomes


async def test_forget_waits_for_a_question_still_being_written(engine: AsyncEngine) -> None:
    store = DatabaseStateStore(engine)
    await store.set_language(42, "nl")
    writing = asyncio.create_task(store.set_question(42, "kaas", NOW + DAY))
    await asyncio.sleep(0)
    await store.forget(42)
    await writing
    assert await store.load(42, NOW) == Profile()


async def test_group_commit_writes_in_batches_and_idle_waits_for_them() -> None:
    batches: list[list[int]] = []
    writing = asyncio.Event()
    release = asyncio.Event()

    async def write(items: list[int]) -> list[str]:
        writing.set()
        await release.wait()
        batches.append(items)
        return [f"stored {n}" for n in items]

    group: GroupCommit[int, str] = GroupCommit(write)
    first = asyncio.create_task(group.submit(1))
    await writing.wait()
    rest = [asyncio.create_task(group.submit(n)) for n in (2, 3, 4)]
    idle = asyncio.create_task(group.idle())
    await asyncio.sleep(0)
    assert not first.done() and not idle.done()
    release.set()
    results = await asyncio.gather(first, *rest)
    await idle
    assert batches == [[1], [2, 3, 4]]
    assert results == ["stored 1", "stored 2", "stored 3", "stored 4"], "each submit gets its own result"


async def test_group_commit_hands_a_failed_batch_its_error_and_writes_the_next() -> None:
    batches: list[list[int]] = []

    async def write(items: list[int]) -> None:
        batches.append(items)
        if 2 in items:
            raise OSError("disk full")

    group: GroupCommit[int, None] = GroupCommit(write)
    failed = await asyncio.gather(group.submit(1), group.submit(2), return_exceptions=True)
    assert [type(result) for result in failed] == [OSError, OSError]
    assert await group.submit(3) is None
    assert batches == [[1, 2], [3]]
