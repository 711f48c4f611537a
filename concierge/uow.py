"""The unit of work of the core's writes: one transaction, then the search refresh, then the notices.

::

    async with unit_of_work(turn.app) as uow:
        await ownership.confirm(uow.session, business_id, turn.now)
        uow.changed_catalogue()
        uow.notify(Notify(owner_id, SendText(...)))  # a notice ready now
        uow.notify(partial(moderation.notify_moderators, turn, item))  # drawn after the commit
    return [SendText(...), *uow.notes]

On leaving the block without an error it does three things, in this order, and on an error (raised
inside the block, or by the commit itself) it rolls back and does none of them:

1. **Commit.** Until the transaction is durable nothing may be announced: a constraint, a conflicting
   edit or a database that went away would otherwise leave an owner told "saved", a moderator holding
   a card for a listing that does not exist, or an index serving rows that were rolled back.
2. **Refresh the search, once** (when :meth:`UnitOfWork.changed_catalogue` was called). The rebuild
   reads the catalogue through its own sessions, so before the commit it would read the old rows (and
   tell the other workers over Redis about a change they cannot see yet). Several catalogue edits in
   one unit cost one rebuild.
3. **Hand out the notices** (:attr:`UnitOfWork.notes`, returned as ``Notify`` replies that the runtime
   delivers like any other). They come last so that someone told "residents can find it now" who
   searches at once does find it, and so that notices drawn from the database (a moderator's card reads
   the new listing) read committed rows: a callable passed to :meth:`UnitOfWork.notify` is awaited
   only now.

A failure after the commit (the rebuild, drawing a notice) propagates like any other: the change
stays saved, and the other workers' catalogue poll still picks it up.

Units of work do not nest: a second one opened inside the first would wait on the first one's write
lock (SQLite) or see none of its rows, so that is refused (:class:`NestedUnitOfWork`). Read-only
queries use a plain ``async with app.sessions() as session``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from concierge.events import Reply

if TYPE_CHECKING:
    from concierge.app import App

Deferred = Callable[[], Awaitable[Sequence[Reply]]]
"""Notices drawn after the commit, e.g. ``partial(moderation.notify_moderators, turn, item)`` (a
``partial`` binds its arguments at once, which a ``lambda`` in a loop would not)."""

_open: ContextVar[asyncio.Task[object] | None] = ContextVar("concierge_unit_of_work_in", default=None)
"""The task whose unit of work is open; a task started meanwhile inherits the value but is another task."""


class NestedUnitOfWork(RuntimeError):
    """A unit of work was opened inside another one in the same task: a bug in the caller."""


@dataclass
class UnitOfWork:
    session: AsyncSession
    """The one session of this unit; its transaction is committed or rolled back on leaving."""
    catalogue_changed: bool = False
    pending: list[Reply | Deferred] = field(default_factory=list)
    notes: list[Reply] = field(default_factory=list)
    """The notices, in the order given; filled only after a successful commit."""

    def changed_catalogue(self) -> None:
        """What residents search changed here: rebuild the index after the commit."""
        self.catalogue_changed = True

    def notify(self, *notes: Reply | Deferred) -> None:
        """Notices to hand out after the commit: replies, or callables that draw them then."""
        self.pending.extend(notes)


@contextlib.asynccontextmanager
async def unit_of_work(app: App) -> AsyncIterator[UnitOfWork]:
    """Commit, then refresh the search once, then the notices; on an error, a rollback and nothing."""
    task = asyncio.current_task()
    if task is not None and _open.get() is task:
        raise NestedUnitOfWork("a unit of work is already open in this task")
    token = _open.set(task)
    try:
        async with app.sessions() as session:
            uow = UnitOfWork(session)
            async with session.begin():
                yield uow
    finally:
        _open.reset(token)
    if uow.catalogue_changed:
        await app.refresh_search()
    for note in uow.pending:
        if callable(note):
            uow.notes.extend(await note())
        else:
            uow.notes.append(note)
