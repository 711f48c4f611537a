"""The Telegram bot on python-telegram-bot 22, doing exactly what :mod:`handlers.aiogram_runtime` does.

All translation lives in :mod:`handlers.telegram_render`; this module only moves its dicts through
PTB's Application (long polling with concurrent updates, or updates fed from our own webhook route).
PTB's HTTP goes through :class:`AiohttpRequest`, its documented transport hook, rather than httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import warnings
from collections import OrderedDict
from typing import Any

import aiohttp
import aiohttp.payload
from telegram import InputFile, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

from concierge.app import App, freeze_heap
from concierge.conversation import Conversation, bot_commands
from concierge.errors import UserError
from concierge.events import Event, Notify
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
    send_notice,
)
from handlers.telegram_retry import ptb_retry_limiter

log = logging.getLogger(__name__)
MAX_RETRY_AFTER = 30
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


class RawUpdates:
    """Updates as the Bot API sent them, by update_id, until their handler takes them.

    The handler turns an update into an event from its JSON; rebuilding that from PTB's objects
    (``Update.to_dict``) costs more than PTB's own parsing. Bounded, in case an update never reaches
    a handler.
    """

    LIMIT = 10_000

    def __init__(self) -> None:
        self._updates: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def keep(self, updates: object) -> None:
        for update in updates if isinstance(updates, list) else ():
            if isinstance(update, dict) and isinstance(update.get("update_id"), int):
                self._updates[update["update_id"]] = update
        while len(self._updates) > self.LIMIT:
            self._updates.popitem(last=False)

    def take(self, update: Update) -> dict[str, Any]:
        raw = self._updates.pop(update.update_id, None)
        return raw if raw is not None else update.to_dict()


class UpdatesRequest(AiohttpRequest):
    """The getUpdates transport, which also keeps each update's JSON for :class:`RawUpdates`."""

    def __init__(self, raw: RawUpdates) -> None:
        super().__init__(connections=1)
        self._raw = raw

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        with contextlib.suppress(ValueError, AttributeError):
            self._raw.keep(json.loads(payload).get("result"))
        return status, payload


class PtbRuntime:
    def __init__(self, app: App, conversation: Conversation | None = None):
        settings = app.settings
        if settings.bot_token is None:
            raise UserError("CONCIERGE_BOT_TOKEN is not set: the Telegram bot needs a token from @BotFather")
        api = self.api_url = settings.telegram_api_url
        self._raw = RawUpdates()
        self.application = (
            Application.builder()
            .token(settings.bot_token.get_secret_value())
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .concurrent_updates(CONCURRENT_UPDATES)
            .request(AiohttpRequest(HTTP_CONNECTIONS))
            .get_updates_request(UpdatesRequest(self._raw))
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
        freeze_heap()

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
        self._raw.keep([update])
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await self.application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )

    async def close(self) -> None:
        """Let updates in progress finish (a few seconds at most), write what the core still holds
        (usage counts), then shut PTB down."""
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=10)
        await self.conversation.drain()
        await self.application.shutdown()

    async def notify(self, note: Notify) -> None:
        """A message to someone who did not just write (the periodic jobs' sender)."""
        await send_notice(note, self.execute)

    async def execute(self, call: ApiCall) -> Any:
        """One Bot API call and its result (None when it failed); waits once on a 429, logs (without
        message text) anything else."""
        params = dict(call.params)
        if call.upload:
            params[call.upload.field] = InputFile(call.upload.content, filename=call.upload.filename)
        for attempt in range(2):
            try:
                return await self.application.bot.do_api_request(call.method, api_kwargs=params)
            except RetryAfter as exc:
                delay = _seconds(exc.retry_after)
                if attempt or delay > MAX_RETRY_AFTER:
                    log.warning("%s: rate limited for %ss, dropped", call.method, delay)
                    return None
                await asyncio.sleep(delay)
            except TelegramError as exc:
                if not harmless(exc.message):
                    log.warning("%s refused: %s", call.method, exc.message)
                return None
        return None

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            event: Event | None = event_from_update(self._raw.take(update), self.identity)
            if event is not None:
                await respond(self.handle, event, self.execute)
        finally:
            if task is not None:
                self._inflight.discard(task)
