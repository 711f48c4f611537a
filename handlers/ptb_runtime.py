"""The Telegram bot on python-telegram-bot 22: its Bot carries the HTTP of :mod:`handlers.telegram_runtime`.

Only what is PTB's lives here: sending the renderer's calls by their Bot API names, fetching updates,
and what its errors mean; start, retries, delivery and shutdown are the shared runtime's. PTB's HTTP
goes through :class:`AiohttpRequest`, its documented transport hook, rather than httpx.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from typing import Any

import aiohttp
import aiohttp.payload
from telegram import InputFile
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

from concierge.app import App
from concierge.routing import Conversation
from handlers.telegram_render import ALLOWED_UPDATES, HTTP_CONNECTIONS, ApiCall, BotIdentity
from handlers.telegram_retry import ANSWER_TIMEOUT, CONNECT_TIMEOUT, Refusal, Retry
from handlers.telegram_runtime import Runtime, token_of

POOL_TIMEOUT = 10.0
POLL_MARGIN = 5.0
"""Seconds getUpdates may answer after its own long-polling wait (fetching again is harmless)."""

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
        return ANSWER_TIMEOUT

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
            sock_connect=_or(connect_timeout, CONNECT_TIMEOUT),
            sock_read=_or(read_timeout, ANSWER_TIMEOUT),
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


SERVER_ERRORS = ("Server Error", "Bad Gateway", "Service Unavailable", "Gateway Timeout", "(5")
"""PTB raises NetworkError for a 5xx and for a failed connection; only its message tells them apart."""


class PtbClient:
    """PTB's Bot, one request per call (:class:`handlers.telegram_runtime.BotClient`)."""

    def __init__(self, token: str, api_url: str) -> None:
        self._requests = (AiohttpRequest(HTTP_CONNECTIONS), AiohttpRequest(1))
        self.application = (
            Application.builder()
            .token(token)
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .updater(None)
            .build()
        )

    async def open(self) -> BotIdentity:
        """PTB's initialize, which asks getMe itself."""
        await self.application.initialize()
        me = self.application.bot.bot
        return BotIdentity(me.id, me.username or "")

    async def call(self, call: ApiCall) -> Any:
        params = dict(call.params)
        if call.upload:
            params[call.upload.field] = InputFile(call.upload.content, filename=call.upload.filename)
        return await self.application.bot.do_api_request(call.method, api_kwargs=params)

    async def get_updates(self, offset: int, wait: int) -> list[dict[str, Any]]:
        params = {"offset": offset, "timeout": wait, "allowed_updates": list(ALLOWED_UPDATES)}
        result = await self.application.bot.do_api_request(
            "getUpdates", api_kwargs=params, read_timeout=wait + POLL_MARGIN
        )
        return list(result) if isinstance(result, list) else []

    def classify(self, exc: BaseException) -> Retry | Refusal | None:
        if isinstance(exc, RetryAfter):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # PTB's notice that retry_after will become a timedelta
                delay = exc.retry_after
            return Retry("429", _seconds(delay))
        if isinstance(exc, BadRequest):  # a NetworkError to PTB, but a 400: refused for good
            return Refusal(exc.message)
        if isinstance(exc, NetworkError):
            server = any(word in exc.message for word in SERVER_ERRORS)
            return Retry("5xx" if server else "network", detail=exc.message)
        if isinstance(exc, TelegramError):
            return Refusal(exc.message, unauthorized=isinstance(exc, InvalidToken))
        return None

    async def close(self) -> None:
        await self.application.shutdown()
        for request in self._requests:  # PTB shuts down only what it initialized in full
            await request.shutdown()


class PtbRuntime(Runtime):
    """The shared runtime on python-telegram-bot."""

    def __init__(self, app: App, conversation: Conversation | None = None) -> None:
        super().__init__(app, PtbClient(token_of(app.settings), app.settings.telegram_api_url), conversation)
