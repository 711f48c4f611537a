"""The Telegram bot on python-telegram-bot 22, doing exactly what :mod:`handlers.aiogram_runtime` does.

All translation lives in :mod:`handlers.telegram_render` and all delivery (inbox, outbox, long
polling) in :mod:`handlers.delivery`; this module only moves their dicts through PTB's Bot.
PTB's HTTP goes through :class:`AiohttpRequest`, its documented transport hook, rather than httpx.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import warnings
from typing import Any

import aiohttp
import aiohttp.payload
from telegram import InputFile
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

from concierge.app import App, freeze_heap
from concierge.conversation import bot_commands
from concierge.errors import UserError
from concierge.events import Notify
from concierge.routing import Conversation
from handlers.delivery import Retry, run_polling
from handlers.telegram_render import (
    ALLOWED_UPDATES,
    HTTP_CONNECTIONS,
    ApiCall,
    BotIdentity,
    at_most,
    command_calls,
    harmless,
    send_notice,
)
from handlers.telegram_retry import ptb_retry_limiter

log = logging.getLogger(__name__)
TIMEOUT = 5.0
"""Seconds to connect, and to wait for an answer (getUpdates adds its long-polling time), as PTB's default."""
POOL_TIMEOUT = 10.0

# Calls arrive as Bot API method names and JSON parameters from the shared renderer, on purpose, so PTB's
# hint to use its typed method for each one does not apply here.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


def _seconds(delay: float | dt.timedelta) -> float:
    return delay.total_seconds() if isinstance(delay, dt.timedelta) else float(delay)


def _or(value: object, default: float | None) -> float | None:
    """A timeout PTB passes on: its "not given" marker means ours; ``None`` means none."""
    return value if value is None or isinstance(value, int | float) else default


def _body(request_data: RequestData | None) -> aiohttp.payload.Payload | aiohttp.FormData | None:
    """JSON, which the Bot API takes as well as a form and costs far less to encode than urlencoding
    a message; a multipart form when there are files."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return aiohttp.payload.JsonPayload(request_data.parameters, dumps=_dumps)
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class AiohttpRequest(BaseRequest):
    """PTB's HTTP on aiohttp: httpx with httpcore and anyio cost a quarter of the bot's time per answer.

    Errors map as in PTB's own transport: timeouts to ``TimedOut``, other failures to ``NetworkError``.
    """

    def __init__(self, connections: int, pool_timeout: float = POOL_TIMEOUT) -> None:
        self._connections = connections
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = aiohttp.ClientTimeout(
            connect=_or(pool_timeout, self._pool_timeout),
            sock_connect=_or(connect_timeout, TIMEOUT),
            sock_read=_or(read_timeout, TIMEOUT),
        )
        headers = {"User-Agent": self.USER_AGENT}
        try:
            async with self._session.request(
                method, url, data=_body(request_data), headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


class PtbRuntime:
    """python-telegram-bot's Bot carries the HTTP; updates flow through :mod:`handlers.delivery`."""

    def __init__(self, app: App, conversation: Conversation | None = None):
        settings = app.settings
        if settings.bot_token is None:
            raise UserError("CONCIERGE_BOT_TOKEN is not set: the Telegram bot needs a token from @BotFather")
        self.app = app
        api = self.api_url = settings.telegram_api_url
        self.application = (
            Application.builder()
            .token(settings.bot_token.get_secret_value())
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .request(AiohttpRequest(HTTP_CONNECTIONS))
            .get_updates_request(AiohttpRequest(1))
            .rate_limiter(ptb_retry_limiter(on_retry=app.metrics.retried))
            .updater(None)
            .build()
        )
        self.conversation = conversation or Conversation(app)
        self.handle = at_most(self.conversation.handle)
        self.default_language = settings.default_language
        self.identity = BotIdentity(0, settings.bot_username)

    async def start(self) -> None:
        """Ask Telegram who the bot is (PTB's initialize; links name the bot it says), and register the
        commands in every language."""
        try:
            await self.application.initialize()
        except InvalidToken:
            raise UserError("the Bot API refused the token in CONCIERGE_BOT_TOKEN") from None
        except NetworkError as exc:
            raise UserError(f"cannot reach the Bot API at {self.api_url}: {exc.message}") from None
        me = self.application.bot.bot
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
        result = await self.application.bot.do_api_request(
            "getUpdates", api_kwargs=params, read_timeout=wait + TIMEOUT
        )
        return list(result) if isinstance(result, list) else []

    async def delete_webhook(self) -> None:
        await self.application.bot.delete_webhook()

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await self.application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )

    async def close(self) -> None:
        """Write what the core still holds (usage counts), then shut PTB down."""
        await self.conversation.drain()
        await self.application.shutdown()

    async def notify(self, note: Notify) -> None:
        """A message to someone who did not just write (the periodic jobs' sender), sent now."""
        await send_notice(note, self.execute)

    async def send(self, call: ApiCall) -> Any:
        """One Bot API call (the rate limiter already retried quick failures): its result, ``None``
        when refused for good (logged), or :class:`Retry`."""
        params = dict(call.params)
        if call.upload:
            params[call.upload.field] = InputFile(call.upload.content, filename=call.upload.filename)
        try:
            return await self.application.bot.do_api_request(call.method, api_kwargs=params)
        except RetryAfter as exc:
            return Retry(_seconds(exc.retry_after))
        except BadRequest as exc:
            if not harmless(exc.message):
                log.warning("%s refused: %s", call.method, exc.message)
        except NetworkError as exc:
            log.warning("%s failed: %s", call.method, type(exc).__name__)
            return Retry()
        except TelegramError as exc:
            if not harmless(exc.message):
                log.warning("%s refused: %s", call.method, exc.message)
        return None

    async def execute(self, call: ApiCall) -> None:
        """A call outside any update (start-up): sent now, failures logged."""
        if isinstance(await self.send(call), Retry):
            log.warning("%s not sent", call.method)
