"""Group commit: items submitted at about the same moment are written together, in one transaction.

On SQLite every transaction costs a lock and a sync, and on PostgreSQL and Redis a round trip; a burst
of residents asking at once (or of updates arriving at once) would queue on them one by one. Each
:meth:`GroupCommit.submit` still returns only once its own item is written (or raises its batch's
error), so callers keep write-through semantics. Used by the resident state stores
(:mod:`concierge.state`, :mod:`concierge.redis_state`) and the Telegram delivery (inbox and outbox
writes, ``handlers/delivery.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Writes items in batches: everything submitted while a batch is being written goes in the next.

    ``write`` takes a batch and returns one result per item, in order (what :meth:`submit` returns),
    or ``None`` when there is nothing to return (every :meth:`submit` then returns ``None``).
    """

    def __init__(self, write: Callable[[list[T]], Awaitable[Sequence[R] | None]]) -> None:
        self._write = write
        self._pending: list[tuple[T, asyncio.Future[R | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R | None:
        loop = asyncio.get_running_loop()
        written: asyncio.Future[R | None] = loop.create_future()
        self._pending.append((item, written))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_all())
        return await written

    async def idle(self) -> None:
        """Waits until everything submitted so far is written (or failed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer})

    async def _write_all(self) -> None:
        await asyncio.sleep(0)  # let the rest of this turn of the loop submit too
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._write([item for item, _ in batch])
            except asyncio.CancelledError:
                for _, written in batch + self._pending:
                    written.cancel()
                raise
            except Exception as exc:
                for _, written in batch:
                    if not written.done():
                        written.set_exception(exc)
                continue
            each = [None] * len(batch) if results is None else results
            for (_, written), result in zip(batch, each, strict=True):
                if not written.done():
                    written.set_result(result)
