"""The terminal chat: the conversation core as Telegram would drive it, in plain text.

Replies print as plain text (tags stripped, entities unescaped) and buttons as numbered choices;
typing a number presses that button, ``/loc 52.09,5.11`` shares a location and ``/edit TEXT`` edits
the last question (as fixing a typo on Telegram). A reply that edits an earlier message (the list
growing on "More", the answer to an edited question) prints that message again as it now reads.
:class:`TerminalSession` is what ``concierge chat`` runs and what tests and scenario suites drive: each
call returns the text a person at the terminal would read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Any

from concierge.events import (
    AnswerCallback,
    AnswerInline,
    Button,
    Event,
    InlineResult,
    Notify,
    Reply,
    SendDocument,
    SendLocation,
    SendPhoto,
    SendText,
    SendVenue,
)
from concierge.i18n import Translate, normalise_language, translator
from concierge.routing import Conversation

LOCATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$")
COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.parts.append(f"<{href}> ")


def plain_text(markup: str) -> str:
    """Telegram HTML as the text a person reads: tags dropped, entities unescaped, links kept."""
    parser = _PlainText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def parse_position(text: str) -> tuple[float, float] | None:
    match = LOCATION.match(text)
    if match is None:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


class Screen:
    """What everyone in one chat sees: the buttons on screen and the messages' numbering. Members of
    a simulated group share one screen, so any of them can press a button another one's question got."""

    def __init__(self) -> None:
        self.choices: list[Button] = []
        self.choice_messages: list[int] = []
        """The message each choice belongs to: a press is an event on that message, as on Telegram."""
        self.message_id = 0
        self.answers: dict[int, int] = {}
        """Which message answered which question, so an edited question edits its answer."""

    def next_id(self) -> int:
        self.message_id += 1
        return self.message_id


