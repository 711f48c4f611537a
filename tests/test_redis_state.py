"""Resident state, update de-dup, the question limit and index invalidation, on Redis and on the database.

Everything runs on real SQLite/PostgreSQL (the ``database_url`` fixture) and a real Redis under a
prefix of each test's own; "Redis is down" means a client pointed at a port nobody listens on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from catalog.models import Base, Business, Product, UserState
from concierge.app import App, open_app
from concierge.conversation import Conversation
from concierge.events import AnswerCallback, AnswerInline, Event, SendText
from concierge.flow_store import flow_store
from concierge.i18n import translator
from concierge.invalidation import watch_catalogue
from concierge.ratelimit import SLOW_DOWN, MemoryLimiter, RedisLimiter
from concierge.redis_state import RedisStateStore, open_redis
from concierge.retention import purge_expired
from concierge.settings import Settings
from concierge.state import DatabaseStateStore
from tests.redis_support import PROPAGATION_BOUND, eventually, free_port, keys_mentioning, redis_prefix

__all__ = ["redis_prefix"]

USER = 987_654_321
NOW = dt.datetime.now(dt.UTC)


def settings_for(
    database_url: str, redis_url: str | None, prefix: str = "concierge:", **extra: Any
) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=prefix,
        **extra,
    )


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = open_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def down_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def event(kind: str, **fields: Any) -> Event:
    return Event(kind=kind, user_id=USER, chat_id=USER, language_code="en", **fields)  # type: ignore[arg-type]


async def talk(conversation: Conversation) -> None:
    """A resident who chose a language, shared a position and asked something."""
    await conversation.handle(event("button", text="lang:de", callback_id="1", message_id=1))
    await conversation.handle(event("location", lat=52.38627, lon=4.65513))
    await conversation.handle(event("text", text="desembrood"))
    await conversation.drain()


async def database_rows_mentioning(app: App, needle: str) -> list[str]:
    found = []
    async with app.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                if any(needle in str(value) for value in row):
                    found.append(table.name)
    return found


async def test_forgetme_deletes_the_resident_from_database_and_redis(
    database_url: str, redis_url: str, redis_prefix: str, redis: Redis
) -> None:
    app = await open_app(settings_for(database_url, redis_url, redis_prefix), demo=True)
    try:
        conversation = Conversation(app)
        await talk(conversation)
        assert await keys_mentioning(redis, str(USER))
        assert await database_rows_mentioning(app, str(USER))
        profile = await conversation.store.load(USER, dt.datetime.now(dt.UTC))
        assert profile.language == "de" and profile.position == (52.386, 4.655)

        replies = await conversation.handle(event("command", command="forgetme"))
        assert replies and isinstance(replies[0], SendText)

        assert await keys_mentioning(redis, str(USER)) == []
        assert await database_rows_mentioning(app, str(USER)) == []
    finally:
        await app.close()


async def test_forgetme_on_the_database_alone(database_url: str) -> None:
    app = await open_app(settings_for(database_url, None), demo=True)
    try:
        assert app.redis is None
        conversation = Conversation(app)
        await talk(conversation)
        assert await database_rows_mentioning(app, str(USER))
        await conversation.handle(event("command", command="forgetme"))
        assert await database_rows_mentioning(app, str(USER)) == []
    finally:
        await app.close()


async def test_positions_expire_in_redis_after_a_day(
    sqlite_url: str, redis_url: str, redis_prefix: str, redis: Redis
) -> None:
    app = await open_app(settings_for(sqlite_url, redis_url, redis_prefix), demo=True)
    try:
        await Conversation(app).handle(event("location", lat=52.38627, lon=4.65513))
        ttl = await redis.ttl(f"{redis_prefix}u:{USER}:pos")
        assert 23 * 3600 < ttl <= 24 * 3600
        async with app.engine.connect() as connection:
            stored = (
                await connection.execute(select(UserState.lat).where(UserState.user_id == USER))
            ).first()
        assert stored is None or stored.lat is None, "with Redis the position never reaches the database"
    finally:
        await app.close()


async def test_expired_positions_are_purged_from_the_database(database_url: str) -> None:
    app = await open_app(settings_for(database_url, None), demo=True)
    try:
        store = DatabaseStateStore(app.engine)
        await store.set_position(USER, 52.38627, 4.65513, NOW - dt.timedelta(seconds=1))
        await store.set_position(USER + 1, 52.38627, 4.65513, NOW + dt.timedelta(hours=24))
        await store.set_language(USER, "fr")
        assert (await store.load(USER, NOW)).position is None
        await purge_expired(app.engine, NOW)
        async with app.engine.connect() as connection:
            rows = {r.user_id: r for r in await connection.execute(select(UserState))}
        assert rows[USER].lat is None and rows[USER].position_expires_at is None
        assert rows[USER].language == "fr"
        assert rows[USER + 1].lat == 52.386
    finally:
        await app.close()


async def test_state_falls_back_to_the_database_when_redis_is_down(sqlite_url: str, down_url: str) -> None:
    app = await open_app(settings_for(sqlite_url, down_url), demo=True)
    try:
        assert isinstance(app.store, RedisStateStore)
        conversation = Conversation(app)
        await talk(conversation)
        replies = await conversation.handle(event("text", text="kaas"))
        assert replies and isinstance(replies[0], SendText)
        profile = await DatabaseStateStore(app.engine).load(USER, dt.datetime.now(dt.UTC))
        assert profile.language == "de" and profile.question == "kaas"
        assert (await conversation.store.load(USER, dt.datetime.now(dt.UTC))).question == "kaas"
    finally:
        await app.close()


@pytest.mark.parametrize("shared", [True, False])
async def test_a_flood_of_questions_gets_one_slow_down_and_nothing_else(
    sqlite_url: str, redis_url: str, redis_prefix: str, shared: bool
) -> None:
    settings = settings_for(sqlite_url, redis_url if shared else None, redis_prefix, question_limit=3)
    app = await open_app(settings, demo=True)
    try:
        workers = [Conversation(app), Conversation(app)] if shared else [Conversation(app)]
        replies = [await workers[i % len(workers)].handle(event("text", text="brood")) for i in range(8)]
        answered = [r for r in replies[:3] if r]
        assert len(answered) == 3
        slow = translator("en")(SLOW_DOWN)
        assert [type(r) for r in replies[3]] == [SendText] and slow in replies[3][0].html  # type: ignore[union-attr]
        assert all(r == [] for r in replies[4:])
        other = await workers[0].handle(Event(kind="text", user_id=USER + 5, chat_id=USER + 5, text="brood"))
        assert other and slow not in getattr(other[0], "html", "")
        pressed = await workers[0].handle(event("button", text="lang:nl", callback_id="9", message_id=3))
        assert isinstance(pressed[0], AnswerCallback), "only questions are limited"
    finally:
        await app.close()


@pytest.mark.parametrize("shared", [True, False])
async def test_one_flood_limit_counts_every_kind_of_update_with_one_notice(
    sqlite_url: str, redis_url: str, redis_prefix: str, shared: bool
) -> None:
    settings = settings_for(sqlite_url, redis_url if shared else None, redis_prefix, update_limit=4)
    app = await open_app(settings, demo=True)
    try:
        workers = [Conversation(app), Conversation(app)] if shared else [Conversation(app)]
        kinds = [
            event("command", command="help"),
            event("button", text="lang:en", callback_id="1", message_id=3),
            event("inline_query", text="brood", inline_query_id="7", chat_type="inline"),
            event("location", lat=52.38627, lon=4.65513),
        ]
        first = [await workers[i % len(workers)].handle(kinds[i]) for i in range(4)]
        assert all(first), "four updates of four kinds are answered"
        slow = translator("en")(SLOW_DOWN)
        button = await workers[0].handle(event("button", text="lang:en", callback_id="2", message_id=3))
        assert button == [AnswerCallback(slow)], "the fifth gets the one notice (as a button's answer)"
        later = [
            await workers[-1].handle(event("command", command="help")),
            await workers[0].handle(event("text", text="brood")),
            await workers[-1].handle(event("button", text="lang:en", callback_id="3", message_id=3)),
            await workers[0].handle(
                event("inline_query", text="brood", inline_query_id="8", chat_type="inline")
            ),
        ]
        assert later[:2] == [[], []], "then silence"
        assert later[2] == [AnswerCallback("")], "a button is still acknowledged, without a word"
        assert later[3] == [AnswerInline((), cache_time=0)], "an inline query gets no results"
        other = await workers[0].handle(
            Event(kind="command", command="help", user_id=USER + 9, chat_id=USER + 9)
        )
        assert other and slow not in getattr(other[0], "html", ""), "per person"
    finally:
        await app.close()


async def test_the_limit_counts_in_memory_while_redis_is_down(down_url: str) -> None:
    down = open_redis(down_url)
    try:
        limiter = RedisLimiter(down, MemoryLimiter(2, 60), "x:")
        assert [await limiter.hit(1) for _ in range(5)] == ["answer", "answer", "warn", "ignore", "ignore"]
    finally:
        await down.aclose()


async def add_product(app: App, business_id: str, name: str) -> None:
    async with app.sessions.begin() as session:
        business = await session.get(Business, business_id)
        assert business is not None
        session.add(Product(business_id=business_id, name=name, position=99))
        business.version += 1


def finds(app: App, business_id: str, question: str) -> bool:
    answer = app.search.ask(question, near=None, limit=3)
    return any(result.id == business_id for result in (*answer.results, *answer.more))


@pytest.mark.parametrize("with_redis", [True, False])
async def test_an_edit_on_one_worker_reaches_the_other(
    database_url: str, redis_url: str, redis_prefix: str, with_redis: bool
) -> None:
    settings = settings_for(database_url, redis_url if with_redis else None, redis_prefix)
    editor = await open_app(settings, demo=True)
    other = await open_app(settings)
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_catalogue(other, stop))
    try:
        business = next(b.id for b in editor.search.businesses() if "shop=bakery" in b.categories)
        assert not finds(other, business, "kombucha")
        await asyncio.sleep(0.1)
        await add_product(editor, business, "kombucha")
        await editor.refresh_search()
        assert finds(editor, business, "kombucha")

        async def visible() -> bool:
            return finds(other, business, "kombucha")

        await eventually(visible, within=PROPAGATION_BOUND)
    finally:
        stop.set()
        await asyncio.wait_for(watcher, 5)
        await other.close()
        await editor.close()


@pytest.mark.parametrize("with_redis", [True, False])
async def test_a_flow_started_on_another_worker_is_continued_here(
    database_url: str, redis_url: str, redis_prefix: str, with_redis: bool
) -> None:
    settings = settings_for(database_url, redis_url if with_redis else None, redis_prefix)
    started_on = await open_app(settings, demo=True)
    here = await open_app(settings)
    try:
        conversation = Conversation(here)
        await conversation.handle(event("text", text="brood"))
        await flow_store(started_on).save(USER, {"mode": "input", "input": "code"})
        stopped = await conversation.handle(event("command", command="cancel"))
        assert stopped == [SendText(translator("en")("Stopped. Nothing was saved."), remove_keyboard=True)], (
            "the flow was seen, though this worker has just answered a question"
        )
        assert await flow_store(started_on).load(USER) is None
    finally:
        await here.close()
        await started_on.close()


@pytest.mark.parametrize("with_redis", [True, False])
async def test_more_works_on_another_worker_right_after_the_answer(
    database_url: str, redis_url: str, redis_prefix: str, with_redis: bool
) -> None:
    settings = settings_for(database_url, redis_url if with_redis else None, redis_prefix)
    answering = await open_app(settings, demo=True)
    other = await open_app(settings)
    try:
        area = answering.search.area
        assert area is not None
        question = next(
            q
            for q in ("groente", "brood", "koffie", "bread", "coffee", "bakker")
            if answering.search.ask(q, near=area.center, lang_hint="en", limit=3).more
        )
        answer = await Conversation(answering).handle(event("text", text=question, message_id=5))
        more = next(
            button.data
            for reply in answer
            if isinstance(reply, SendText)
            for row in reply.buttons
            for button in row
            if button.data and button.data.startswith("more:")
        )
        pressed = await Conversation(other).handle(event("button", text=more, message_id=5, callback_id="9"))
        assert pressed[0] == AnswerCallback()
        assert isinstance(pressed[1], SendText) and pressed[1].edit_message_id == 5
    finally:
        await other.close()
        await answering.close()
