"""Aggregated daily usage counts (never per person): ``business:<id>`` shown / opened / mapped / shared
and ``campaign:<tag>`` start / question.

Counting must never cost a resident their answer or make it slower, so :class:`Counts` collects
increments in memory for a moment (:data:`LINGER`) and writes them in the background, one upsert per
batch; under load many answers share one transaction. Failures are logged and dropped. ``drain``
writes what is pending at once and waits for it (tests, shutdown: the runtimes call it on close).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.db import dialect_insert
from catalog.models import DailyCount

log = logging.getLogger(__name__)

Key = tuple[dt.date, str, str]


def business_subject(business_id: str) -> str:
    return f"business:{business_id}"


def campaign_subject(tag: str) -> str:
    return f"campaign:{tag}"


@cache
def _upsert(dialect: str) -> Any:
    """One statement per dialect, built once: executed with many rows, its compiled form is reused."""
    insert = dialect_insert(dialect)
    statement = insert(DailyCount)
    return statement.on_conflict_do_update(
        index_elements=[DailyCount.subject, DailyCount.day, DailyCount.kind],
        set_={"count": DailyCount.count + statement.excluded.count},
    )


async def write(engine: AsyncEngine, totals: Counter[Key]) -> None:
    """Adds ``totals`` (``(day, subject, kind) -> n``) in one transaction, on SQLite and PostgreSQL."""
    merged: Counter[Key] = Counter()
    for (day, subject, kind), n in totals.items():
        merged[(day, subject[:160], kind)] += n
    rows = [
        {"day": day, "subject": subject, "kind": kind, "count": n}
        for (day, subject, kind), n in sorted(merged.items())
        if n
    ]
    if not rows:
        return
    async with engine.begin() as connection:
        await connection.execute(_upsert(engine.dialect.name), rows)


async def bump(engine: AsyncEngine, day: dt.date, events: Iterable[tuple[str, str]]) -> None:
    """Adds one per ``(subject, kind)`` pair to ``day``'s counts, right away."""
    await write(engine, Counter((day, subject, kind) for subject, kind in events))


LINGER = 0.2
"""Seconds increments gather before they are written: under load, hundreds of answers share one
transaction instead of each paying for its own."""


class Counts:
    def __init__(self, engine: AsyncEngine, linger: float = LINGER) -> None:
        self._engine = engine
        self._linger = linger
        self._pending: Counter[Key] = Counter()
        self._writer: asyncio.Task[None] | None = None
        self._flush = asyncio.Event()

    def add(self, day: dt.date, events: Iterable[tuple[str, str]]) -> None:
        self._pending.update((day, subject, kind) for subject, kind in events)
        if self._pending and (self._writer is None or self._writer.done()):
            self._writer = asyncio.get_running_loop().create_task(self._write_all())

    async def _write_all(self) -> None:
        while self._pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._flush.wait(), self._linger)
            batch, self._pending = self._pending, Counter()
            try:
                await write(self._engine, batch)
            except (SQLAlchemyError, OSError):
                log.warning("could not store %d usage counts", sum(batch.values()), exc_info=True)

    async def drain(self) -> None:
        """Writes what has gathered now, without waiting out the linger."""
        self._flush.set()
        try:
            while self._writer is not None and not self._writer.done():
                await asyncio.shield(self._writer)
        finally:
            self._flush.clear()
