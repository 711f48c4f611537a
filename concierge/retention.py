"""Data retention in the database: expired positions, questions and campaigns are erased, not just ignored.

Reads already treat expired values as absent (:mod:`concierge.state`); :func:`purge_expired` removes
them, and old update-deduplication rows, so they are not kept longer than promised; it also closes
ended unmet-demand periods (their hash key and marks go, see :mod:`concierge.demand`). It runs with
the periodic jobs (:mod:`concierge.jobs`). Redis needs none of
this: its keys carry their own TTL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.models import ProcessedUpdate, UserState
from concierge.dedup import DONE_SECONDS
from concierge.demand import close_ended


async def purge_expired(engine: AsyncEngine, now: dt.datetime) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(UserState)
            .where(UserState.position_expires_at <= now)
            .values(lat=None, lon=None, position_expires_at=None)
        )
        await connection.execute(
            update(UserState)
            .where(UserState.question_expires_at <= now)
            .values(question=None, question_expires_at=None)
        )
        await connection.execute(
            update(UserState)
            .where(UserState.campaign_expires_at <= now)
            .values(campaign=None, campaign_expires_at=None)
        )
        await connection.execute(
            delete(ProcessedUpdate).where(
                ProcessedUpdate.created_at <= now - dt.timedelta(seconds=DONE_SECONDS)
            )
        )
    await close_ended(engine, now)
