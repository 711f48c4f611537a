"""Where a guided flow in progress is kept, so it survives a restart and a switch of runtime.

A narrow async interface with a database implementation over ``FlowState``; a Redis implementation
can take over with the same three methods. Keys are ``owner:<user_id>``, which ``/forgetme`` clears.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.models import FlowState


def flow_key(user_id: int) -> str:
    return f"owner:{user_id}"


class FlowStore(Protocol):
    async def load(self, key: str) -> dict[str, Any] | None: ...

    async def save(self, key: str, data: dict[str, Any]) -> None: ...

    async def clear(self, key: str) -> None: ...


class DatabaseFlowStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def load(self, key: str) -> dict[str, Any] | None:
        async with self._sessions() as session:
            row = await session.get(FlowState, key)
            return dict(row.data) if row is not None else None

    async def save(self, key: str, data: dict[str, Any]) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(FlowState, key)
            if row is None:
                session.add(FlowState(key=key, data=data))
            else:
                row.data = data

    async def clear(self, key: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(FlowState).where(FlowState.key == key))
