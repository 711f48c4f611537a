"""A Telegram Bot API emulator: a real HTTP server that aiogram and python-telegram-bot talk to.

The bot side sees ``{base}/bot{token}/{method}`` as on api.telegram.org (JSON, urlencoded or multipart
bodies) and gets Telegram's answers, including its 400s where our promises are at stake: invalid HTML,
text over 4096 characters, callback data over 64 bytes, unknown callback query ids. The test side injects
what people do (``inject_message``, ``inject_location``, ``inject_callback``, ``inject_inline_query``,
...), delivered by long polling or by webhook, and reads back every call the bot made (``calls``,
``wait_for_call``).

In-process::

    async with BotAPIEmulator() as emulator:
        settings = Settings(bot_token=emulator.token, telegram_api_url=emulator.url)

As a separate process (the benchmark): ``python -m tests.support.botapi_emulator --port 8081``; the test side is
then reachable over HTTP under ``/_emulator/`` (inject, stats).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from tests.support.emulator.telegram_html import HTMLParseError, parse_html

DEFAULT_TOKEN = "123:ABC"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
REPLY_METHODS = frozenset(
    {"sendmessage", "sendvenue", "sendlocation", "sendphoto", "senddocument", "editmessagetext"}
)
"""Methods that count as the bot's answer to a person, for latency measurements."""

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "results",
        "commands",
        "scope",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "button",
    }
)
_INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "reply_to_message_id",
        "max_connections",
        "live_period",
        "user_id",
    }
)
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
    }
)
_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "pay",
    "callback_game",
    "copy_text",
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_UPDATE_TYPES = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "channel_post",
    "my_chat_member",
)


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass
class Call:
    """One request the bot made, and what the emulator answered."""

    method: str
    """As Telegram documents it (``sendMessage``), whatever case the bot used."""
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    at: float
    ok: bool = True
    result: Any = None
    error: str = ""
    status: int = 200
    index: int = -1
    """Position in the emulator's call log."""


@dataclass
class Fault:
    count: int
    status: int
    retry_after: int | None
    methods: frozenset[str] | None


@dataclass
class Stall:
    count: int
    seconds: float
    methods: frozenset[str]


@dataclass
class _Pending:
    update: dict[str, Any]
    chat_id: int | None
    delivered_at: float | None = None


@dataclass
class Stats:
    """What the benchmark reads: one latency per answered update, delivery to first reply."""

    latencies: list[float] = field(default_factory=list)
    first_delivery: float | None = None
    last_reply: float | None = None
    delivered: int = 0


