"""What the bot remembers about a resident, behind a narrow async interface.

Deliberately little: a language choice, a rounded position that expires, the last question for a
short while (for "More" and "Not what I meant") and the campaign a resident came in through. All of it
goes with ``forget``. The database implementation keeps it in ``UserState``; the Redis one
(:mod:`concierge.redis_state`) has the same methods.

Every event reads this state, and every question writes it, so both are kept to one round trip:
``load`` also returns the owner's guided flow in progress (which the owners' router checks on every
message), and the last questions of residents asked at the same moment are stored together
(:class:`concierge.group_commit.GroupCommit`). ``set_question`` still returns only once its question is stored, so a "More"
pressed on the answer works on any worker, and after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Table, bindparam, delete, literal_column, or_, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.db import dialect_insert
from catalog.models import FlowState, UserState
from concierge.group_commit import GroupCommit

_TABLE: Table = UserState.__table__  # type: ignore[assignment]
_FLOWS: Table = FlowState.__table__  # type: ignore[assignment]

POSITION_TTL = dt.timedelta(hours=24)
CAMPAIGN_TTL = dt.timedelta(hours=24)
QUESTION_TTL = dt.timedelta(minutes=30)
POSITION_DECIMALS = 3
"""Three decimals of a degree are roughly 100 m: enough to rank nearby shops, too coarse to find a home."""


def round_position(lat: float, lon: float) -> tuple[float, float]:
    return round(lat, POSITION_DECIMALS), round(lon, POSITION_DECIMALS)


def owner_flow_key(user_id: int) -> str:
    """The ``FlowState`` key of a person's guided flow (``concierge.flow_store.flow_key``)."""
    return f"owner:{user_id}"


@dataclass(frozen=True, slots=True)
class Profile:
    """A resident's state as of one moment; expired parts are already ``None``."""

    language: str | None = None
    position: tuple[float, float] | None = None
    question: str | None = None
    campaign: str | None = None
    flow: dict[str, Any] | None = None
    """The owner's guided flow in progress, as :mod:`concierge.flow_store` keeps it, read in the same
    round trip: the owners' router checks it on every message."""


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


QuestionItem = tuple[int, str, dt.datetime]
"""``(user_id, question, expires_at)``"""


class StateRow(NamedTuple):
    flow: Any
    user_id: int | None
    language: str | None
    lat: float | None
    lon: float | None
    position_expires_at: dt.datetime | None
    question: str | None
    question_expires_at: dt.datetime | None
    campaign: str | None
    campaign_expires_at: dt.datetime | None

    def profile(self, now: dt.datetime) -> Profile:
        flow = self.flow if isinstance(self.flow, dict) else None
        if self.user_id is None:
            return Profile(flow=flow)
        position = None
        if self.lat is not None and self.lon is not None and _valid(self.lat, self.position_expires_at, now):
            position = (self.lat, self.lon)
        return Profile(
            language=self.language or None,
            position=position,
            question=self.question if _valid(self.question, self.question_expires_at, now) else None,
            campaign=self.campaign if _valid(self.campaign, self.campaign_expires_at, now) else None,
            flow=flow,
        )


def _load_statement() -> Any:
    """The resident's row (the columns of :class:`StateRow`) and their guided flow in one query,
    whether or not either exists."""
    flow = select(_FLOWS.c.data).where(_FLOWS.c.key == bindparam("flow_key")).scalar_subquery()
    anchor = select(literal_column("1").label("one")).subquery()
    joined = anchor.outerjoin(_TABLE, _TABLE.c.user_id == bindparam("user_id"))
    columns = (_TABLE.c[name] for name in StateRow._fields[1:])
    return select(flow.label("flow"), *columns).select_from(joined)


_LOAD = _load_statement()


def sqlite_file(engine: AsyncEngine) -> str | None:
    """The file of a file-backed SQLite database (not ``:memory:`` or a URI), else None."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database.startswith((":", "file:")):
        return None
    return database


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _stored(moment: dt.datetime) -> str:
    """A moment as SQLAlchemy stores ``DateTime`` on SQLite: UTC wall-clock time, no offset."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="microseconds")


