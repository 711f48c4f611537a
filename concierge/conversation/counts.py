"""Aggregated daily usage counts (never per person), as one upsert per subject and kind.

Counting must never cost a resident their answer, so failures are logged and swallowed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.models import DailyCount

log = logging.getLogger(__name__)


def business_subject(business_id: str) -> str:
    return f"business:{business_id}"


def campaign_subject(tag: str) -> str:
    return f"campaign:{tag}"


async def bump(
    sessions: async_sessionmaker[AsyncSession], day: dt.date, events: Iterable[tuple[str, str]]
) -> None:
    """Adds one per ``(subject, kind)`` pair to today's counts; works on SQLite and PostgreSQL."""
    totals = Counter(events)
    if not totals:
        return
    try:
        async with sessions.begin() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            for (subject, kind), n in sorted(totals.items()):
                statement = insert(DailyCount).values(subject=subject[:160], day=day, kind=kind, count=n)
                await session.execute(
                    statement.on_conflict_do_update(
                        index_elements=[DailyCount.subject, DailyCount.day, DailyCount.kind],
                        set_={"count": DailyCount.count + n},
                    )
                )
    except (SQLAlchemyError, OSError):
        log.warning("could not store usage counts", exc_info=True)
