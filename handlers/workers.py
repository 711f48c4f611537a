"""Background work of one worker process besides delivery: index invalidation and purging expired state."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from concierge.invalidation import watch_catalogue
from concierge.retention import purge_regularly

if TYPE_CHECKING:
    from concierge.app import App


class Services:
    def __init__(self, app: App) -> None:
        self.stop_event = asyncio.Event()
        self.tasks = [
            asyncio.create_task(watch_catalogue(app, self.stop_event)),
            asyncio.create_task(purge_regularly(app.engine, self.stop_event)),
        ]

    async def stop(self) -> None:
        self.stop_event.set()
        await asyncio.wait(self.tasks, timeout=5)
        for task in self.tasks:
            task.cancel()
