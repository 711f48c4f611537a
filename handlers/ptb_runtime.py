"""The Telegram bot on python-telegram-bot 22, doing exactly what :mod:`handlers.aiogram_runtime` does.

All translation lives in :mod:`handlers.telegram_render`; this module only moves its dicts through
PTB's Application (long polling with concurrent updates, or updates fed from our own webhook route).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from typing import Any

from telegram import InputFile, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from concierge.app import App
from concierge.conversation import Conversation, bot_commands
from concierge.errors import UserError
from concierge.events import Event
from handlers.telegram_render import (
    ALLOWED_UPDATES,
    CONCURRENT_UPDATES,
    HTTP_CONNECTIONS,
    ApiCall,
    BotIdentity,
    at_most,
    command_calls,
    event_from_update,
    harmless,
    respond,
)
from handlers.telegram_retry import ptb_retry_limiter

log = logging.getLogger(__name__)
MAX_RETRY_AFTER = 30
POOL_TIMEOUT = 10.0

# Calls arrive as Bot API method names and JSON parameters from the shared renderer, on purpose, so PTB's
# hint to use its typed method for each one does not apply here.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


def _seconds(delay: float | dt.timedelta) -> float:
    return delay.total_seconds() if isinstance(delay, dt.timedelta) else float(delay)


class PtbRuntime:
    def __init__(self, app: App, conversation: Conversation | None = None):
        settings = app.settings
        if settings.bot_token is None:
            raise UserError("CONCIERGE_BOT_TOKEN is not set: the Telegram bot needs a token from @BotFather")
        api = self.api_url = settings.telegram_api_url
        self.application = (
            Application.builder()
            .token(settings.bot_token.get_secret_value())
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .concurrent_updates(CONCURRENT_UPDATES)
            .connection_pool_size(HTTP_CONNECTIONS)
            .pool_timeout(POOL_TIMEOUT)
            .rate_limiter(ptb_retry_limiter(on_retry=app.metrics.retried))
            .build()
        )
        self.conversation = conversation or Conversation(app)
        self.handle = at_most(self.conversation.handle)
        self.default_language = settings.default_language
        self.identity = BotIdentity(0, settings.bot_username)
        self.application.add_handler(MessageHandler(filters.UpdateType.MESSAGES, self._on_update))
        self.application.add_handler(CallbackQueryHandler(self._on_update))
        self.application.add_handler(InlineQueryHandler(self._on_update))
        self._inflight: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Ask Telegram who the bot is (PTB's initialize), and register the commands in every language."""
        try:
            await self.application.initialize()
        except InvalidToken:
            raise UserError("the Bot API refused the token in CONCIERGE_BOT_TOKEN") from None
        except NetworkError as exc:
            raise UserError(f"cannot reach the Bot API at {self.api_url}: {exc.message}") from None
        me = self.application.bot.bot
        self.identity = BotIdentity(me.id, me.username or self.identity.username)
        for call in command_calls(bot_commands, self.default_language):
            await self.execute(call)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until ``stop`` is set."""
        updater = self.application.updater
        assert updater is not None
        await self.application.start()
        try:
            await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
            try:
                await stop.wait()
            finally:
                await updater.stop()
        finally:
            await self.application.stop()

    async def feed(self, update: dict[str, Any]) -> None:
        """One update from the webhook, handled here (PTB's own web server is not used)."""
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await self.application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )

    async def close(self) -> None:
        """Let updates in progress finish (a few seconds at most), then shut PTB down."""
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=10)
        await self.application.shutdown()

    async def execute(self, call: ApiCall) -> None:
        """One Bot API call; waits once on a 429, logs (without message text) anything else."""
        params = dict(call.params)
        if call.upload:
            params[call.upload.field] = InputFile(call.upload.content, filename=call.upload.filename)
        for attempt in range(2):
            try:
                await self.application.bot.do_api_request(call.method, api_kwargs=params)
                return
            except RetryAfter as exc:
                delay = _seconds(exc.retry_after)
                if attempt or delay > MAX_RETRY_AFTER:
                    log.warning("%s: rate limited for %ss, dropped", call.method, delay)
                    return
                await asyncio.sleep(delay)
            except TelegramError as exc:
                if not harmless(exc.message):
                    log.warning("%s refused: %s", call.method, exc.message)
                return

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            event: Event | None = event_from_update(update.to_dict(), self.identity)
            if event is not None:
                await respond(self.handle, event, self.execute)
        finally:
            if task is not None:
                self._inflight.discard(task)