class SqliteFile:
    """The resident state straight from the SQLite file, around SQLAlchemy's async pool.

    Every event reads this state and every question writes it. Through the async engine each costs
    several hand-offs to aiosqlite's thread plus SQLAlchemy's own work, over 0.3 ms of the event
    loop's time per read. Here a read is one primary-key lookup in the loop's own thread (some 20 µs;
    in WAL mode a reader never waits for a writer, and this read-only connection never waits at all),
    and a batch of questions is one transaction in a worker thread. Whenever the file cannot be used
    this way (busy, missing, another schema), the methods return None or False and the caller goes
    through the engine as usual.
    """

    READ = str(_LOAD.compile(dialect=sqlite_dialect(paramstyle="named")))
    """The engine's own query; read to the end (``fetchall``), so no statement keeps holding a
    snapshot between events."""
    SAVE_QUESTION = (
        "INSERT INTO user_state (user_id, question, question_expires_at, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET question = excluded.question, "
        "question_expires_at = excluded.question_expires_at, updated_at = excluded.updated_at"
    )
    WAIT_FOR_WRITERS = 5.0
    """As the engine's ``busy_timeout``; only the worker thread waits, never the event loop."""

    def __init__(self, path: str) -> None:
        self._path = str(Path(path).resolve())
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None

    def read(self, user_id: int) -> StateRow | None:
        try:
            if self._reader is None:
                self._reader = sqlite3.connect(
                    f"{Path(self._path).as_uri()}?mode=ro",
                    uri=True,
                    timeout=0,
                    isolation_level=None,
                    check_same_thread=False,
                )
            parameters = {"flow_key": owner_flow_key(user_id), "user_id": user_id}
            (raw,) = self._reader.execute(self.READ, parameters).fetchall()
            flow, user, language, lat, lon, position_until, question, question_until, *campaign = raw
            return StateRow(
                json.loads(flow) if flow else None,
                user,
                language,
                lat,
                lon,
                _moment(position_until),
                question,
                _moment(question_until),
                campaign[0],
                _moment(campaign[1]),
            )
        except (sqlite3.Error, ValueError):
            return None

    async def save_questions(self, latest: dict[int, tuple[str, dt.datetime]]) -> bool:
        """One transaction for all of them; False when it did not happen (nothing was written)."""
        now = _stored(dt.datetime.now(dt.UTC))
        rows = [(user, question, _stored(until), now) for user, (question, until) in latest.items()]
        return await asyncio.to_thread(self._save, rows)

    def _save(self, rows: list[tuple[int, str, str, str]]) -> bool:
        """Runs in a worker thread; :class:`GroupCommit` runs one batch at a time."""
        try:
            if self._writer is None:
                self._writer = sqlite3.connect(
                    self._path,
                    timeout=self.WAIT_FOR_WRITERS,
                    isolation_level=None,
                    check_same_thread=False,
                )
                self._writer.execute("PRAGMA synchronous=NORMAL")
            with contextlib.closing(self._writer.cursor()) as cursor:
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    cursor.executemany(self.SAVE_QUESTION, rows)
                    cursor.execute("COMMIT")
                except BaseException:
                    cursor.execute("ROLLBACK")
                    raise
        except sqlite3.Error:
            return False
        return True


class DatabaseStateStore:
    """``StateStore`` over the ``user_state`` table; works on SQLite and PostgreSQL.

    Uses prebuilt Core statements on the engine rather than ORM sessions: every event reads this
    state, and the ORM's unit of work costs several times more than the one row it fetches.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = dialect_insert(engine.dialect.name)
        upsert = self._insert(_TABLE)
        self._save_questions = upsert.on_conflict_do_update(
            index_elements=[_TABLE.c.user_id],
            set_={
                "question": upsert.excluded.question,
                "question_expires_at": upsert.excluded.question_expires_at,
                "updated_at": upsert.excluded.updated_at,
            },
        )
        self._questions: GroupCommit[QuestionItem, None] = GroupCommit(self._write_questions)
        path = sqlite_file(engine)
        self._file = SqliteFile(path) if path else None

    async def load(self, user_id: int, now: dt.datetime) -> Profile:
        values = self._file.read(user_id) if self._file is not None else None
        if values is None:
            async with self._engine.connect() as connection:
                result = await connection.execute(
                    _LOAD, {"user_id": user_id, "flow_key": owner_flow_key(user_id)}
                )
                row = result.one()
            values = StateRow(*row)
        return values.profile(now)

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
        await self._questions.submit((user_id, question, expires_at))

    async def _write_questions(self, items: list[QuestionItem]) -> None:
        latest = {user_id: (question, expires_at) for user_id, question, expires_at in items}
        if self._file is not None and await self._file.save_questions(latest):
            return
        now = dt.datetime.now(dt.UTC)
        rows = [
            {"user_id": user_id, "question": question, "question_expires_at": expires_at, "updated_at": now}
            for user_id, (question, expires_at) in latest.items()
        ]
        async with self._engine.begin() as connection:
            await connection.execute(self._save_questions, rows)

    async def set_campaign(self, user_id: int, campaign: str, expires_at: dt.datetime) -> None:
        await self._upsert(user_id, campaign=campaign, campaign_expires_at=expires_at)

    async def forget(self, user_id: int) -> None:
        """Deletes the resident's row and any guided-flow state keyed ``<user_id>:…`` or ``…:<user_id>``.

        Questions of this worker still being written are waited for first, so none lands after the delete.
        """
        await self._questions.idle()
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
