"""Drivers: one small protocol for a person talking to the bot, over each way the bot can be reached.

A scenario calls ``send``, ``share_location``, ``press``, then ``expect`` or ``last_reply``. The
Telegram drivers run a real runtime (aiogram or python-telegram-bot) against the Bot API emulator over
HTTP; the terminal driver drives :class:`handlers.terminal.TerminalSession`. Every Telegram step also
checks that Telegram would have accepted each call the bot made (valid HTML, lengths, callback data).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from concierge.app import App
from concierge.conversation import Conversation
from concierge.events import Event, Reply
from handlers.telegram_render import ANSWERS, render_all
from tests.botapi_emulator import BotAPIEmulator, Call, make_user
from tests.emulator.telegram_html import parse_html

if TYPE_CHECKING:
    from handlers.terminal import TerminalSession

STEP_TIMEOUT = 15.0
_user_ids = itertools.count(1001)


class Driver(Protocol):
    name: str
    """``aiogram``, ``ptb`` or ``terminal``."""
    replies: list[str]

    async def send(self, text: str) -> str: ...
    async def share_location(self, lat: float, lon: float) -> str: ...
    async def press(self, choice: int | str) -> str: ...
    def buttons(self) -> list[str]: ...
    def message_of(self, choice: int | str) -> int | None:
        """The message a button is on."""

    def edited(self) -> list[int]:
        """The earlier messages the last step edited instead of sending new ones."""

    def replied_to(self) -> list[int]:
        """The messages the last step's new messages were sent as replies to."""

    async def edit(self, text: str) -> str:
        """Edits the person's last question (a text or a photo's caption) to ``text``."""

    async def send_photo(self, caption: str = "") -> str: ...

    last_sent: int | None
    """The id of the person's own last message."""

    def other_user(self, language_code: str) -> Driver: ...

    def shared_cards(self) -> list[str]:
        """The plain text of each message the last inline answer would post into another chat."""

    def in_group(self, chat_id: int = -100123) -> Driver:
        """The same person, writing in a group chat (addressing the bot)."""

    def member(self, language_code: str) -> Driver:
        """Another member of this driver's group, seeing the same messages and buttons."""


def expect(driver: Driver, *fragments: str) -> str:
    """The last reply, after checking it holds every fragment (case-insensitive)."""
    reply = last_reply(driver)
    missing = [f for f in fragments if f.casefold() not in reply.casefold()]
    assert not missing, f"[{driver.name}] expected {missing!r} in the reply:\n{reply}"
    return reply


def last_reply(driver: Driver) -> str:
    assert driver.replies, f"[{driver.name}] the bot has not replied yet"
    return driver.replies[-1]


def _matches(label: str, wanted: str) -> bool:
    label, wanted = label.casefold(), wanted.strip().casefold()
    return label == wanted or label.split(". ", 1)[-1] == wanted


# -- terminal ---------------------------------------------------------------------------------------


class TerminalDriver:
    name = "terminal"

    def __init__(
        self,
        conversation: Conversation,
        language_code: str | None = "en",
        user_id: int | None = None,
        session: TerminalSession | None = None,
    ):
        from handlers.terminal import TerminalSession

        self.conversation = conversation
        self.session = session or TerminalSession(
            conversation, language_code=language_code, user_id=user_id or next(_user_ids)
        )
        self.replies: list[str] = []

    @property
    def last_sent(self) -> int | None:
        return self.session.last_sent

    async def edit(self, text: str) -> str:
        return await self._step(await self.session.edit(text))

    async def send_photo(self, caption: str = "") -> str:
        return await self._step(await self.session.photo(caption))

    def replied_to(self) -> list[int]:
        return list(self.session.replied_to)

    def shared_cards(self) -> list[str]:
        from handlers.terminal import plain_text

        return [plain_text(result.message_html) for result in self.session.offered]

    def in_group(self, chat_id: int = -100123) -> TerminalDriver:
        from handlers.terminal import TerminalSession

        here = self.session
        group = TerminalSession(
            self.conversation,
            language_code=here.language_code,
            user_id=here.user_id,
            chat_type="supergroup",
            chat_id=chat_id,
        )
        return TerminalDriver(self.conversation, session=group)

    def member(self, language_code: str) -> TerminalDriver:
        return TerminalDriver(self.conversation, session=self.session.join(next(_user_ids), language_code))

    async def _step(self, reply: str) -> str:
        self.replies.append(reply)
        return reply

    async def send(self, text: str) -> str:
        return await self._step(await self.session.send(text))

    async def share_location(self, lat: float, lon: float) -> str:
        return await self._step(await self.session.share_location(lat, lon))

    async def press(self, choice: int | str) -> str:
        return await self._step(await self.session.press(choice))

    def buttons(self) -> list[str]:
        return [button.text for button in self.session.choices]

    def message_of(self, choice: int | str) -> int | None:
        return self.session.message_of(choice)

    def edited(self) -> list[int]:
        return list(self.session.edited)

    def other_user(self, language_code: str) -> TerminalDriver:
        return TerminalDriver(self.conversation, language_code)


