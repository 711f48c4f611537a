"""The inbox: every Telegram update is recorded here before Telegram is told it arrived.

The delivery contract (docs/delivery.md) in the database, the same on SQLite and PostgreSQL and for
every worker:

- :func:`record` stores an update (a redelivery changes nothing). Only after it returns does the
  webhook answer 200 or long polling move its offset; when it fails, Telegram keeps the update and
  delivers it again.
- :func:`claim` leases the oldest unfinished update of each chat to one worker for :data:`LEASE`.
  The worker renews the lease while it works (:func:`renew`); a worker killed mid-update stops
  renewing, and another one (or the restarted one) takes the update after the lease.
- :func:`finish` marks the update done and writes its replies to the outbox (:mod:`concierge.outbox`)
  in one transaction, so an update is either still to do or answered-to-be, never half. Done rows keep
  only the update id (no body, no chat) and stay a day (:data:`KEEP_DONE`), so late redeliveries are still recognised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from catalog.db import dialect_insert
from catalog.models import InboxUpdate, OutboxCall
from concierge.outbox import LEASE as OUTBOX_LEASE
from concierge.outbox import Outgoing, Pending, add_calls

LEASE = dt.timedelta(seconds=10)
"""How long a claim holds without renewal: the wait before another worker takes over after kill -9."""
KEEP_DONE = dt.timedelta(days=1)
"""Telegram stops redelivering long before a day has passed."""


@dataclass(frozen=True, slots=True)
class Arrival:
    update_id: int
    chat_key: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Finished:
    update_id: int
    calls: Sequence[Outgoing]


def _insert(connection: AsyncConnection) -> Any:
    return dialect_insert(connection.dialect.name)


async def record(engine: AsyncEngine, arrivals: Sequence[Arrival], now: dt.datetime) -> set[int]:
    """Stores the updates that are new and returns their ids (the others were delivered before);
    raises, and stores nothing, when the database cannot."""
    async with engine.begin() as connection:
        return await _record(connection, arrivals, now)


async def record_and_claim(
    engine: AsyncEngine, arrivals: Sequence[Arrival], owner: str, now: dt.datetime, limit: int
) -> tuple[set[int], list[Arrival]]:
    """:func:`record`, and in the same transaction :func:`claim` those of them that are next in their
    chat: the common case (a chat with nothing pending) costs one transaction, not two."""
    async with engine.begin() as connection:
        new = await _record(connection, arrivals, now)
        claimed = await _claim(connection, owner, now, (), limit, among=new) if new and limit > 0 else []
        return new, claimed


async def _record(connection: AsyncConnection, arrivals: Sequence[Arrival], now: dt.datetime) -> set[int]:
    if not arrivals:
        return set()
    rows = [
        {"update_id": a.update_id, "chat_key": a.chat_key, "body": a.body, "received_at": now}
        for a in {a.update_id: a for a in arrivals}.values()
    ]
    statement = (
        _insert(connection)(InboxUpdate)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(InboxUpdate.update_id)
    )
    result = await connection.execute(statement, rows)
    return {int(update_id) for update_id in result.scalars()}


async def claim(
    engine: AsyncEngine, owner: str, now: dt.datetime, busy: Collection[int] = (), limit: int = 256
) -> list[Arrival]:
    """Leases to ``owner`` the oldest unfinished update of each chat whose lease is free or expired.

    ``busy`` are updates this worker is still handling (their lease may have lapsed while the
    database was locked): they are not taken twice.
    """
    async with engine.begin() as connection:
        return await _claim(connection, owner, now, busy, limit)


async def _claim(
    connection: AsyncConnection,
    owner: str,
    now: dt.datetime,
    busy: Collection[int],
    limit: int,
    among: Collection[int] | None = None,
) -> list[Arrival]:
    earlier = aliased(InboxUpdate)
    free = or_(InboxUpdate.lease_until.is_(None), InboxUpdate.lease_until < now)
    heads = (
        select(InboxUpdate.update_id)
        .where(
            InboxUpdate.done_at.is_(None),
            free,
            ~exists().where(
                and_(
                    earlier.chat_key == InboxUpdate.chat_key,
                    earlier.done_at.is_(None),
                    earlier.update_id < InboxUpdate.update_id,
                )
            ),
        )
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    if busy:
        heads = heads.where(InboxUpdate.update_id.notin_(list(busy)))
    if among is not None:
        heads = heads.where(InboxUpdate.update_id.in_(list(among)))
    ids = list((await connection.execute(heads)).scalars())
    if not ids:
        return []
    result = await connection.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id.in_(ids), InboxUpdate.done_at.is_(None), free)
        .values(lease_owner=owner, lease_until=now + LEASE)
        .returning(InboxUpdate.update_id, InboxUpdate.chat_key, InboxUpdate.body)
    )
    claimed = [Arrival(int(row[0]), int(row[1]), dict(row[2])) for row in result]
    return sorted(claimed, key=lambda a: a.update_id)


async def finish(
    engine: AsyncEngine, owner: str, finished: Sequence[Finished], now: dt.datetime
) -> dict[int, list[Pending] | None]:
    """Marks updates done and queues their calls, all in one transaction.

    Per update: the outbox rows to send, or ``None`` when the lease was lost to another worker (then
    that worker answers it, and this one must send nothing).
    """
    outcome: dict[int, list[Pending] | None] = {}
    async with engine.begin() as connection:
        result = await connection.execute(
            update(InboxUpdate)
            .where(
                InboxUpdate.update_id.in_([item.update_id for item in finished]),
                InboxUpdate.done_at.is_(None),
                InboxUpdate.lease_owner == owner,
            )
            .values(done_at=now, body={}, chat_key=0, lease_owner=None, lease_until=None)
            .returning(InboxUpdate.update_id)
        )
        held = set(result.scalars())
        for item in finished:
            outcome[item.update_id] = [] if item.update_id in held else None
        calls = [call for item in finished if outcome[item.update_id] is not None for call in item.calls]
        pending = iter(await add_calls(connection, calls, owner, now))
        for item in finished:
            if outcome[item.update_id] is not None:
                outcome[item.update_id] = [next(pending) for _ in item.calls]
    return outcome


async def give_up(engine: AsyncEngine, owner: str, update_ids: Collection[int]) -> None:
    """Lets other workers (or this one, later) take these updates now instead of after the lease."""
    if not update_ids:
        return
    async with engine.begin() as connection:
        await connection.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(list(update_ids)), InboxUpdate.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


async def renew(engine: AsyncEngine, owner: str, update_ids: Collection[int], now: dt.datetime) -> None:
    """Extends this worker's leases: on the updates it is handling and on all its outbox calls."""
    async with engine.begin() as connection:
        if update_ids:
            await connection.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id.in_(list(update_ids)), InboxUpdate.lease_owner == owner)
                .values(lease_until=now + LEASE)
            )
        await connection.execute(
            update(OutboxCall).where(OutboxCall.lease_owner == owner).values(lease_until=now + OUTBOX_LEASE)
        )


async def pending_count(engine: AsyncEngine) -> int:
    """Updates recorded and not yet answered (health and tests)."""
    async with engine.connect() as connection:
        rows = await connection.execute(select(InboxUpdate.update_id).where(InboxUpdate.done_at.is_(None)))
        return len(rows.all())


async def purge_done(connection: AsyncConnection, now: dt.datetime) -> None:
    await connection.execute(delete(InboxUpdate).where(InboxUpdate.done_at <= now - KEEP_DONE))
