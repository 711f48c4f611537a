"""The Telegram bot on aiogram 3: updates in, neutral events to the conversation core, Bot API calls out.

All translation lives in :mod:`handlers.telegram_render` and all delivery (inbox, outbox, long
polling) in :mod:`handlers.delivery`; this module only moves their dicts through aiogram's Bot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from functools import cache
from typing import Any

from aiogram import Bot
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
from aiogram.types import BufferedInputFile, InputFile
from aiohttp import FormData
from aiohttp.payload import JsonPayload, Payload

from concierge.app import App, freeze_heap
from concierge.conversation import bot_commands
from concierge.errors import UserError
from concierge.events import Notify
from concierge.routing import Conversation
from handlers.delivery import Retry, run_polling
from handlers.telegram_render import (
    ALLOWED_UPDATES,
    ApiCall,
    BotIdentity,
    at_most,
    command_calls,
    harmless,
    send_notice,
)
from handlers.telegram_retry import AiogramRetryMiddleware

log = logging.getLogger(__name__)


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
    """aiogram's Bot and session carry the HTTP; updates flow through :mod:`handlers.delivery`."""

    def __init__(self, app: App, conversation: Conversation | None = None):
        settings = app.settings
        if settings.bot_token is None:
            raise UserError("CONCIERGE_BOT_TOKEN is not set: the Telegram bot needs a token from @BotFather")
        self.app = app
        self.api_url = settings.telegram_api_url
        session = _Session(api=TelegramAPIServer.from_base(settings.telegram_api_url))
        self.bot = Bot(settings.bot_token.get_secret_value(), session=session)
        session.middleware(AiogramRetryMiddleware(on_retry=app.metrics.retried))
        self.conversation = conversation or Conversation(app)
        self.handle = at_most(self.conversation.handle)
        self.default_language = settings.default_language
        self.identity = BotIdentity(0, settings.bot_username)

    async def start(self) -> None:
        """Ask Telegram who the bot is (links name the bot it says), and register the commands."""
        try:
            me = await self.bot.get_me()
        except TelegramUnauthorizedError:
            raise UserError("the Bot API refused the token in CONCIERGE_BOT_TOKEN") from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise UserError(f"cannot reach the Bot API at {self.api_url}: {exc.message}") from None
        self.identity = BotIdentity(me.id, me.username or self.identity.username)
        self.app.use_bot_username(self.identity.username)
        for call in command_calls(bot_commands, self.default_language):
            await self.execute(call)
        freeze_heap()

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until ``stop`` is set (after removing any webhook)."""
        await run_polling(self.app, self, stop)

    async def get_updates(self, offset: int, wait: int) -> list[dict[str, Any]]:
        params = {"offset": offset, "timeout": wait, "allowed_updates": list(ALLOWED_UPDATES)}
        return list(await self.bot(_raw_method("getUpdates")(**params), request_timeout=wait + 10))

    async def delete_webhook(self) -> None:
        await self.bot(_raw_method("deleteWebhook")())

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))

    async def close(self) -> None:
        """Write what the core still holds (usage counts), then close the HTTP session."""
        await self.conversation.drain()
        await self.bot.session.close()

    async def notify(self, note: Notify) -> None:
        """A message to someone who did not just write (the periodic jobs' sender), sent now."""
        await send_notice(note, self.execute)

    async def send(self, call: ApiCall) -> Any:
        """One Bot API call (the session middleware already retried quick failures): its result,
        ``None`` when refused for good (logged), or :class:`Retry`."""
        try:
            return await self.bot(_method(call))
        except TelegramRetryAfter as exc:
            return Retry(float(exc.retry_after))
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.warning("%s failed: %s", call.method, type(exc).__name__)
            return Retry()
        except TelegramAPIError as exc:
            if not harmless(exc.message):
                log.warning("%s refused: %s", call.method, exc.message)
        return None

    async def execute(self, call: ApiCall) -> None:
        """A call outside any update (start-up): sent now, failures logged."""
        if isinstance(await self.send(call), Retry):
            log.warning("%s not sent", call.method)
