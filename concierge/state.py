"""What the bot remembers about a resident, behind a narrow async interface.

Deliberately little: a language choice, a rounded position that expires, the last question for a
short while (for "More" and "Not what I meant") and the campaign a resident came in through. All of it
goes with ``forget``. The database implementation keeps it in ``UserState``; a Redis one can follow
with the same methods.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Table, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.models import FlowState, UserState

_TABLE: Table = UserState.__table__  # type: ignore[assignment]

POSITION_TTL = dt.timedelta(hours=24)
CAMPAIGN_TTL = dt.timedelta(hours=24)
QUESTION_TTL = dt.timedelta(minutes=30)
POSITION_DECIMALS = 3
"""Three decimals of a degree are roughly 100 m: enough to rank nearby shops, too coarse to find a home."""


def round_position(lat: float, lon: float) -> tuple[float, float]:
    return round(lat, POSITION_DECIMALS), round(lon, POSITION_DECIMALS)


@dataclass(frozen=True, slots=True)
class Profile:
    """A resident's state as of one moment; expired parts are already ``None``."""

    language: str | None = None
    position: tuple[float, float] | None = None
    question: str | None = None
    campaign: str | None = None


class StateStore(Protocol):
    async def load(self, user_id: int, now: dt.datetime) -> Profile: ...

    async def set_language(self, user_id: int, language: str) -> None: ...

    async def set_position(self, user_id: int, lat: float, lon: float, expires_at: dt.datetime) -> None:
        """Stores the position rounded with :func:`round_position`, whatever the caller passes."""

    async def set_question(self, user_id: int, question: str, expires_at: dt.datetime) -> None: ...

    async def set_campaign(self, user_id: int, campaign: str, expires_at: dt.datetime) -> None: ...

    async def forget(self, user_id: int) -> None: ...


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _valid(value: Any, expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    expiry = _aware(expires_at)
    return value is not None and expiry is not None and expiry > now


class DatabaseStateStore:
    """``StateStore`` over the ``user_state`` table; works on SQLite and PostgreSQL.

    Uses Core statements on the engine rather than ORM sessions: every event reads this state, and
    the ORM's unit of work costs several times more than the one row it fetches.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    async def load(self, user_id: int, now: dt.datetime) -> Profile:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(_TABLE).where(_TABLE.c.user_id == user_id))).first()
        if row is None:
            return Profile()
        position = None
        if row.lat is not None and row.lon is not None and _valid(row.lat, row.position_expires_at, now):
            position = (row.lat, row.lon)
        return Profile(
            language=row.language or None,
            position=position,
            question=row.question if _valid(row.question, row.question_expires_at, now) else None,
            campaign=row.campaign if _valid(row.campaign, row.campaign_expires_at, now) else None,
        )

    async def _upsert(self, user_id: int, **values: Any) -> None:
        values["updated_at"] = dt.datetime.now(dt.UTC)
        statement = self._insert(_TABLE).values(user_id=user_id, **values)
        async with self._engine.begin() as connection:
            await connection.execute(
                statement.on_conflict_do_update(index_elements=[_TABLE.c.user_id], set_=values)
            )

    async def set_language(self, user_id: int, language: str) -> None:
        await self._upsert(user_id, language=language)

    async def set_position(self, user_id: int, lat: float, lon: float, expires_at: dt.datetime) -> None:
        lat, lon = round_position(lat, lon)
        await self._upsert(user_id, lat=lat, lon=lon, position_expires_at=expires_at)

    async def set_question(self, user_id: int, question: str, expires_at: dt.datetime) -> None:
        await self._upsert(user_id, question=question, question_expires_at=expires_at)

    async def set_campaign(self, user_id: int, campaign: str, expires_at: dt.datetime) -> None:
        await self._upsert(user_id, campaign=campaign, campaign_expires_at=expires_at)

    async def forget(self, user_id: int) -> None:
        """Deletes the resident's row and any guided-flow state keyed ``<user_id>:…`` or ``…:<user_id>``."""
        async with self._engine.begin() as connection:
            await connection.execute(delete(UserState).where(UserState.user_id == user_id))
            await connection.execute(
                delete(FlowState).where(
                    or_(
                        FlowState.key == str(user_id),
                        FlowState.key.like(f"{user_id}:%"),
                        FlowState.key.like(f"%:{user_id}"),
                    )
                )
            )
