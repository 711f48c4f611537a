"""Keeps every worker's in-memory search index in step with the shared catalogue.

The worker that changes the catalogue calls ``App.refresh_search`` (its unit of work does, after the
commit: :mod:`concierge.uow`): it rebuilds its own index and
publishes on the Redis channel ``{prefix}catalog`` (:func:`publish_change`), which
:func:`watch_catalogue` on every other worker listens to. Independently of Redis, each worker polls a cheap watermark of the catalogue
(counts, newest ``updated_at``, sum of versions) every ``POLL_SECONDS``, which catches edits made
without an announcement (an import, a database console) and keeps working while Redis is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.models import Business, Product
from concierge.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
"""A quarter of the promised second, so a poll plus an index rebuild on a busy machine still lands
within it; the check is one aggregate query over two tables."""


def channel(prefix: str) -> str:
    return f"{prefix}catalog"


async def watermark(engine: AsyncEngine) -> tuple[Any, ...]:
    """Changes whenever a business or product is added, removed or edited (bumping updated_at/version)."""
    async with engine.connect() as connection:
        businesses = (
            await connection.execute(
                select(func.count(), func.max(Business.updated_at), func.sum(Business.version))
            )
        ).one()
        products = (await connection.execute(select(func.count(), func.max(Product.id)))).one()
    return (*businesses, *products)


class App(Protocol):
    """What this module needs of ``concierge.app.App``, which owns an index keeper (so the app
    imports this module, and this module names only the part of the app it uses)."""

    settings: Settings
    engine: AsyncEngine
    redis: Redis | None
    keeper: IndexKeeper | None

    async def rebuild_search(self) -> None: ...


class IndexKeeper:
    """Rebuilds ``app``'s index when the watermark moved; one rebuild at a time.

    The watermark is read before each rebuild, and the first check always rebuilds: an edit made
    between ``open_app`` and the first check is never missed (at the price of one early rebuild).
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self.seen: tuple[Any, ...] | None = None
        self._lock = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> bool:
        async with self._lock:
            mark = await watermark(self.app.engine)
            if not force and mark == self.seen:
                return False
            await self.app.rebuild_search()
            self.seen = mark
            return True


def origin_of(app: App) -> str:
    """Names the publishing worker, so it does not rebuild a second time on its own message."""
    return f"{os.getpid()}:{id(app)}"


async def publish_change(redis: Redis, prefix: str, origin: str) -> None:
    """Tells the other workers to rebuild; while Redis is down they notice by polling instead."""
    from redis.exceptions import RedisError  # imported only by workers that use Redis

    try:
        await redis.publish(channel(prefix), origin)
    except RedisError as exc:
        log.warning(
            "redis unavailable, other workers will notice the edit by polling: %s", type(exc).__name__
        )


async def _poll(keeper: IndexKeeper, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await keeper.refresh()
        except Exception as exc:
            log.warning("catalogue watermark check failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_SECONDS)


async def _listen(keeper: IndexKeeper, redis: Redis, stop: asyncio.Event) -> None:
    from redis.exceptions import RedisError  # imported only by workers that use Redis

    name = channel(keeper.app.settings.redis_prefix)
    own = origin_of(keeper.app)
    while not stop.is_set():
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(name)
            while not stop.is_set():
                message = await pubsub.get_message(timeout=0.5)
                if message is not None and message.get("data") != own:
                    await keeper.refresh(force=True)
        except (RedisError, OSError) as exc:
            log.warning("catalogue channel lost, retrying: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
        finally:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()


async def watch_catalogue(app: App, stop: asyncio.Event, keeper: IndexKeeper | None = None) -> None:
    """Runs until ``stop`` is set: polling always, the Redis channel when Redis is configured."""
    keeper = keeper or IndexKeeper(app)
    app.keeper = keeper
    tasks = [_poll(keeper, stop)]
    if app.redis is not None:
        tasks.append(_listen(keeper, app.redis, stop))
    await asyncio.gather(*tasks)
