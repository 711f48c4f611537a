"""What a webhook worker adds around its Telegram runtime when several workers share one bot.

:class:`GuardedRuntime` has the runtime's ``feed`` and adds: de-duplication by update_id across
workers (:mod:`concierge.dedup`), the chat being served for the broadcast budget
(:mod:`handlers.telegram_retry`), one structured log line and metrics per update (user ids hashed),
and a count of updates in flight (aiohttp's graceful shutdown waits for them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, cast

from concierge.dedup import Deduplicator, deduplicator
from concierge.invalidation import watch_catalogue
from concierge.jobs import Clock, Send, run_regularly, utc_now
from concierge.logs import salt_of, user_ref
from handlers.telegram_retry import chat_of_update, serving_chat

if TYPE_CHECKING:
    from concierge.app import App
    from concierge.commands.run import TelegramRuntime

log = logging.getLogger("concierge.updates")


def update_kind(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


def sender_of(update: dict[str, Any]) -> int | None:
    for value in update.values():
        if isinstance(value, dict) and isinstance((value.get("from") or {}).get("id"), int):
            return int(value["from"]["id"])
    return None


class GuardedRuntime:
    def __init__(self, runtime: TelegramRuntime, app: App, dedup: Deduplicator, salt: str) -> None:
        self.runtime = runtime
        self.app = app
        self.dedup = dedup
        self.salt = salt
        self.in_flight = 0

    async def feed(self, update: dict[str, Any]) -> None:
        update_id = int(update["update_id"])
        kind = update_kind(update)
        if not await self.dedup.claim(update_id):
            self.app.metrics.duplicates.inc()
            log.info("duplicate update dropped", extra={"update_id": update_id, "kind": kind})
            return
        self.in_flight += 1
        started = time.perf_counter()
        token = serving_chat.set(chat_of_update(update))
        user = sender_of(update)
        fields = {"update_id": update_id, "kind": kind, "user": user_ref(user, self.salt) if user else None}
        try:
            await self.runtime.feed(update)
        except Exception:
            await self.dedup.release(update_id)
            self.app.metrics.errors.labels("webhook").inc()
            log.exception("update failed", extra=fields)
            raise
        else:
            await self.dedup.done(update_id)
            log.info(
                "update handled", extra={**fields, "ms": round((time.perf_counter() - started) * 1000, 1)}
            )
        finally:
            serving_chat.reset(token)
            self.in_flight -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.runtime, name)


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


def guard(runtime: TelegramRuntime, app: App) -> TelegramRuntime:
    settings = app.settings
    dedup = deduplicator(app.engine, app.redis, settings.redis_prefix)
    return cast("TelegramRuntime", GuardedRuntime(runtime, app, dedup, salt_of(settings)))