def make_user(user_id: int, language_code: str | None = "en", first_name: str = "Test") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"{first_name} {user_id}"}
    if language_code:
        user["language_code"] = language_code
    return user


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram would attach: a leading bot command and @mentions."""
    entities = []
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
    for match in re.finditer(r"@[A-Za-z0-9_]{5,32}", text):
        if match.start() == 0 or not text[match.start() - 1].isalnum():
            if entities and entities[0]["type"] == "bot_command" and match.start() < len(text.split()[0]):
                continue
            entities.append(
                {
                    "type": "mention",
                    "offset": _utf16_len(text[: match.start()]),
                    "length": _utf16_len(match.group()),
                }
            )
    return entities


class BotAPIEmulator:
    """One bot, its chats and its update queue. Use as an async context manager."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "concierge_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        control: bool = False,
    ):
        self.token = token
        self.bot_username = bot_username
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Concierge",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.host = host
        self.port = port
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.inline_queries: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.webhook: dict[str, Any] = {}
        self.stats = Stats()
        self._queue: deque[_Pending] = deque()
        self._outstanding: dict[int, deque[float]] = defaultdict(deque)
        self._allowed: list[str] | None = None
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._faults: list[Fault] = []
        self._stalls: list[Stall] = []
        self._updates_arrived = asyncio.Event()
        self._calls_changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._control = control

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        if self._control:
            _add_control_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and hasattr(server, "sockets")
        self.port = server.sockets[0].getsockname()[1]
        return self.url

    async def stop(self) -> None:
        self._closing = True
        self._updates_arrived.set()
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- test side: what people do -----------------------------------------------------------------

    def _user(self, user: int | Mapping[str, Any], language_code: str | None) -> dict[str, Any]:
        if isinstance(user, int):
            return make_user(user, language_code)
        return dict(user)

    def _chat(self, user: dict[str, Any], chat_id: int | None, chat_type: str) -> dict[str, Any]:
        if chat_type == "private":
            chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        else:
            chat = {"id": chat_id or -1000 - user["id"], "type": chat_type, "title": "Neighbours"}
        self.chats[chat["id"]] = chat
        return chat

    def inject_update(self, update: dict[str, Any], chat_id: int | None = None) -> int:
        """Queue a raw update (its ``update_id`` is set here); returns the update id."""
        update = {"update_id": next(self._update_ids), **update}
        self._queue.append(_Pending(update, chat_id))
        self._wake()
        return int(update["update_id"])

    def inject_raw_message(
        self,
        user: int | Mapping[str, Any],
        fields: Mapping[str, Any],
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
        language_code: str | None = "en",
        reply_to: int | None = None,
        edited: bool = False,
    ) -> int:
        who = self._user(user, language_code)
        chat = self._chat(who, chat_id, chat_type)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids[chat["id"]]),
            "from": who,
            "chat": chat,
            "date": int(time.time()),
            **fields,
        }
        if reply_to is not None:
            message["reply_to_message"] = self.messages[(chat["id"], reply_to)]
        if edited:
            message["edit_date"] = int(time.time())
        self.messages[(chat["id"], message["message_id"])] = message
        return self.inject_update({"edited_message" if edited else "message": message}, chat["id"])

    def inject_message(
        self,
        user: int | Mapping[str, Any],
        text: str,
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
        language_code: str | None = "en",
        reply_to: int | None = None,
        edited: bool = False,
    ) -> int:
        fields: dict[str, Any] = {"text": text}
        entities = _entities(text)
        if entities:
            fields["entities"] = entities
        return self.inject_raw_message(
            user,
            fields,
            chat_type=chat_type,
            chat_id=chat_id,
            language_code=language_code,
            reply_to=reply_to,
            edited=edited,
        )

    def inject_edit(
        self,
        user: int | Mapping[str, Any],
        chat_id: int,
        message_id: int,
        text: str,
        *,
        language_code: str | None = "en",
    ) -> int:
        """The person edits their earlier message: its text, or a photo's caption. Telegram sends the
        whole message again, same ``message_id``, as ``edited_message`` with an ``edit_date``."""
        message = self.messages.get((chat_id, message_id))
        if message is None or message["from"]["id"] != self._user(user, language_code)["id"]:
            raise ValueError("one can only edit one's own message")
        field = "caption" if "photo" in message else "text"
        edited = {**message, field: text, "edit_date": int(time.time())}
        edited.pop("entities" if field == "text" else "caption_entities", None)
        entities = _entities(text)
        if entities:
            edited["entities" if field == "text" else "caption_entities"] = entities
        self.messages[(chat_id, message_id)] = edited
        return self.inject_update({"edited_message": edited}, chat_id)

    def inject_location(
        self,
        user: int | Mapping[str, Any],
        lat: float,
        lon: float,
        *,
        live_period: int | None = None,
        chat_type: str = "private",
        chat_id: int | None = None,
        language_code: str | None = "en",
    ) -> int:
        location: dict[str, Any] = {"latitude": lat, "longitude": lon}
        if live_period:
            location["live_period"] = live_period
        return self.inject_raw_message(
            user, {"location": location}, chat_type=chat_type, chat_id=chat_id, language_code=language_code
        )

    def inject_sticker(self, user: int | Mapping[str, Any], **kwargs: Any) -> int:
        sticker = {
            "file_id": "sticker-" + secrets.token_hex(4),
            "file_unique_id": secrets.token_hex(4),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.inject_raw_message(user, {"sticker": sticker}, **kwargs)

    def inject_photo(self, user: int | Mapping[str, Any], caption: str = "", **kwargs: Any) -> int:
        file_id = "photo-" + secrets.token_hex(4)
        self.files[file_id] = b"\xff\xd8\xff\xe0 not really a jpeg"
        sizes = [{"file_id": file_id, "file_unique_id": file_id[-8:], "width": 640, "height": 480}]
        fields: dict[str, Any] = {"photo": sizes}
        if caption:
            fields["caption"] = caption
        return self.inject_raw_message(user, fields, **kwargs)

    def inject_voice(self, user: int | Mapping[str, Any], **kwargs: Any) -> int:
        voice = {"file_id": "voice-" + secrets.token_hex(4), "file_unique_id": "v1", "duration": 3}
        return self.inject_raw_message(user, {"voice": voice}, **kwargs)

    def inject_callback(
        self,
        user: int | Mapping[str, Any],
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "en",
    ) -> str:
        """A button press on an earlier message (any data, so forged presses can be tested)."""
        who = self._user(user, language_code)
        chat = chat_id if chat_id is not None else who["id"]
        message = self.messages[(chat, message_id)]
        query_id = str(secrets.randbits(63))
        self.callback_queries[query_id] = {"answered": False, "user_id": who["id"]}
        self.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": who,
                    "message": message,
                    "chat_instance": str(chat),
                    "data": data,
                }
            },
            chat,
        )
        return query_id

    def inject_inline_query(
        self,
        user: int | Mapping[str, Any],
        query: str,
        *,
        location: tuple[float, float] | None = None,
        language_code: str | None = "en",
    ) -> str:
        who = self._user(user, language_code)
        query_id = str(secrets.randbits(63))
        self.inline_queries[query_id] = {"answered": False, "user_id": who["id"]}
        inline: dict[str, Any] = {
            "id": query_id,
            "from": who,
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
        if location:
            inline["location"] = {"latitude": location[0], "longitude": location[1]}
        self.inject_update({"inline_query": inline})
        return query_id

    def fail_next(
        self, count: int, status: int = 429, *, retry_after: int | None = 1, methods: set[str] | None = None
    ) -> None:
        """Answer the next ``count`` calls (of ``methods``, default all but getUpdates) with an error."""
        names = frozenset(m.lower() for m in methods) if methods else None
        self._faults.append(Fault(count, status, retry_after if status == 429 else None, names))

    def stall_next(self, count: int, seconds: float, methods: set[str]) -> None:
        """Carry out the next ``count`` calls of ``methods`` at once, as Telegram does, but answer each
        only after ``seconds``: a slow network or a busy server, seen from the bot."""
        self._stalls.append(Stall(count, seconds, frozenset(m.lower() for m in methods)))

    def _take_stall(self, name: str) -> float:
        for stall in self._stalls:
            if stall.count > 0 and name in stall.methods:
                stall.count -= 1
                return stall.seconds
        return 0.0

    # -- test side: what the bot did ---------------------------------------------------------------

    def mark(self) -> int:
        """A position in the call log; pass it as ``since`` to wait only for later calls."""
        return len(self.calls)

    def calls_to(self, method: str, since: int = 0) -> list[Call]:
        name = method.lower()
        return [c for c in self.calls[since:] if c.method.lower() == name]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        within: float = 5.0,
        since: int = 0,
    ) -> Call:
        """The first call of ``method`` (at or after ``since``) matching ``predicate``; TimeoutError after ``within`` s."""
        name = method.lower()
        scanned = since

        def find() -> Call | None:
            nonlocal scanned
            for call in self.calls[scanned:]:
                scanned += 1
                if call.method.lower() == name and (predicate is None or predicate(call)):
                    return call
            return None

        async with asyncio.timeout(within), self._calls_changed:
            while (found := find()) is None:
                await self._calls_changed.wait()
            return found

    async def wait_idle(self, quiet: float = 0.2, within: float = 5.0) -> None:
        """Wait until no update is pending and the bot made no call for ``quiet`` seconds."""
        async with asyncio.timeout(within):
            while True:
                seen = len(self.calls)
                await asyncio.sleep(quiet)
                if len(self.calls) == seen and not self._queue:
                    return

    # -- bot side ----------------------------------------------------------------------------------

    def _wake(self) -> None:
        self._updates_arrived.set()

    async def _wait_for_updates(self, deadline: float) -> None:
        """Until an (allowed) update is queued, the deadline passes or the emulator stops."""
        while not self._closing:
            self._drop_unwanted()
            remaining = deadline - time.monotonic()
            if self._queue or remaining <= 0:
                return
            self._updates_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_arrived.wait(), remaining)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1].split(".", 1)[0]
        if file_id not in self.files:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=self.files[file_id])

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        try:
            params, files = await _read_params(request)
        except (ValueError, json.JSONDecodeError) as exc:
            return web.json_response(bad_request(f"can't parse request: {exc}").body(), status=400)
        call = Call(_canonical(method), params, files, time.monotonic())
        try:
            call.result = await self.dispatch(method, params, files, call.at)
        except ApiError as exc:
            call.ok, call.error, call.status = False, exc.description, exc.code
            response = web.json_response(exc.body(), status=exc.code)
        else:
            response = web.json_response({"ok": True, "result": call.result})
        if call.method != "getUpdates" or not call.ok or call.result:
            call.index = len(self.calls)
            self.calls.append(call)
            async with self._calls_changed:
                self._calls_changed.notify_all()
        stall = self._take_stall(call.method.lower())
        if stall:
            await asyncio.sleep(stall)
        return response

    def _take_fault(self, name: str) -> ApiError | None:
        for fault in self._faults:
            applies = name != "getupdates" if fault.methods is None else name in fault.methods
            if fault.count > 0 and applies:
                fault.count -= 1
                if fault.status == 429:
                    after = fault.retry_after or 1
                    return ApiError(429, f"Too Many Requests: retry after {after}", {"retry_after": after})
                return ApiError(
                    fault.status, "Internal Server Error" if fault.status >= 500 else "Bad Request"
                )
        return None

    async def dispatch(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]], at: float
    ) -> Any:
        name = method.lower()
        fault = self._take_fault(name)
        if fault:
            raise fault
        handler = self._methods().get(name)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        result = await handler(params, files)
        if name in REPLY_METHODS:
            self._record_reply(params, at)
        return result

    def _methods(self) -> dict[str, Callable[[dict[str, Any], dict[str, Any]], Awaitable[Any]]]:
        return {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "sendlocation": self._send_location,
            "sendvenue": self._send_venue,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendchataction": self._true,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getfile": self._get_file,
            "close": self._true,
            "logout": self._true,
        }

    def _record_reply(self, params: dict[str, Any], at: float) -> None:
        chat_id = params.get("chat_id")
        pending = self._outstanding.get(chat_id) if isinstance(chat_id, int) else None
        if pending:
            self.stats.latencies.append(at - pending.popleft())
            self.stats.last_reply = at

    async def _true(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _get_updates(self, params: dict[str, Any], files: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params and params["allowed_updates"] is not None:
            self._allowed = list(params["allowed_updates"]) or None
        while self._queue and offset and self._queue[0].update["update_id"] < offset:
            self._queue.popleft()
        await self._wait_for_updates(time.monotonic() + timeout)
        batch = list(itertools.islice(self._queue, limit))
        now = time.monotonic()
        for pending in batch:
            self._mark_delivered(pending, now)
        return [pending.update for pending in batch]

    def _drop_unwanted(self) -> None:
        if self._allowed is None:
            return
        self._queue = deque(p for p in self._queue if _update_type(p.update) in self._allowed)

    def _mark_delivered(self, pending: _Pending, now: float) -> None:
        if pending.delivered_at is not None:
            return
        pending.delivered_at = now
        self.stats.delivered += 1
        if self.stats.first_delivery is None:
            self.stats.first_delivery = now
        if pending.chat_id is not None:
            self._outstanding[pending.chat_id].append(now)

    # -- sending -----------------------------------------------------------------------------------

    def _chat_of(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def _new_message(self, chat: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids[chat["id"]]),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            **fields,
        }
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _markup(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        if not markup:
            return {}
        _check_markup(markup)
        return {"reply_markup": markup} if "inline_keyboard" in markup else {}

    def _reply_to(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """``reply_parameters`` (or the older ``reply_to_message_id``) as Telegram keeps them: the
        quoted message, which must exist unless ``allow_sending_without_reply``."""
        reply = params.get("reply_parameters") or {}
        if not reply and params.get("reply_to_message_id"):
            reply = {"message_id": params["reply_to_message_id"]}
        if not reply:
            return {}
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters")
        quoted = self.messages.get((chat["id"], reply["message_id"]))
        if quoted is None:
            if reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
                return {}
            raise bad_request("message to be replied not found")
        return {"reply_to_message": {k: v for k, v in quoted.items() if k != "reply_to_message"}}

    async def _send_message(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        text = _checked_text(params.get("text"), params.get("parse_mode"), TEXT_LIMIT, "message text")
        fields = {"text": text, "html": params.get("text"), **self._markup(params)}
        return self._new_message(chat, {**fields, **self._reply_to(chat, params)})

    async def _edit_message_text(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        text = _checked_text(params.get("text"), params.get("parse_mode"), TEXT_LIMIT, "message text")
        markup = self._markup(params)
        if params.get("inline_message_id"):
            return True
        chat = self._chat_of(params)
        message = self.messages.get((chat["id"], params.get("message_id") or 0))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"].get("id") != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        if message.get("text") == text and message.get("reply_markup") == markup.get("reply_markup"):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        message.update(text=text, html=params.get("text"), edit_date=int(time.time()))
        message.pop("reply_markup", None)
        message.update(markup)
        return message

    async def _answer_callback_query(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        query = self.callback_queries.get(str(params.get("callback_query_id", "")))
        if query is None or query["answered"]:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query["answered"] = True
        return True

    async def _answer_inline_query(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        query = self.inline_queries.get(str(params.get("inline_query_id", "")))
        if query is None or query["answered"]:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH" if isinstance(results, list) else "results must be an array")
        ids = set()
        for result in results:
            result_id = str(result.get("id", ""))
            if not result_id or len(result_id.encode()) > 64 or result_id in ids:
                raise bad_request("RESULT_ID_INVALID" if result_id not in ids else "RESULT_ID_DUPLICATE")
            ids.add(result_id)
            if result.get("type") not in {"article", "venue", "location", "photo", "document"}:
                raise bad_request("RESULT_TYPE_INVALID")
            content = result.get("input_message_content")
            if result["type"] == "article" and not content:
                raise bad_request("MESSAGE_EMPTY")
            if content and "message_text" in content:
                _checked_text(content["message_text"], content.get("parse_mode"), TEXT_LIMIT, "message text")
            if result.get("reply_markup"):
                _check_markup(result["reply_markup"])
        query["answered"] = True
        return True

    async def _send_location(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        location = _location(params)
        return self._new_message(chat, {"location": location, **self._markup(params)})

    async def _send_venue(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        location = _location(params)
        title, address = str(params.get("title") or ""), str(params.get("address") or "")
        if not title or not address:
            raise bad_request("VENUE_TITLE_EMPTY" if not title else "VENUE_ADDRESS_EMPTY")
        venue = {"location": location, "title": title, "address": address}
        return self._new_message(chat, {"venue": venue, "location": location, **self._markup(params)})

    def _file(
        self, params: dict[str, Any], files: dict[str, tuple[str, bytes]], name: str
    ) -> tuple[str, bytes]:
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = files.get(value.removeprefix("attach://"))
        elif value is None:
            value = files.get(name)
        if isinstance(value, tuple):
            return value
        if isinstance(value, str) and value:
            if value.startswith(("http://", "https://")) or value in self.files:
                return value, self.files.get(value, b"")
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request(f"there is no {name} in the request")

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("caption"):
            return {}
        caption = _checked_text(params["caption"], params.get("parse_mode"), CAPTION_LIMIT, "message caption")
        return {"caption": caption, "caption_html": params["caption"]}

    async def _send_photo(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        caption = self._caption(params)
        _, content = self._file(params, files, "photo")
        file_id = "photo-" + secrets.token_hex(6)
        self.files[file_id] = content
        sizes = [{"file_id": file_id, "file_unique_id": file_id[-8:], "width": 800, "height": 600}]
        return self._new_message(chat, {"photo": sizes, **caption, **self._markup(params)})

    async def _send_document(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        caption = self._caption(params)
        filename, content = self._file(params, files, "document")
        file_id = "doc-" + secrets.token_hex(6)
        self.files[file_id] = content
        document = {"file_id": file_id, "file_unique_id": file_id[-8:], "file_name": filename}
        return self._new_message(chat, {"document": document, **caption, **self._markup(params)})

    async def _get_file(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": file_id[-8:],
            "file_size": len(self.files[file_id]),
            "file_path": f"files/{file_id}.bin",
        }

    # -- commands and webhook ----------------------------------------------------------------------

    @staticmethod
    def _command_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return str(scope.get("type", "default")), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("LANG_CODE_INVALID")
        self.commands[self._command_key(params)] = commands
        return True

    async def _get_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> list[Any]:
        return self.commands.get(self._command_key(params), [])

    async def _delete_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    async def _set_webhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params, files)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._queue.clear()
        if params.get("allowed_updates") is not None:
            self._allowed = list(params["allowed_updates"]) or None
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": int(params.get("max_connections") or 40),
        }
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        self._wake()
        return True

    async def _delete_webhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._queue.clear()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        return True

    async def _get_webhook_info(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self._allowed:
                info["allowed_updates"] = self._allowed
        return info

    async def _deliver_webhooks(self) -> None:
        """POST queued updates to the webhook, like Telegram: the secret header, retries until 2xx."""
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            while self.webhook.get("url") and not self._closing:
                await self._wait_for_updates(float("inf"))
                batch = list(self._queue)
                now = time.monotonic()
                for pending in batch:
                    self._mark_delivered(pending, now)
                sent = await asyncio.gather(*(self._post_update(session, p.update) for p in batch))
                delivered = {p.update["update_id"] for p, ok in zip(batch, sent, strict=True) if ok}
                self._queue = deque(p for p in self._queue if p.update["update_id"] not in delivered)
                if not all(sent):
                    await asyncio.sleep(0.2)

    async def _post_update(self, session: ClientSession, update: dict[str, Any]) -> bool:
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        try:
            async with session.post(self.webhook["url"], json=update, headers=headers) as response:
                if response.status >= 300:
                    return False
                body = await response.read()
        except (OSError, TimeoutError, KeyError):
            return False
        await self._webhook_reply(body)
        return True

    async def _webhook_reply(self, body: bytes) -> None:
        """Telegram executes a method call returned in the webhook's response body."""
        with contextlib.suppress(ValueError):
            reply = json.loads(body) if body else None
            if isinstance(reply, dict) and reply.get("method"):
                params = {k: _coerce(k, v) for k, v in reply.items() if k != "method"}
                call = Call(_canonical(reply["method"]), params, {}, time.monotonic())
                try:
                    call.result = await self.dispatch(reply["method"], params, {}, call.at)
                except ApiError as exc:
                    call.ok, call.error, call.status = False, exc.description, exc.code
                call.index = len(self.calls)
                self.calls.append(call)
                async with self._calls_changed:
                    self._calls_changed.notify_all()


# -- request parsing and validation ----------------------------------------------------------------

_CANONICAL = {
    name.lower(): name
    for name in [
        "getMe",
        "getUpdates",
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
        "answerInlineQuery",
        "sendLocation",
        "sendVenue",
        "sendPhoto",
        "sendDocument",
        "sendChatAction",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "getFile",
        "close",
        "logOut",
    ]
}


def _canonical(method: str) -> str:
    return _CANONICAL.get(method.lower(), method)


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in _UPDATE_TYPES if key in update), "")


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        return json.loads(value)
    if name in _INT_FIELDS:
        return int(value)
    if name in _FLOAT_FIELDS:
        return float(value)
    if name in _BOOL_FIELDS:
        return value.lower() in {"true", "1"}
    if name == "chat_id":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    return value


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        raw.update(body)
    elif request.content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename, value.file.read())
            else:
                raw[key] = value
    return {key: _coerce(key, value) for key, value in raw.items()}, files


def _checked_text(text: Any, parse_mode: Any, limit: int, what: str) -> str:
    """The plain text Telegram would keep, or the 400 it would answer."""
    if not isinstance(text, str) or not text.strip():
        raise bad_request(f"{what} is empty")
    plain = text
    if isinstance(parse_mode, str) and parse_mode.lower() == "html":
        try:
            plain = parse_html(text)
        except HTMLParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif parse_mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r} in this emulator")
    if not plain.strip():
        raise bad_request(f"{what} is empty")
    if len(plain) > limit:
        raise bad_request("message is too long" if what == "message text" else "message caption is too long")
    return plain


def _location(params: dict[str, Any]) -> dict[str, float]:
    lat, lon = params.get("latitude"), params.get("longitude")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        raise bad_request("latitude and longitude are required")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong latitude or longitude")
    return {"latitude": float(lat), "longitude": float(lon)}


def _check_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for row in markup["inline_keyboard"]:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                text = button if isinstance(button, str) else button.get("text")
                if not text:
                    raise bad_request("keyboard button text is empty")
    elif not markup.get("remove_keyboard") and not markup.get("force_reply"):
        raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in _INLINE_BUTTON_ACTIONS if key in button]
    if len(actions) != 1:
        raise bad_request("can't parse inline keyboard button: exactly one action field is required")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


# -- control plane for a separate process ----------------------------------------------------------


INJECTABLE = frozenset({"message", "location", "callback", "inline_query"})


def _add_control_routes(app: web.Application, emulator: BotAPIEmulator) -> None:
    """``/_emulator/...``: the test side over HTTP, for the benchmark driving another process."""

    def inject(item: dict[str, Any]) -> Any:
        kind = item.pop("kind")
        if kind == "message":
            return emulator.inject_message(item.pop("user"), item.pop("text"), **item)
        if kind == "location":
            return emulator.inject_location(item.pop("user"), item.pop("lat"), item.pop("lon"), **item)
        if kind == "callback":
            return emulator.inject_callback(
                item.pop("user"), item.pop("message_id"), item.pop("data"), **item
            )
        if kind == "inline_query":
            return emulator.inject_inline_query(item.pop("user"), item.pop("query"), **item)
        raise ValueError(f"unknown kind {kind!r}")

    async def inject_many(request: web.Request) -> web.Response:
        items = await request.json()
        try:
            return web.json_response({"ids": [inject(dict(item)) for item in items]})
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)

    pacing: set[asyncio.Task[None]] = set()

    async def inject_paced(request: web.Request) -> web.Response:
        """``{"items": [...], "rate": n}``: injects the items ``n`` a second, from here, so the process
        being measured spends nothing on sending them."""
        body = await request.json()
        items, rate = list(body["items"]), float(body["rate"])
        if rate <= 0 or any(item.get("kind") not in INJECTABLE for item in items):
            return web.json_response({"error": "a positive rate and known kinds are needed"}, status=400)

        async def feed() -> None:
            start = time.monotonic()
            for i, item in enumerate(items):
                await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
                inject(dict(item))

        task = asyncio.create_task(feed())
        pacing.add(task)
        task.add_done_callback(pacing.discard)
        return web.json_response({"count": len(items)})

    async def stats(request: web.Request) -> web.Response:
        counts: dict[str, int] = defaultdict(int)
        errors: dict[str, int] = defaultdict(int)
        for call in emulator.calls:
            counts[call.method] += 1
            if not call.ok:
                errors[f"{call.method}: {call.error}"] += 1
        s = emulator.stats
        return web.json_response(
            {
                "calls": counts,
                "errors": errors,
                "pending": len(emulator._queue),
                "delivered": s.delivered,
                "latencies": s.latencies,
                "first_delivery": s.first_delivery,
                "last_reply": s.last_reply,
            }
        )

    async def reset(request: web.Request) -> web.Response:
        emulator.stats = Stats()
        emulator.calls.clear()
        emulator._outstanding.clear()
        return web.json_response({"ok": True})

    app.router.add_post("/_emulator/inject", inject_many)
    app.router.add_post("/_emulator/inject_paced", inject_paced)
    app.router.add_get("/_emulator/stats", stats)
    app.router.add_post("/_emulator/reset", reset)


async def _serve(host: str, port: int, token: str) -> None:
    emulator = BotAPIEmulator(token, host=host, port=port, control=True)
    await emulator.start()
    print(f"emulator listening on {emulator.url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Telegram Bot API emulator (for tests and benchmarks).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