class TerminalSession:
    """One resident (user id 1) chatting in the terminal; every method returns what to print.

    ``chat_type`` and ``chat_id`` simulate a group (``"supergroup"``, a negative id) whose members are
    sessions made with :meth:`join`.
    """

    def __init__(
        self,
        conversation: Conversation,
        *,
        language_code: str | None = None,
        user_id: int = 1,
        chat_type: str = "terminal",
        chat_id: int | None = None,
        screen: Screen | None = None,
    ) -> None:
        self.conversation = conversation
        self.language_code = language_code
        self.user_id = user_id
        self.chat_type = chat_type
        self.chat_id = user_id if chat_id is None else chat_id
        self.screen = screen or Screen()
        self.edited: list[int] = []
        """The earlier messages the last step edited (rather than sending new ones)."""
        self.replied_to: list[int] = []
        """The messages the last step's new messages were replies to (as in groups)."""
        self.last_sent: int | None = None
        """The person's own last message (a question, a location), which ``/edit`` edits."""
        self._last_question: tuple[int, str] | None = None
        self.offered: list[InlineResult] = []
        """What the last inline query offered to post into another chat."""
        self._lang = normalise_language(language_code, conversation.app.settings.default_language)

    def join(self, user_id: int, language_code: str | None = None) -> TerminalSession:
        """Another member of the same chat, seeing the same screen."""
        return TerminalSession(
            self.conversation,
            language_code=language_code,
            user_id=user_id,
            chat_type=self.chat_type,
            chat_id=self.chat_id,
            screen=self.screen,
        )

    @property
    def choices(self) -> list[Button]:
        return self.screen.choices

    @property
    def t(self) -> Translate:
        """The terminal's own texts, in the language the conversation uses for this person."""
        return translator(self._lang)

    async def _follow_language(self) -> None:
        profile = await self.conversation.store.load(self.user_id, self.conversation.clock())
        self._lang = profile.language or normalise_language(
            self.language_code, self.conversation.app.settings.default_language
        )

    def _next_id(self) -> int:
        return self.screen.next_id()

    def _event(self, kind: str, **fields: Any) -> Event:
        fields.setdefault("chat_type", self.chat_type)
        fields.setdefault("message_id", self._next_id())
        return Event(
            kind,  # type: ignore[arg-type]
            user_id=self.user_id,
            chat_id=self.chat_id if fields["chat_type"] != "inline" else self.user_id,
            language_code=self.language_code,
            **fields,
        )

    def _sent(self, event: Event) -> Event:
        """The person's own message: remembered for ``/edit`` when it is a question."""
        self.last_sent = event.message_id
        if event.kind in {"text", "photo"} and event.message_id is not None:
            self._last_question = (event.message_id, event.kind)
        return event

    async def send(self, text: str) -> str:
        """One typed line: a number presses a button, ``/loc`` shares a location, ``/cmd`` is a command."""
        line = text.strip()
        if not line:
            return ""
        if line.isdigit() and self.choices:
            return await self.press(int(line))
        if line.lower() == "/loc" or line.lower().startswith("/loc "):
            position = parse_position(line[4:])
            if position is None:
                return self.t(
                    "That is not a position. Type /loc followed by latitude,longitude, for example /loc 52.09,5.11."
                )
            return await self.share_location(*position)
        if line.lower().startswith("/edit ") and line[6:].strip():
            return await self.edit(line[6:].strip())
        command = COMMAND.match(line)
        if command:
            event = self._event(
                "command", command=command.group(1).lower(), text=(command.group(2) or "").strip()
            )
        else:
            event = self._event("text", text=line)
        return await self._run(self._sent(event))

    async def edit(self, text: str) -> str:
        """Edits the last question (or photo caption) to ``text``, as Telegram's "Edit" does."""
        if self._last_question is None:
            return self.t("There is no question to edit yet.")
        message_id, kind = self._last_question
        return await self._run(self._event(kind, text=text, message_id=message_id, edited=True))

    async def photo(self, caption: str = "") -> str:
        """Sends a photo (standing in for one) with ``caption``, as from a phone."""
        return await self._run(self._sent(self._event("photo", text=caption, photo_ref="terminal-photo")))

    async def share_location(self, lat: float, lon: float) -> str:
        return await self._run(self._sent(self._event("location", lat=lat, lon=lon)))

    async def press(self, choice: int | str) -> str:
        """Presses a button of the last replies, by its number (from 1) or its label."""
        index = self._find(choice)
        if index is None:
            return self.t("There is no choice {choice}.", choice=choice)
        button, on_message = self.choices[index], self.screen.choice_messages[index]
        if button.data is not None:
            press = self._event("button", text=button.data, message_id=on_message)
            return await self._run(dataclasses.replace(press, callback_id=str(self._next_id())))
        if button.switch_inline is not None:
            return await self.inline(button.switch_inline)
        if button.request_location:
            return self.t("Type /loc followed by latitude,longitude, for example /loc 52.09,5.11.")
        return button.url or ""

    async def inline(self, query: str) -> str:
        """What "@bot <query>" would offer in another chat."""
        return await self._run(self._event("inline_query", text=query, chat_type="inline"))

    def message_of(self, choice: int | str) -> int | None:
        """The message a choice's button is on."""
        index = self._find(choice)
        return self.screen.choice_messages[index] if index is not None else None

    def _find(self, choice: int | str) -> int | None:
        """The index of a choice by its number (from 1) or its label."""
        if isinstance(choice, int) or choice.strip().isdigit():
            index = int(choice) - 1
            return index if 0 <= index < len(self.choices) else None
        wanted = choice.strip().casefold()
        for index, button in enumerate(self.choices):
            label = button.text.casefold()
            if label == wanted or label.split(". ", 1)[-1] == wanted:
                return index
        return None

    async def _run(self, event: Event) -> str:
        replies = [self._edited_answer(reply) for reply in await self.conversation.handle(event)]
        await self._follow_language()
        if any(isinstance(reply, SendText | SendPhoto) and reply.buttons for reply in replies):
            self.screen.choices.clear()
            self.screen.choice_messages.clear()
        self.edited = [
            reply.edit_message_id
            for reply in replies
            if isinstance(reply, SendText) and reply.edit_message_id is not None
        ]
        self.replied_to = [
            reply.answers
            for reply in replies
            if isinstance(reply, SendText) and reply.quote and reply.answers and reply.edit_message_id is None
        ]
        return "\n\n".join(text for text in (self._render(reply) for reply in replies) if text)

    def _edited_answer(self, reply: Reply) -> Reply:
        """The answer to an edited question edits the earlier answer, as on Telegram."""
        if isinstance(reply, SendText) and reply.replace and reply.answers in self.screen.answers:
            return dataclasses.replace(reply, edit_message_id=self.screen.answers[reply.answers])
        return reply

    def _render(self, reply: Reply) -> str:
        if isinstance(reply, SendText):
            message_id = reply.edit_message_id or self._next_id()
            if reply.answers is not None and reply.edit_message_id is None:
                self.screen.answers[reply.answers] = message_id
            return self._with_buttons(plain_text(reply.html), reply.buttons, message_id)
        if isinstance(reply, SendPhoto):
            return self._with_buttons(
                f"[{self.t('Photo')}: {reply.photo_ref}]\n{plain_text(reply.caption_html)}",
                reply.buttons,
                self._next_id(),
            )
        if isinstance(reply, SendVenue):
            return f"📍 {reply.title}, {reply.address} ({reply.lat:.5f}, {reply.lon:.5f})"
        if isinstance(reply, SendLocation):
            return f"📍 {reply.lat:.5f}, {reply.lon:.5f}"
        if isinstance(reply, AnswerCallback):
            return f"({reply.text})" if reply.text else ""
        if isinstance(reply, AnswerInline):
            return self._inline(reply)
        if isinstance(reply, SendDocument):
            return f"[{reply.filename}]\n{plain_text(reply.caption_html)}"
        if isinstance(reply, Notify):
            return ""
        return ""

    def _inline(self, reply: AnswerInline) -> str:
        self.offered = list(reply.results)
        if not reply.results:
            return self.t("Nothing to share for that.")
        lines = [self.t("In another chat, Telegram would offer:")]
        lines += [f"• {result.title} — {result.description}" for result in reply.results]
        return "\n".join(lines)

    def _with_buttons(self, text: str, keyboard: Sequence[Sequence[Button]], message_id: int) -> str:
        rows = []
        for row in keyboard:
            labels = []
            for button in row:
                self.screen.choices.append(button)
                self.screen.choice_messages.append(message_id)
                labels.append(f"[{len(self.choices)}] {button.text}")
            rows.append("  ".join(labels))
        return "\n".join([text, *rows]) if rows else text
