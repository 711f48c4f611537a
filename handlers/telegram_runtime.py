"""What the two Telegram runtimes share: start, send, notify, long polling and close, around a client.

A runtime is this :class:`Runtime` with a :class:`BotClient` of one Telegram library
(:mod:`handlers.aiogram_runtime`, :mod:`handlers.ptb_runtime`). The client only carries HTTP: it
sends one Bot API call as the renderer wrote it (:class:`~handlers.telegram_render.ApiCall`), fetches
updates, and sorts its library's errors into a :class:`~handlers.telegram_retry.Retry` or a
:class:`~handlers.telegram_retry.Refusal`. Everything else is the same for both and lives here or in
the modules it calls: translation (:mod:`handlers.telegram_render`), Telegram's limits and retries
(:mod:`handlers.telegram_retry`), and delivery through the inbox and outbox (:mod:`handlers.delivery`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from concierge.app import App
from concierge.conversation import bot_commands
from concierge.errors import UserError
from concierge.events import Notify
from concierge.heap import freeze_heap
from concierge.routing import Conversation
from concierge.settings import Settings
from handlers.delivery import run_polling
from handlers.telegram_render import (
    ALLOWED_UPDATES,
    ApiCall,
    BotIdentity,
    at_most,
    command_calls,
    harmless,
    send_notice,
)
from handlers.telegram_retry import QUICK, Pacer, Refusal, Retry, RetryPolicy, call_with_retries

log = logging.getLogger(__name__)


class BotClient(Protocol):
    """What one Telegram library adds: its HTTP client, and what its errors mean."""

    async def open(self) -> BotIdentity:
        """Connects and asks Telegram who the bot is (getMe)."""

    async def call(self, call: ApiCall) -> Any:
        """One Bot API request, no retries: the result as JSON, or the library's error."""

    async def get_updates(self, offset: int, wait: int) -> list[dict[str, Any]]: ...

    def classify(self, exc: BaseException) -> Retry | Refusal | None:
        """The library's error as a retry or a refusal; ``None`` for anything else (raised)."""

    async def close(self) -> None: ...


def token_of(settings: Settings) -> str:
    if settings.bot_token is None:
        raise UserError("CONCIERGE_BOT_TOKEN is not set: the Telegram bot needs a token from @BotFather")
    return settings.bot_token.get_secret_value()


class Runtime:
    """The Telegram bot over one library's client: the conversation core in, Bot API calls out."""

    def __init__(self, app: App, client: BotClient, conversation: Conversation | None = None) -> None:
        self.app = app
        self.client = client
        self.pacer = Pacer()
        self.conversation = conversation or Conversation(app)
        self.handle = at_most(self.conversation.handle)
        self.identity = BotIdentity(0, app.settings.bot_username)

    async def start(self) -> None:
        """Ask Telegram who the bot is (links name the bot it says), and register the commands."""
        api = self.app.settings.telegram_api_url
        retried = self.app.metrics.retried
        me = await call_with_retries(
            self.client.open, "getMe", None, self.client.classify, self.pacer, QUICK, retried
        )
        if isinstance(me, Refusal) and me.unauthorized:
            raise UserError("the Bot API refused the token in CONCIERGE_BOT_TOKEN")
        if isinstance(me, Refusal):
            raise UserError(f"the Bot API at {api} refused getMe: {me.message}")
        if isinstance(me, Retry):
            raise UserError(f"cannot reach the Bot API at {api}: {me.detail or me.reason}")
        self.identity = BotIdentity(me.id, me.username or self.identity.username)
        self.app.use_bot_username(self.identity.username)
        for call in command_calls(bot_commands, self.app.settings.default_language):
            await self.send(call)
        freeze_heap()

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until ``stop`` is set (after removing any webhook)."""
        await run_polling(self.app, self, stop)

    async def get_updates(self, offset: int, wait: int) -> list[dict[str, Any]]:
        """One long poll (no retries: the polling loop backs off itself)."""
        return await self.client.get_updates(offset, wait)

    async def delete_webhook(self) -> None:
        await self._must(ApiCall("deleteWebhook", {}))

    async def set_webhook(self, url: str, secret: str | None) -> None:
        params: dict[str, Any] = {"url": url, "allowed_updates": list(ALLOWED_UPDATES)}
        if secret is not None:
            params["secret_token"] = secret
        await self._must(ApiCall("setWebhook", params))

    async def _must(self, call: ApiCall) -> None:
        """A call the bot cannot work without (the webhook set or removed): it stops when refused."""
        if await self.send(call) is not True:
            raise UserError(f"the Bot API at {self.app.settings.telegram_api_url} did not take {call.method}")

    async def notify(self, note: Notify) -> None:
        """A message to someone who did not just write (the periodic jobs' sender), sent now."""
        await send_notice(note, self.send)

    async def send(
        self, call: ApiCall, policy: RetryPolicy = QUICK, extra: Mapping[str, Any] | None = None
    ) -> Any:
        """One Bot API call, paced and retried by ``policy`` (:mod:`handlers.telegram_retry`): its
        result, or ``None`` when Telegram refused it for good or the retries gave up (logged)."""
        outcome = await call_with_retries(
            lambda: self.client.call(call),
            call.method,
            call.params.get("chat_id"),
            self.client.classify,
            self.pacer,
            policy,
            self.app.metrics.retried,
            extra,
        )
        if isinstance(outcome, Refusal):
            if not harmless(outcome.message):
                log.warning("%s refused: %s", call.method, outcome.message, extra=extra)
            return None
        return None if isinstance(outcome, Retry) else outcome

    async def close(self) -> None:
        """Write what the core still holds (usage counts), then close the HTTP client."""
        await self.conversation.drain()
        await self.client.close()