# -- Telegram ---------------------------------------------------------------------------------------


class Recorder:
    """Wraps the conversation so a driver knows which replies an event produced, hence what to await."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.handled: asyncio.Queue[tuple[Event, list[Reply]]] = asyncio.Queue()

    async def handle(self, event: Event) -> list[Reply]:
        replies = await self.conversation.handle(event)
        self.handled.put_nowait((event, replies))
        return replies

    async def drain(self) -> None:
        await self.conversation.drain()


@dataclass
class _Choice:
    label: str
    button: dict[str, Any]
    message_id: int | None


@dataclass
class TelegramDriver:
    name: str
    emulator: BotAPIEmulator
    recorder: Recorder
    user: dict[str, Any]
    chat_type: str = "private"
    chat_id: int | None = None
    replies: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    """The calls the bot made in the last step."""
    choices: list[_Choice] = field(default_factory=list)
    """The buttons on screen; members of one group share this list."""
    last_sent: int | None = None

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    async def step(self, inject: Any) -> str:
        """Inject one update, wait until the bot made every call its replies call for, read them."""
        mark = self.emulator.mark()
        inject()
        async with asyncio.timeout(STEP_TIMEOUT):
            event, replies = await self.recorder.handled.get()
            if event.kind not in {"button", "inline_query"} and not event.edited:
                self.last_sent = event.message_id
            position = mark
            calls = []
            for expected in render_all(replies, event, ANSWERS):
                call = await self.emulator.wait_for_call(expected.method, since=position, within=STEP_TIMEOUT)
                position = call.index + 1
                calls.append(call)
        refused = [f"{c.method}: {c.error}" for c in calls if not c.ok]
        assert not refused, f"[{self.name}] Telegram refused: {refused}"
        self.calls = calls
        self._remember_buttons(calls)
        reply = "\n\n".join(text for text in map(_text_of, calls) if text)
        self.replies.append(reply)
        return reply

    def _remember_buttons(self, calls: list[Call]) -> None:
        for call in calls:
            markup = call.params.get("reply_markup") or {}
            rows = markup.get("inline_keyboard") or markup.get("keyboard")
            if not rows:
                continue
            message_id = call.result.get("message_id") if isinstance(call.result, dict) else None
            self.choices[:] = [_Choice(b["text"], b, message_id) for row in rows for b in row]

    async def send(self, text: str) -> str:
        return await self.step(
            lambda: self.emulator.inject_message(
                self.user, text, chat_type=self.chat_type, chat_id=self.chat_id
            )
        )

    async def reply_to_bot(self, text: str) -> str:
        """A reply (Telegram's "reply to message") to the bot's last message."""
        last = next(c for c in reversed(self.calls) if isinstance(c.result, dict))
        message_id = last.result["message_id"]
        return await self.step(
            lambda: self.emulator.inject_message(
                self.user, text, chat_type=self.chat_type, chat_id=self.chat_id, reply_to=message_id
            )
        )

    async def share_location(self, lat: float, lon: float) -> str:
        return await self.step(
            lambda: self.emulator.inject_location(
                self.user, lat, lon, chat_type=self.chat_type, chat_id=self.chat_id
            )
        )

    async def send_sticker(self) -> str:
        return await self.step(lambda: self.emulator.inject_sticker(self.user))

    async def send_voice(self) -> str:
        return await self.step(lambda: self.emulator.inject_voice(self.user))

    async def send_photo(self, caption: str = "") -> str:
        return await self.step(
            lambda: self.emulator.inject_photo(
                self.user, caption, chat_type=self.chat_type, chat_id=self.chat_id
            )
        )

    async def edit(self, text: str) -> str:
        assert self.last_sent is not None, f"[{self.name}] nothing to edit yet"
        chat, message = self.chat_id or self.user_id, self.last_sent
        return await self.step(lambda: self.emulator.inject_edit(self.user, chat, message, text))

    def shared_cards(self) -> list[str]:
        [offer] = [c for c in self.calls if c.method == "answerInlineQuery"]
        return [
            parse_html(result["input_message_content"]["message_text"]) for result in offer.params["results"]
        ]

    def replied_to(self) -> list[int]:
        return [
            int(c.result["reply_to_message"]["message_id"])
            for c in self.calls
            if isinstance(c.result, dict) and "reply_to_message" in c.result
        ]

    async def callback(self, message_id: int, data: str) -> str:
        """A button press with any callback data, on any message of this chat (forged or not)."""
        chat = self.chat_id if self.chat_type != "private" else None
        return await self.step(
            lambda: self.emulator.inject_callback(self.user, message_id, data, chat_id=chat)
        )

    async def inline(self, query: str) -> str:
        return await self.step(lambda: self.emulator.inject_inline_query(self.user, query))

    async def press(self, choice: int | str) -> str:
        found = self._find(choice)
        assert found is not None, f"[{self.name}] no button {choice!r} among {self.buttons()}"
        button = found.button
        if "callback_data" in button:
            assert found.message_id is not None
            return await self.callback(found.message_id, button["callback_data"])
        if "switch_inline_query" in button:
            return await self.inline(button["switch_inline_query"])
        raise AssertionError(f"[{self.name}] button {found.label!r} does nothing a test can press: {button}")

    def _find(self, choice: int | str) -> _Choice | None:
        if isinstance(choice, int):
            return self.choices[choice - 1] if 0 < choice <= len(self.choices) else None
        return next((c for c in self.choices if _matches(c.label, choice)), None)

    def buttons(self) -> list[str]:
        return [choice.label for choice in self.choices]

    def message_of(self, choice: int | str) -> int | None:
        found = self._find(choice)
        return found.message_id if found is not None else None

    def edited(self) -> list[int]:
        return [int(c.params["message_id"]) for c in self.calls if c.method == "editMessageText"]

    def other_user(self, language_code: str) -> TelegramDriver:
        return TelegramDriver(
            self.name, self.emulator, self.recorder, make_user(next(_user_ids), language_code)
        )

    def in_group(self, chat_id: int = -100123) -> TelegramDriver:
        return TelegramDriver(self.name, self.emulator, self.recorder, self.user, "supergroup", chat_id)

    def member(self, language_code: str) -> TelegramDriver:
        user = make_user(next(_user_ids), language_code)
        return TelegramDriver(
            self.name, self.emulator, self.recorder, user, self.chat_type, self.chat_id, choices=self.choices
        )


def _text_of(call: Call) -> str:
    params, result = call.params, call.result
    if call.method in {"sendMessage", "editMessageText"}:
        return str(result["text"]) if isinstance(result, dict) else str(params.get("text", ""))
    if call.method == "sendVenue":
        return f"📍 {params['title']}, {params['address']}"
    if call.method == "sendLocation":
        return f"📍 {params['latitude']:.5f}, {params['longitude']:.5f}"
    if call.method in {"sendPhoto", "sendDocument"}:
        return str(result.get("caption", "")) if isinstance(result, dict) else ""
    if call.method == "answerCallbackQuery":
        return f"({params['text']})" if params.get("text") else ""
    if call.method == "answerInlineQuery":
        return "\n".join(
            f"• {r.get('title', '')} — {r.get('address') or r.get('description', '')}"
            for r in params.get("results", [])
        )
    return ""


@contextlib.asynccontextmanager
async def telegram_bot(
    name: str,
    app: App,
    emulator: BotAPIEmulator,
    clock: Callable[[], dt.datetime] | None = None,
    conversation: Conversation | None = None,
) -> AsyncIterator[TelegramDriver]:
    """The runtime ``name`` polling ``emulator``, stopped and closed on exit; ``conversation`` may
    bring its own clock, else ``clock`` makes one."""
    from handlers.cli.run import open_runtime

    recorder = Recorder(conversation or (Conversation(app, clock=clock) if clock else Conversation(app)))
    runtime = open_runtime(app, name, recorder)  # type: ignore[arg-type]
    await runtime.start()
    stop = asyncio.Event()
    polling = asyncio.create_task(runtime.poll(stop))
    try:
        yield TelegramDriver(name, emulator, recorder, make_user(next(_user_ids), "en"))
    finally:
        stop.set()
        try:
            async with asyncio.timeout(STEP_TIMEOUT):
                await polling
        finally:
            await runtime.close()
