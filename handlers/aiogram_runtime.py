"""The Telegram bot on aiogram 3: updates in, neutral events to the conversation core, Bot API calls out.

All translation lives in :mod:`handlers.telegram_render`; this module only moves its dicts through
aiogram's Dispatcher (long polling, updates handled concurrently as tasks) and Bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from functools import cache
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import BufferedInputFile, CallbackQuery, InlineQuery, InputFile, Message
from aiohttp import FormData
from aiohttp.payload import JsonPayload, Payload

from concierge.app import App, freeze_heap
from concierge.conversation import Conversation, bot_commands
from concierge.errors import UserError
from concierge.events import Event, Notify
from handlers.telegram_render import (
    ALLOWED_UPDATES,
    CONCURRENT_UPDATES,
    ApiCall,
    BotIdentity,
    at_most,
    command_calls,
    event_from_callback,
    event_from_inline_query,
    event_from_message,
    harmless,
    respond,
    send_notice,
)
from handlers.telegram_retry import AiogramRetryMiddleware

log = logging.getLogger(__name__)
MAX_RETRY_AFTER = 30


def _dump(obj: Any) -> dict[str, Any]:
    return obj.model_dump(mode="json", by_alias=True, exclude_none=True)


class _RawMethod(TelegramMethod[Any]):
    """A Bot API call with the renderer's parameters as they are, its answer left as JSON.

    aiogram's typed methods would validate the parameters into its models, serialise them back, and
    validate every answer (a whole Message) into models nobody reads: most of what a reply costs.
    """

    __returning__ = Any


_ANSWER = Response[Any]
"""Held on purpose: pydantic caches parametrised models weakly, and after a garbage collection
``Response[Any]`` (which aiogram asks for on every answer) would be built anew, at a millisecond."""


@cache
def _raw_method(name: str) -> type[_RawMethod]:
    return type(name, (_RawMethod,), {"__api_method__": name})


def _method(call: ApiCall) -> TelegramMethod[Any]:
    params = dict(call.params)
    if call.upload:
        params[call.upload.field] = BufferedInputFile(call.upload.content, call.upload.filename)
    return _raw_method(call.method)(**params)


class _JsonBody(FormData):
    """The parameters as one JSON body, which the Bot API takes as well as a form: urlencoding a
    message character by character costs more than anything else about sending it."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__()
        self._params = params

    def __call__(self) -> Payload:
        return JsonPayload(self._params, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Session(AiohttpSession):
    """aiogram's session, sending our raw calls as JSON (uploads still go as multipart forms)."""

    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> FormData:
        if isinstance(method, _RawMethod) and method.model_extra is not None:
            params = method.model_extra
            if not any(isinstance(value, InputFile) for value in params.values()):
                return _JsonBody(params)
        return super().build_form_data(bot, method)


class AiogramRuntime:
    def __init__(self, app: App, conversation: Conversation | None = None):
        settings = app.settings
        if settings.bot_token is None:
            raise UserError("CONCIERGE_BOT_TOKEN is not set: the Telegram bot needs a token from @BotFather")
        self.api_url = settings.telegram_api_url
        session = _Session(api=TelegramAPIServer.from_base(settings.telegram_api_url))
        self.bot = Bot(settings.bot_token.get_secret_value(), session=session)
        session.middleware(AiogramRetryMiddleware(on_retry=app.metrics.retried))
        self.conversation = conversation or Conversation(app)
        self.handle = at_most(self.conversation.handle)
        self.default_language = settings.default_language
        self.identity = BotIdentity(0, settings.bot_username)
        self.dispatcher = Dispatcher(disable_fsm=True)
        router = Router(name="concierge")
        router.message.register(self._on_message)
        router.edited_message.register(self._on_edited_message)
        router.callback_query.register(self._on_callback_query)
        router.inline_query.register(self._on_inline_query)
        self.dispatcher.include_router(router)
        self._inflight: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Ask Telegram who the bot is, and register the commands in every language."""
        try:
            me = await self.bot.get_me()
        except TelegramUnauthorizedError:
            raise UserError("the Bot API refused the token in CONCIERGE_BOT_TOKEN") from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise UserError(f"cannot reach the Bot API at {self.api_url}: {exc.message}") from None
        self.identity = BotIdentity(me.id, me.username or self.identity.username)
        for call in command_calls(bot_commands, self.default_language):
            await self.execute(call)
        freeze_heap()

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until ``stop`` is set."""
        polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                handle_signals=False,
                close_bot_session=False,
                allowed_updates=list(ALLOWED_UPDATES),
                tasks_concurrency_limit=CONCURRENT_UPDATES,
            )
        )
        waiting = asyncio.create_task(stop.wait())
        await asyncio.wait({polling, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if not polling.done():
            try:
                await self.dispatcher.stop_polling()
            except RuntimeError:
                polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling

    async def feed(self, update: dict[str, Any]) -> None:
        """One update from the webhook."""
        await self.dispatcher.feed_raw_update(self.bot, update)

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))

    async def close(self) -> None:
        """Let updates in progress finish (a few seconds at most), write what the core still holds
        (usage counts), then close the HTTP session."""
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=10)
        await self.conversation.drain()
        await self.bot.session.close()

    async def notify(self, note: Notify) -> None:
        """A message to someone who did not just write (the periodic jobs' sender)."""
        await send_notice(note, self.execute)

    async def execute(self, call: ApiCall) -> Any:
        """One Bot API call and its result (None when it failed); waits once on a 429, logs (without
        message text) anything else."""
        for attempt in range(2):
            try:
                return await self.bot(_method(call))
            except TelegramRetryAfter as exc:
                if attempt or exc.retry_after > MAX_RETRY_AFTER:
                    log.warning("%s: rate limited for %ss, dropped", call.method, exc.retry_after)
                    return None
                await asyncio.sleep(exc.retry_after)
            except TelegramNetworkError as exc:
                log.warning("%s failed: %s", call.method, exc)
                return None
            except TelegramAPIError as exc:
                if not harmless(exc.message):
                    log.warning("%s refused: %s", call.method, exc.message)
                return None
        return None

    async def _on_message(self, message: Message) -> None:
        event = event_from_message(_dump(message), self.identity)
        await self._track(event)

    async def _on_edited_message(self, message: Message) -> None:
        event = event_from_message(_dump(message), self.identity, edited=True)
        await self._track(event)

    async def _on_callback_query(self, query: CallbackQuery) -> None:
        await self._track(event_from_callback(_dump(query)))

    async def _on_inline_query(self, query: InlineQuery) -> None:
        await self._track(event_from_inline_query(_dump(query)))

    async def _track(self, event: Event | None) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            if event is not None:
                await respond(self.handle, event, self.execute)
        finally:
            if task is not None:
                self._inflight.discard(task)
