"""Data retention in the database: expired positions, questions and campaigns are erased, not just ignored.

Reads already treat expired values as absent (:mod:`concierge.state`); :func:`purge_expired` removes
them, answered updates older than a day (:mod:`concierge.inbox`) and ended unmet-demand periods
(their hash key and marks go, see :mod:`concierge.demand`), so they are not kept longer than promised.
It runs with the periodic jobs (:mod:`concierge.jobs`). Redis needs none of
this: its keys carry their own TTL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.models import UserState
from concierge.demand import close_ended
from concierge.inbox import purge_done


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
    await close_ended(engine, now)
