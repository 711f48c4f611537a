"""The Telegram bot on aiogram 3: its Bot and session carry the HTTP of :mod:`handlers.telegram_runtime`.

Only what is aiogram's lives here: sending the renderer's calls through aiogram's Bot as they are
(as JSON, without its typed models), fetching updates, and what its errors mean. Start, retries,
delivery and shutdown are the shared runtime's.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

# First, so that aiogram builds its types when they are first used, not all on import.
import handlers.aiogram_deferred  # noqa: F401

# isort: split
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

from concierge.app import App
from concierge.routing import Conversation
from handlers.telegram_render import ALLOWED_UPDATES, ApiCall, BotIdentity
from handlers.telegram_retry import ANSWER_TIMEOUT, Refusal, Retry
from handlers.telegram_runtime import Runtime, token_of


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


class AiogramClient:
    """aiogram's Bot and session, one request per call (:class:`handlers.telegram_runtime.BotClient`)."""

    def __init__(self, token: str, api_url: str) -> None:
        session = _Session(api=TelegramAPIServer.from_base(api_url), timeout=ANSWER_TIMEOUT)
        self.bot = Bot(token, session=session)

    async def open(self) -> BotIdentity:
        me = await self.bot(_raw_method("getMe")())
        return BotIdentity(int(me["id"]), me.get("username") or "")

    async def call(self, call: ApiCall) -> Any:
        return await self.bot(_method(call))

    async def get_updates(self, offset: int, wait: int) -> list[dict[str, Any]]:
        params = {"offset": offset, "timeout": wait, "allowed_updates": list(ALLOWED_UPDATES)}
        return list(await self.bot(_raw_method("getUpdates")(**params), request_timeout=wait + 10))

    def classify(self, exc: BaseException) -> Retry | Refusal | None:
        if isinstance(exc, TelegramRetryAfter):
            return Retry("429", float(exc.retry_after))
        if isinstance(exc, TelegramServerError):
            return Retry("5xx", detail=exc.message)
        if isinstance(exc, TelegramNetworkError):
            return Retry("network", detail=exc.message)
        if isinstance(exc, TelegramAPIError):
            return Refusal(exc.message, unauthorized=isinstance(exc, TelegramUnauthorizedError))
        return None

    async def close(self) -> None:
        await self.bot.session.close()


class AiogramRuntime(Runtime):
    """The shared runtime on aiogram."""

    def __init__(self, app: App, conversation: Conversation | None = None) -> None:
        super().__init__(
            app, AiogramClient(token_of(app.settings), app.settings.telegram_api_url), conversation
        )
