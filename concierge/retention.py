"""Data retention in the database: expired positions, questions and campaigns are erased, not just ignored.

Reads already treat expired values as absent (:mod:`concierge.state`); :func:`purge_expired` removes
them, and answered updates older than a day (:mod:`concierge.inbox`), so they are not kept longer than promised. Redis needs none of
this: its keys carry their own TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.models import UserState
from concierge.inbox import purge_done

log = logging.getLogger(__name__)

PURGE_SECONDS = 600


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
        await purge_done(connection, now)


async def purge_regularly(engine: AsyncEngine, stop: asyncio.Event) -> None:
    """Purges at start and every ``PURGE_SECONDS`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            await purge_expired(engine, dt.datetime.now(dt.UTC))
        except Exception as exc:
            log.warning("purging expired state failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_SECONDS)
