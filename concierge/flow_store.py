"""Where a guided flow in progress is kept, so it survives a restart and a switch of runtime.

One flow per person, as a JSON-able dict. In the database (``FlowState``, key ``owner:<user_id>``) by
default; in Redis when ``CONCIERGE_REDIS_URL`` is set, under the person's own key prefix
(``…u:<user_id>:flow:owner``), so that several workers share it. ``/forgetme`` clears both.
The owners' flows and the moderators' input modes both keep their step here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.models import FlowState
from concierge.app import App
from concierge.redis_state import OWNER_FLOW, user_prefix
from concierge.state import owner_flow_key

if TYPE_CHECKING:
    from redis.asyncio import Redis

FLOW_TTL = dt.timedelta(days=30)
"""A flow left alone this long is forgotten in Redis (the database keeps it until /forgetme)."""


flow_key = owner_flow_key


class FlowStore(Protocol):
    async def load(self, user_id: int) -> dict[str, Any] | None: ...

    async def save(self, user_id: int, data: dict[str, Any]) -> None: ...

    async def clear(self, user_id: int) -> None: ...


class DatabaseFlowStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def load(self, user_id: int) -> dict[str, Any] | None:
        async with self._sessions() as session:
            row = await session.get(FlowState, flow_key(user_id))
            return dict(row.data) if row is not None else None

    async def save(self, user_id: int, data: dict[str, Any]) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(FlowState, flow_key(user_id))
            if row is None:
                session.add(FlowState(key=flow_key(user_id), data=data))
            else:
                row.data = data

    async def clear(self, user_id: int) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(FlowState).where(FlowState.key == flow_key(user_id)))


class RedisFlowStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, user_id: int) -> str:
        return f"{user_prefix(self._prefix, user_id)}{OWNER_FLOW}"

    async def load(self, user_id: int) -> dict[str, Any] | None:
        """While Redis is down: no flow, so residents' questions are still answered from the database
        (every text looks here first); saving a step then fails with the conversation's "try again"."""
        from redis.exceptions import RedisError  # imported only by workers that use Redis

        try:
            raw = await self._redis.get(self._key(user_id))
        except RedisError:
            return None
        if not raw:
            return None
        data = json.loads(raw)
        return data if isinstance(data, dict) else None

    async def save(self, user_id: int, data: dict[str, Any]) -> None:
        await self._redis.set(self._key(user_id), json.dumps(data), ex=int(FLOW_TTL.total_seconds()))

    async def clear(self, user_id: int) -> None:
        await self._redis.delete(self._key(user_id))


def flow_store(app: App) -> FlowStore:
    if app.redis is not None:
        return RedisFlowStore(app.redis, app.settings.redis_prefix)
    return DatabaseFlowStore(app.sessions)
