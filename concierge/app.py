"""Wiring: settings → database → search service. Everything a runtime needs, passed in, not imported."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from catalog.db import create_engine, session_factory, upgrade
from catalog.models import Business
from concierge.heap import refreeze_heap
from concierge.invalidation import IndexKeeper, origin_of, publish_change
from concierge.metrics import Metrics
from concierge.redis_state import shared_state
from concierge.search import SearchService, open_search
from concierge.settings import Settings
from concierge.state import StateStore

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    search: SearchService
    redis: Redis | None = None
    """Shared state for several workers (``CONCIERGE_REDIS_URL``); ``None`` runs on the database alone."""
    store: StateStore | None = None
    metrics: Metrics = field(default_factory=Metrics)
    keeper: IndexKeeper | None = None
    """Set while the catalogue is watched; rebuilds then go through it, so this worker's own poll does
    not rebuild a second time for an edit it made itself."""

    def use_bot_username(self, username: str) -> None:
        """The name Telegram gave for this token (getMe): every share link, inline result and page then
        names the bot people can really reach, whatever ``CONCIERGE_BOT_USERNAME`` says."""
        if username and username != self.settings.bot_username:
            self.settings = self.settings.model_copy(update={"bot_username": username})

    async def refresh_search(self) -> None:
        """Rebuilds the index after a catalogue edit and tells the other workers (over Redis, if any)."""
        if self.keeper is not None:
            await self.keeper.refresh(force=True)
        else:
            await self.rebuild_search()
        if self.redis is not None:
            await publish_change(self.redis, self.settings.redis_prefix, origin_of(self))

    async def rebuild_search(self) -> None:
        """This worker's index only (what the other workers do when told of an edit)."""
        self.search = await open_search(self.sessions, self.settings.default_language, previous=self.search)
        if gc.get_freeze_count():
            refreeze_heap()

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


async def open_app(settings: Settings, *, demo: bool = False, migrate: bool = True) -> App:
    """Migrate the database, load the demo neighbourhood when asked or when it is empty, build the index."""
    if migrate:
        await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        empty = not await session.scalar(select(func.count()).select_from(Business))
    if demo or empty:
        from catalog.demo import load_demo

        await load_demo(sessions)
    search = await open_search(sessions, settings.default_language)
    redis, store = shared_state(settings, engine)
    return App(settings, engine, sessions, search, redis, store)
