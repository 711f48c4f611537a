"""Each Telegram update is answered once, however often it is delivered and to however many workers.

A worker *claims* an update_id before handling it. Redis: ``SET NX`` with a short expiry while the
update is in progress, then a day-long "done" marker. Without Redis (or while it is down): a row in
``processed_updates``, whose primary key makes the second insert fail. When handling fails the claim
is released, so Telegram's redelivery is handled rather than dropped; a worker killed mid-update
leaves a Redis claim that expires after ``CLAIM_SECONDS``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.models import ProcessedUpdate

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60
DONE_SECONDS = 24 * 3600
"""Telegram stops redelivering long before a day has passed."""


class Deduplicator(Protocol):
    async def claim(self, update_id: int) -> bool:
        """True when this caller is the first to see ``update_id`` and must handle it."""

    async def done(self, update_id: int) -> None: ...

    async def release(self, update_id: int) -> None:
        """Handling failed: let a redelivery of ``update_id`` be handled."""


class DatabaseDeduplicator:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, update_id: int) -> bool:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(ProcessedUpdate).values(update_id=update_id, created_at=dt.datetime.now(dt.UTC))
                )
        except IntegrityError:
            return False
        return True

    async def done(self, update_id: int) -> None:
        return None

    async def release(self, update_id: int) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(delete(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id))


class RedisDeduplicator:
    """Redis first; the database when Redis cannot be reached."""

    def __init__(self, redis: Redis, fallback: DatabaseDeduplicator, prefix: str = "concierge:") -> None:
        self._redis = redis
        self._fallback = fallback
        self._prefix = prefix
        self._in_database: set[int] = set()

    def _key(self, update_id: int) -> str:
        return f"{self._prefix}update:{update_id}"

    async def claim(self, update_id: int) -> bool:
        try:
            return bool(await self._redis.set(self._key(update_id), "busy", nx=True, ex=CLAIM_SECONDS))
        except RedisError as exc:
            log.warning("redis unavailable, de-duplicating in the database: %s", type(exc).__name__)
        claimed = await self._fallback.claim(update_id)
        if claimed:
            self._in_database.add(update_id)
        return claimed

    async def done(self, update_id: int) -> None:
        if update_id in self._in_database:
            self._in_database.discard(update_id)
            return
        with contextlib.suppress(RedisError):
            await self._redis.set(self._key(update_id), "done", ex=DONE_SECONDS)

    async def release(self, update_id: int) -> None:
        if update_id in self._in_database:
            self._in_database.discard(update_id)
            await self._fallback.release(update_id)
            return
        with contextlib.suppress(RedisError):
            await self._redis.delete(self._key(update_id))


def deduplicator(engine: AsyncEngine, redis: Redis | None, prefix: str) -> Deduplicator:
    database = DatabaseDeduplicator(engine)
    return database if redis is None else RedisDeduplicator(redis, database, prefix)
