"""Background work of one worker process besides delivery: index invalidation and purging expired state."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from concierge.invalidation import watch_catalogue
from concierge.jobs import Clock, Send, run_regularly, utc_now

if TYPE_CHECKING:
    from concierge.app import App


class Services:
    """Background work of one worker: index invalidation and the periodic jobs (purges, and with a
    ``send`` freshness nudges and weekly summaries; one worker sends, see :mod:`concierge.jobs`)."""

    def __init__(self, app: App, send: Send | None = None, clock: Clock = utc_now) -> None:
        self.stop_event = asyncio.Event()
        self.tasks = [
            asyncio.create_task(watch_catalogue(app, self.stop_event)),
            asyncio.create_task(run_regularly(app, self.stop_event, send, clock)),
        ]

    async def stop(self) -> None:
        self.stop_event.set()
        await asyncio.wait(self.tasks, timeout=5)
        for task in self.tasks:
            task.cancel()
