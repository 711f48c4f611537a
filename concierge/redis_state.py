"""The resident state store on Redis, for several workers sharing one conversation.

Implements :class:`concierge.state.StateStore`. Each short-lived item is its own key with a native TTL
(a rounded position for 24 h, the last question for 30 minutes, a campaign), so Redis itself forgets
them on time. The language choice is durable: it is written to the database too and cached in Redis.
``load`` reads all of them and the owner's flow in progress with one MGET; the last questions of
residents asked at the same moment are stored with one pipeline (:class:`concierge.group_commit.GroupCommit`).
The redis library is imported where a client is used: a worker without Redis does not pay for its
import (about 7 MB with what it pulls in).

When Redis cannot be reached, every method falls back to the database store, so questions keep being
answered; ``forget`` always clears both and fails loudly if Redis is down, because a deletion that only
half happened must not be reported as done.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from concierge.group_commit import GroupCommit
from concierge.settings import Settings
from concierge.state import (
    DatabaseStateStore,
    Profile,
    QuestionItem,
    StateStore,
    round_position,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

LANGUAGE_CACHE = dt.timedelta(days=7)
FIELDS = ("lang", "pos", "q", "c")
"""Per-resident keys ``{prefix}u:{user_id}:{field}``; ``rl`` (rate limit) and ``flow:*`` live beside them."""
OWNER_FLOW = "flow:owner"
"""The owner's guided flow (``concierge.flow_store.RedisFlowStore``), read along with the state."""


def open_redis(url: str) -> Redis:
    """A client that fails fast: a Redis outage must cost milliseconds per event, not seconds."""
    from redis.asyncio import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=10,
    )


def user_prefix(prefix: str, user_id: int) -> str:
    return f"{prefix}u:{user_id}:"


def _seconds_until(moment: dt.datetime) -> int:
    return max(1, int((moment - dt.datetime.now(dt.UTC)).total_seconds()))


class RedisStateStore:
    def __init__(self, redis: Redis, database: DatabaseStateStore, prefix: str = "concierge:") -> None:
        self._redis = redis
        self._database = database
        self._prefix = prefix
        self._questions: GroupCommit[QuestionItem, None] = GroupCommit(self._write_questions)

    def _key(self, user_id: int, field: str) -> str:
        return f"{user_prefix(self._prefix, user_id)}{field}"

    async def load(self, user_id: int, now: dt.datetime) -> Profile:
        """While Redis is down: the database's state and no flow (as ``RedisFlowStore`` sees it then)."""
        from redis.exceptions import RedisError  # imported only by workers that use Redis

        keys = [self._key(user_id, f) for f in (*FIELDS, OWNER_FLOW)]
        try:
            lang, pos, question, campaign, flow = cast(list[str | None], await self._redis.mget(keys))
            if lang is None:
                lang = (await self._database.load(user_id, now)).language or ""
                await self._redis.set(self._key(user_id, "lang"), lang, ex=LANGUAGE_CACHE)
        except RedisError as exc:
            log.warning("redis unavailable, state from the database: %s", type(exc).__name__)
            return dataclasses.replace(await self._database.load(user_id, now), flow=None)
        position = None
        if pos:
            lat, lon = pos.split(",")
            position = (float(lat), float(lon))
        return Profile(
            language=lang or None,
            position=position,
            question=question,
            campaign=campaign,
            flow=_flow(flow),
        )

    async def _set(self, user_id: int, field: str, value: str, expires_at: dt.datetime) -> bool:
        """True when Redis took it; False means the caller should write the database instead."""
        from redis.exceptions import RedisError  # imported only by workers that use Redis

        try:
            await self._redis.set(self._key(user_id, field), value, ex=_seconds_until(expires_at))
        except RedisError as exc:
            log.warning("redis unavailable, state to the database: %s", type(exc).__name__)
            return False
        return True

    async def set_language(self, user_id: int, language: str) -> None:
        from redis.exceptions import RedisError  # imported only by workers that use Redis

        await self._database.set_language(user_id, language)
        try:
            await self._redis.set(self._key(user_id, "lang"), language, ex=LANGUAGE_CACHE)
        except RedisError as exc:
            log.warning("redis unavailable, language only in the database: %s", type(exc).__name__)

    async def set_position(self, user_id: int, lat: float, lon: float, expires_at: dt.datetime) -> None:
        lat, lon = round_position(lat, lon)
        if not await self._set(user_id, "pos", f"{lat},{lon}", expires_at):
            await self._database.set_position(user_id, lat, lon, expires_at)

    async def set_question(self, user_id: int, question: str, expires_at: dt.datetime) -> None:
        await self._questions.submit((user_id, question, expires_at))

    async def _write_questions(self, items: list[QuestionItem]) -> None:
        from redis.exceptions import RedisError  # imported only by workers that use Redis

        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for user_id, question, expires_at in items:
                    pipe.set(self._key(user_id, "q"), question, ex=_seconds_until(expires_at))
                await pipe.execute()
        except RedisError as exc:
            log.warning("redis unavailable, questions to the database: %s", type(exc).__name__)
            await asyncio.gather(*(self._database.set_question(*item) for item in items))

    async def set_campaign(self, user_id: int, campaign: str, expires_at: dt.datetime) -> None:
        if not await self._set(user_id, "c", campaign, expires_at):
            await self._database.set_campaign(user_id, campaign, expires_at)

    async def forget(self, user_id: int) -> None:
        await self._questions.idle()
        await self._database.forget(user_id)
        await forget_in_redis(self._redis, self._prefix, user_id)


def _flow(raw: str | None) -> dict[str, Any] | None:
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def forget_in_redis(redis: Redis, prefix: str, user_id: int) -> None:
    """Deletes every key under the resident's prefix (state, rate limit, flows); raises if Redis is down."""
    keys: list[Any] = [
        key async for key in redis.scan_iter(match=f"{user_prefix(prefix, user_id)}*", count=500)
    ]
    if keys:
        await redis.delete(*keys)


def shared_state(settings: Settings, engine: AsyncEngine) -> tuple[Redis | None, StateStore]:
    """The Redis client and state store ``open_app`` wires in: Redis when configured, else the database."""
    database = DatabaseStateStore(engine)
    if not settings.redis_url:
        return None, database
    redis = open_redis(settings.redis_url)
    return redis, RedisStateStore(redis, database, settings.redis_prefix)
