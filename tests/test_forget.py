"""/forgetme leaves nothing: a walk over every table of the schema (SQLAlchemy metadata) and every
Redis key finds the person's id nowhere, after a resident's and an owner's life with the bot."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from catalog import ownership
from catalog.models import Base
from concierge.app import App, open_app
from concierge.deeplinks import short_ref
from concierge.redis_state import open_redis
from concierge.routing import Conversation
from tests.redis_support import keys_mentioning, redis_prefix
from tests.test_owner_support import Chat, owner_settings

__all__ = ["redis_prefix"]

PERSON = 7_613_577_001
"""An id no other test uses, so finding it anywhere means it was left behind."""
BAKERY = "bakkerij-de-gouden-korst"
DELI = "delicatessen-bellini"


@pytest.fixture
async def app(database_url: str, redis_url: str, redis_prefix: str) -> AsyncIterator[App]:
    settings = owner_settings(database_url).model_copy(
        update={"redis_url": redis_url, "redis_prefix": redis_prefix}
    )
    opened = await open_app(settings, demo=True)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = open_redis(redis_url)
    yield client
    await client.aclose()


def mentions(value: Any, needle: str) -> bool:
    if value is None or isinstance(value, bool | float | dt.date | dt.datetime):
        return False
    if isinstance(value, int):
        return str(value) == needle
    if isinstance(value, bytes):
        return needle.encode() in value
    if isinstance(value, dict | list):
        return needle in json.dumps(value)
    return needle in str(value)


async def rows_naming(app: App, person: int) -> list[str]:
    """``table.column`` of every stored value that is or contains ``person``'s id, in the whole schema."""
    found = []
    async with app.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                for column, value in row._mapping.items():
                    if mentions(value, str(person)):
                        found.append(f"{table.name}.{column}")
    return found


async def live_a_life(app: App, chat: Chat) -> None:
    """A resident's and an owner's traces: language, position, a question, More, a report, an owned
    business with an invite, a claim on another one, a half-done owner flow."""
    async with app.sessions.begin() as session:
        await ownership.add_role(session, BAKERY, PERSON, "owner", "en")
        await ownership.create_invite(session, BAKERY, PERSON, "staff", dt.datetime.now(dt.UTC))
        await ownership.request_claim(session, DELI, PERSON, "en")
    await chat.cmd("language")
    await chat.data("lang:en")
    await chat.location(52.3812, 4.6365)
    await chat.send("brood")
    await chat.data(f"rep:{short_ref(DELI)}:closed")
    await chat.cmd("mybusiness")
    await chat.press("Add another business")
    await chat.send("Een nieuwe winkel")


async def test_forgetme_leaves_no_trace_in_any_table_or_key(app: App, redis: Redis) -> None:
    chat = Chat(Conversation(app), PERSON, "en")
    await live_a_life(app, chat)
    assert await rows_naming(app, PERSON), "the walk finds what is there"
    assert await keys_mentioning(redis, str(PERSON))
    await chat.cmd("forgetme")
    await chat.cmd("cancel")  # a flow in progress does not hold /forgetme up
    await chat.cmd("forgetme")
    assert "deleted everything" in chat.said()
    await Conversation(app).drain()
    assert await rows_naming(app, PERSON) == []
    assert await keys_mentioning(redis, str(PERSON)) == []
    assert app.search.business(BAKERY) is not None, "the listing is the business's, it stays"


async def test_deleting_the_only_business_then_forgetme_leaves_no_trace(app: App, redis: Redis) -> None:
    chat = Chat(Conversation(app), PERSON, "en")
    await live_a_life(app, chat)
    await chat.cmd("cancel")
    await chat.data(f"o:del:{short_ref(BAKERY)}")
    assert "is deleted" in chat.said()
    assert "owners.user_id" not in await rows_naming(app, PERSON), "no owner without a business"
    await chat.cmd("forgetme")
    assert "deleted everything" in chat.said()
    assert await rows_naming(app, PERSON) == []
    assert await keys_mentioning(redis, str(PERSON)) == []
