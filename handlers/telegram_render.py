"""What both Telegram runtimes share, as pure functions over the Bot API's own JSON vocabulary.

Inbound: a message, callback query or inline query (as Bot API dicts) becomes one neutral
:class:`~concierge.events.Event`. Outbound: each neutral reply becomes :class:`ApiCall` s (a Bot API
method name and its parameters). The runtimes only move these dicts in and out of their library, which
keeps aiogram and python-telegram-bot behaving identically.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from concierge.events import (
    AnswerCallback,
    AnswerInline,
    Button,
    Event,
    InlineResult,
    Keyboard,
    Notify,
    Reply,
    SendDocument,
    SendLocation,
    SendPhoto,
    SendText,
    SendVenue,
)
from concierge.settings import LANGUAGES
from handlers.telegram_retry import broadcasting

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "inline_query")
CONCURRENT_UPDATES = 256
"""Updates each worker handles at once (handlers/delivery.py); beyond that, they wait in the inbox. Most
of them only wait for a turn in the core (:data:`CORE_SLOTS`); replies are paced in the outbox, per chat,
so one busy group being paced never holds up everyone else."""
CORE_SLOTS = 8
"""Events in the conversation core at once. It is CPU-bound with short database transactions; more at once
only adds lock waits (SQLite) and tail latency (benchmarks/bench_runtimes.py)."""
HTTP_CONNECTIONS = 8
"""python-telegram-bot's connection pool (on aiohttp, see handlers/ptb_runtime.py): requests are short,
so a few kept-alive connections carry hundreds of answers a second."""
IGNORED_ERRORS = ("message is not modified", "query is too old")
"""Bot API refusals that are harmless after the fact and are only logged."""


@dataclass(frozen=True, slots=True)
class Upload:
    field: str
    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    """As the Bot API spells it: ``sendMessage``."""
    params: dict[str, Any]
    upload: Upload | None = None
    """A file to send as ``params[upload.field]``; the runtime wraps it in its own input-file type."""
    answers: int | None = None
    """The person's message this call's new message answers, for :class:`AnswerLog`."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the replies to one event go."""

    chat_id: int
    callback_id: str | None = None
    inline_query_id: str | None = None


@dataclass(frozen=True, slots=True)
class BotIdentity:
    id: int
    username: str


class AnswerLog:
    """Which of the bot's messages answered which question, per chat, for the latest questions: when
    a question is edited, its answer is edited (Telegram's edited message says nothing about it).

    In memory and bounded: with several webhook workers an edit may reach a worker that did not send
    the answer, which then answers anew, as a reply to the edited question.
    """

    LIMIT = 20_000

    def __init__(self) -> None:
        self._answers: OrderedDict[tuple[int, int], int] = OrderedDict()

    def remember(self, chat_id: int, question_id: int, answer_id: int) -> None:
        self._answers[(chat_id, question_id)] = answer_id
        self._answers.move_to_end((chat_id, question_id))
        while len(self._answers) > self.LIMIT:
            self._answers.popitem(last=False)

    def answer_to(self, chat_id: int, question_id: int) -> int | None:
        return self._answers.get((chat_id, question_id))


ANSWERS = AnswerLog()
"""The process's log, shared by whichever runtime runs in it."""


# -- inbound ----------------------------------------------------------------------------------------


def _user_fields(user: Mapping[str, Any] | None, chat: Mapping[str, Any]) -> dict[str, Any]:
    user = user or {}
    return {"user_id": int(user.get("id", chat["id"])), "language_code": user.get("language_code")}


def _mentions(text: str, username: str) -> bool:
    return bool(username) and re.search(rf"@{re.escape(username)}\b", text, re.IGNORECASE) is not None


def event_from_message(message: Mapping[str, Any], bot: BotIdentity, *, edited: bool = False) -> Event | None:
    """The event a (possibly edited) message stands for; ``None`` for a command meant for another bot.

    A live location's moving pin arrives as an edited message: that is a fresh position, not an edit.
    """
    chat = message["chat"]
    text = message.get("text") or message.get("caption") or ""
    reply_to = message.get("reply_to_message") or {}
    base: dict[str, Any] = {
        **_user_fields(message.get("from"), chat),
        "chat_id": int(chat["id"]),
        "chat_type": chat.get("type", "private"),
        "message_id": message.get("message_id"),
        "edited": edited,
        "addressed": chat.get("type") == "private"
        or _mentions(text, bot.username)
        or (reply_to.get("from") or {}).get("id") == bot.id,
    }
    if "text" in message and text.startswith("/"):
        head, _, rest = text.partition(" ")
        command, _, target = head[1:].partition("@")
        if target and target.lower() != bot.username.lower():
            return None
        return Event(kind="command", command=command.lower(), text=rest.strip(), **base)
    if "text" in message:
        return Event(kind="text", text=text, **base)
    if location := message.get("location"):
        live = bool(location.get("live_period")) or edited
        base["edited"] = False
        return Event(kind="location", lat=location["latitude"], lon=location["longitude"], live=live, **base)
    if photos := message.get("photo"):
        return Event(kind="photo", photo_ref=photos[-1]["file_id"], text=text, **base)
    return Event(kind="unsupported", **base)


