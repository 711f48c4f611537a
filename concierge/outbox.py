"""The outbox: Bot API calls the bot owes, in the database until Telegram has taken them.

Calls are written by :func:`concierge.inbox.finish` in the transaction that finishes their update,
leased to the worker that wrote them (renewed while it lives), and removed once sent or refused for
good. Calls of a worker that died are taken over after the lease (:func:`take_over`); a clean
shutdown hands its unsent calls back at once (:func:`hand_back`). A chat's calls leave one at a time in
``id`` order, so replies keep the order of the questions, and a slow or paced chat never holds up the
others nor Telegram's webhook connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from catalog.models import OutboxCall

LEASE = dt.timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One call, transport-neutral: a method name and its JSON parameters (and a file, if any)."""

    chat_key: int
    method: str
    params: dict[str, Any]
    upload: tuple[str, str, bytes] | None = None
    """``(field, filename, content)``"""
    broadcast: bool = False
    answers: int | None = None
    """The question's message id this call answers (see ``OutboxCall.answers``)."""


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    call: Outgoing


def _row(call: Outgoing, owner: str, now: dt.datetime) -> dict[str, Any]:
    field, filename, content = call.upload or (None, None, None)
    return {
        "chat_key": call.chat_key,
        "method": call.method,
        "params": call.params,
        "upload_field": field,
        "upload_filename": filename,
        "upload_content": content,
        "broadcast": call.broadcast,
        "answers": call.answers,
        "created_at": now,
        "lease_owner": owner,
        "lease_until": now + LEASE,
    }


async def add_calls(
    connection: AsyncConnection, calls: Sequence[Outgoing], owner: str, now: dt.datetime
) -> list[Pending]:
    """Inside the caller's transaction, as one statement; ids follow the calls' order."""
    if not calls:
        return []
    statement = insert(OutboxCall).returning(OutboxCall.id, sort_by_parameter_order=True)
    result = await connection.execute(statement, [_row(call, owner, now) for call in calls])
    return [Pending(int(id_), call) for id_, call in zip(result.scalars(), calls, strict=True)]


def _pending(row: Any) -> Pending:
    upload = None
    if row.upload_field is not None:
        upload = (row.upload_field, row.upload_filename or "file", bytes(row.upload_content or b""))
    call = Outgoing(int(row.chat_key), row.method, dict(row.params), upload, bool(row.broadcast), row.answers)
    return Pending(int(row.id), call)


async def take_over(
    engine: AsyncEngine, owner: str, now: dt.datetime, held: Collection[int] = ()
) -> list[Pending]:
    """Leases to ``owner`` every call whose lease lapsed or was handed back, oldest first.

    ``held`` are calls this worker already has queued: they are not taken twice.
    """
    free = or_(OutboxCall.lease_until.is_(None), OutboxCall.lease_until < now)
    async with engine.begin() as connection:
        query = select(OutboxCall.id).where(free).order_by(OutboxCall.id).limit(1000)
        if held:
            query = query.where(OutboxCall.id.notin_(list(held)))
        ids = list((await connection.execute(query)).scalars())
        if not ids:
            return []
        await connection.execute(
            update(OutboxCall)
            .where(OutboxCall.id.in_(ids), free)
            .values(lease_owner=owner, lease_until=now + LEASE)
        )
        rows = await connection.execute(
            select(OutboxCall).where(OutboxCall.id.in_(ids), OutboxCall.lease_owner == owner)
        )
        return sorted((_pending(row) for row in rows), key=lambda p: p.id)


async def remove(engine: AsyncEngine, ids: Collection[int]) -> None:
    if ids:
        async with engine.begin() as connection:
            await connection.execute(delete(OutboxCall).where(OutboxCall.id.in_(list(ids))))


async def hand_back(engine: AsyncEngine, owner: str) -> None:
    """On a clean shutdown: unsent calls may be taken at once by whoever runs next."""
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxCall)
            .where(OutboxCall.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return len((await connection.execute(select(OutboxCall.id))).all())