def event_from_callback(query: Mapping[str, Any]) -> Event:
    message = query.get("message") or {}
    chat = message.get("chat") or {"id": query["from"]["id"], "type": "private"}
    return Event(
        kind="button",
        **_user_fields(query["from"], chat),
        chat_id=int(chat["id"]),
        chat_type=chat.get("type", "private"),
        text=query.get("data") or "",
        message_id=message.get("message_id"),
        callback_id=str(query["id"]),
    )


def event_from_inline_query(query: Mapping[str, Any]) -> Event:
    location = query.get("location") or {}
    return Event(
        kind="inline_query",
        **_user_fields(query["from"], {"id": query["from"]["id"]}),
        chat_id=int(query["from"]["id"]),
        chat_type="inline",
        text=query.get("query") or "",
        lat=location.get("latitude"),
        lon=location.get("longitude"),
        inline_query_id=str(query["id"]),
    )


def event_from_update(update: Mapping[str, Any], bot: BotIdentity) -> Event | None:
    """One update in the Bot API's JSON (a webhook body, an element of getUpdates)."""
    if "message" in update:
        return event_from_message(update["message"], bot)
    if "edited_message" in update:
        return event_from_message(update["edited_message"], bot, edited=True)
    if "callback_query" in update:
        return event_from_callback(update["callback_query"])
    if "inline_query" in update:
        return event_from_inline_query(update["inline_query"])
    return None


def origin_of(event: Event) -> Origin:
    return Origin(event.chat_id, event.callback_id, event.inline_query_id)


# -- outbound ---------------------------------------------------------------------------------------


def _inline_button(button: Button) -> dict[str, Any]:
    if button.url:
        return {"text": button.text, "url": button.url}
    if button.switch_inline is not None:
        return {"text": button.text, "switch_inline_query": button.switch_inline}
    return {"text": button.text, "callback_data": button.data or "-"}


def inline_keyboard(buttons: Keyboard) -> dict[str, Any] | None:
    rows = [[_inline_button(b) for b in row] for row in buttons if row]
    return {"inline_keyboard": rows} if rows else None


def reply_markup(buttons: Keyboard, remove_keyboard: bool = False) -> dict[str, Any] | None:
    """Inline buttons, or a one-time reply keyboard when a button asks for the location."""
    if any(b.request_location for row in buttons for b in row):
        rows = [[{"text": b.text, "request_location": b.request_location} for b in row] for row in buttons]
        return {"keyboard": rows, "one_time_keyboard": True, "resize_keyboard": True}
    if buttons:
        return inline_keyboard(buttons)
    return {"remove_keyboard": True} if remove_keyboard else None


def _with_markup(params: dict[str, Any], markup: dict[str, Any] | None) -> dict[str, Any]:
    if markup:
        params["reply_markup"] = markup
    return params


def _inline_result(result: InlineResult) -> dict[str, Any]:
    content = {
        "message_text": result.message_html,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    params: dict[str, Any]
    if result.lat is not None and result.lon is not None:
        shown = " · ".join(part for part in (result.status, result.address) if part)
        params = {
            "type": "venue",
            "id": result.id,
            "latitude": result.lat,
            "longitude": result.lon,
            "title": result.title,
            "address": shown or result.description or result.title,
        }
    else:
        params = {
            "type": "article",
            "id": result.id,
            "title": result.title,
            "description": result.description,
        }
    params["input_message_content"] = content
    return _with_markup(params, inline_keyboard(result.buttons))


def _edited_answer(reply: SendText, chat_id: int, answers: AnswerLog | None) -> SendText:
    """A reply replacing an earlier answer, as an edit of that answer when it is known."""
    if not reply.replace or reply.answers is None or answers is None:
        return reply
    earlier = answers.answer_to(chat_id, reply.answers)
    return reply if earlier is None else dataclasses.replace(reply, edit_message_id=earlier)


def render(reply: Reply, origin: Origin, answers: AnswerLog | None = None) -> list[ApiCall]:
    """The Bot API calls that carry out one reply to the event at ``origin``; ``answers`` finds the
    earlier answer an edited question's reply replaces."""
    chat_id = origin.chat_id
    if isinstance(reply, SendText):
        reply = _edited_answer(reply, chat_id, answers)
    match reply:
        case SendText(html, buttons, edit_message_id=edit_id) if edit_id is not None:
            params = {"chat_id": chat_id, "message_id": edit_id, "text": html, "parse_mode": "HTML"}
            params["link_preview_options"] = {"is_disabled": True}
            return [ApiCall("editMessageText", _with_markup(params, inline_keyboard(buttons)))]
        case SendText(html, buttons, remove, answers=question, quote=quote):
            params = {"chat_id": chat_id, "text": html, "parse_mode": "HTML"}
            params["link_preview_options"] = {"is_disabled": True}
            if quote and question is not None:
                params["reply_parameters"] = {"message_id": question, "allow_sending_without_reply": True}
            markup = reply_markup(buttons, remove)
            return [ApiCall("sendMessage", _with_markup(params, markup), answers=question)]
        case SendPhoto(photo, caption, buttons):
            params = {"chat_id": chat_id, "photo": photo}
            if caption:
                params.update(caption=caption, parse_mode="HTML")
            return [ApiCall("sendPhoto", _with_markup(params, inline_keyboard(buttons)))]
        case SendDocument(filename, content, caption):
            params = {"chat_id": chat_id}
            if caption:
                params.update(caption=caption, parse_mode="HTML")
            return [ApiCall("sendDocument", params, Upload("document", filename, content))]
        case SendVenue(lat, lon, title, address):
            params = {"chat_id": chat_id, "latitude": lat, "longitude": lon, "title": title}
            params["address"] = address or title
            return [ApiCall("sendVenue", params)]
        case SendLocation(lat, lon):
            return [ApiCall("sendLocation", {"chat_id": chat_id, "latitude": lat, "longitude": lon})]
        case AnswerCallback(text, alert):
            if origin.callback_id is None:
                return []
            params = {"callback_query_id": origin.callback_id}
            if text:
                params.update(text=text[:200], show_alert=alert)
            return [ApiCall("answerCallbackQuery", params)]
        case AnswerInline(results, cache_time, personal):
            if origin.inline_query_id is None:
                return []
            params = {
                "inline_query_id": origin.inline_query_id,
                "results": [_inline_result(r) for r in results],
                "cache_time": cache_time,
                "is_personal": personal,
            }
            return [ApiCall("answerInlineQuery", params)]
        case Notify(other, inner):
            return render(inner, Origin(other), answers)
    return []


def render_all(replies: Iterable[Reply], event: Event, answers: AnswerLog | None = None) -> list[ApiCall]:
    """All calls for one event, in order, with the callback answered first and always answered."""
    origin = origin_of(event)
    calls = [call for reply in replies for call in render(reply, origin, answers)]
    callback = [c for c in calls if c.method == "answerCallbackQuery"]
    if event.callback_id is not None and not callback:
        callback = [ApiCall("answerCallbackQuery", {"callback_query_id": event.callback_id})]
    return callback[:1] + [c for c in calls if c.method != "answerCallbackQuery"]


def command_calls(
    bot_commands: Callable[[str], Sequence[tuple[str, str]]], default_language: str
) -> list[ApiCall]:
    """setMyCommands for every language, and once without a language for everyone else."""

    def commands(lang: str) -> list[dict[str, str]]:
        return [{"command": name, "description": text} for name, text in bot_commands(lang)]

    calls = [
        ApiCall("setMyCommands", {"commands": commands(lang), "language_code": lang}) for lang in LANGUAGES
    ]
    calls.append(ApiCall("setMyCommands", {"commands": commands(default_language)}))
    return calls


def harmless(description: str) -> bool:
    return any(part in description.lower() for part in IGNORED_ERRORS)


def at_most(
    handle: Callable[[Event], Awaitable[list[Reply]]], slots: int = CORE_SLOTS
) -> Callable[[Event], Awaitable[list[Reply]]]:
    """``handle`` with at most ``slots`` events inside it at once; the others wait their turn."""
    gate = asyncio.Semaphore(slots)

    async def limited(event: Event) -> list[Reply]:
        async with gate:
            return await handle(event)

    return limited


async def respond(
    handle: Callable[[Event], Awaitable[list[Reply]]],
    event: Event,
    execute: Callable[[ApiCall], Awaitable[Any]],
    answers: AnswerLog = ANSWERS,
) -> None:
    """Run one event through the conversation core and carry out its replies, in order.

    ``execute`` returns the Bot API's result (None when the call failed); the message each answer
    became is remembered in ``answers``.
    """
    for call in render_all(await handle(event), event, answers):
        result = await execute(call)
        if call.answers is not None and isinstance(result, Mapping) and "message_id" in result:
            answers.remember(event.chat_id, call.answers, int(result["message_id"]))


async def send_notice(note: Notify, execute: Callable[[ApiCall], Awaitable[Any]]) -> None:
    """A message nobody is waiting for (a nudge, a weekly summary), in the broadcast budget."""
    with broadcasting():
        for call in render(note, Origin(note.chat_id)):
            await execute(call)
