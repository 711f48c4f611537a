"""The terminal chat: the conversation core as Telegram would drive it, in plain text.

Replies print as plain text (tags stripped, entities unescaped) and buttons as numbered choices;
typing a number presses that button and ``/loc 52.09,5.11`` shares a location. A reply that edits an
earlier message (the list growing on "More") prints that message again as it now reads.
:class:`TerminalSession` is what ``concierge chat`` runs and what tests and scenario suites drive: each
call returns the text a person at the terminal would read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Any

from concierge.conversation import Conversation
from concierge.events import (
    AnswerCallback,
    AnswerInline,
    Button,
    Event,
    Notify,
    Reply,
    SendDocument,
    SendLocation,
    SendPhoto,
    SendText,
    SendVenue,
)
from concierge.i18n import Translate, normalise_language, translator

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


class TerminalSession:
    """One resident (user id 1) chatting in the terminal; every method returns what to print."""

    def __init__(
        self, conversation: Conversation, *, language_code: str | None = None, user_id: int = 1
    ) -> None:
        self.conversation = conversation
        self.language_code = language_code
        self.user_id = user_id
        self.choices: list[Button] = []
        self._choice_messages: list[int] = []
        """The message each choice belongs to: a press is an event on that message, as on Telegram."""
        self.edited: list[int] = []
        """The earlier messages the last step edited (rather than sending new ones)."""
        self._message_id = 0
        self._lang = normalise_language(language_code, conversation.app.settings.default_language)

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
        self._message_id += 1
        return self._message_id

    def _event(self, kind: str, **fields: Any) -> Event:
        fields.setdefault("chat_type", "terminal")
        fields.setdefault("message_id", self._next_id())
        return Event(
            kind,  # type: ignore[arg-type]
            user_id=self.user_id,
            chat_id=self.user_id,
            language_code=self.language_code,
            **fields,
        )

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
        command = COMMAND.match(line)
        if command:
            event = self._event(
                "command", command=command.group(1).lower(), text=(command.group(2) or "").strip()
            )
        else:
            event = self._event("text", text=line)
        return await self._run(event)

    async def share_location(self, lat: float, lon: float) -> str:
        return await self._run(self._event("location", lat=lat, lon=lon))

    async def press(self, choice: int | str) -> str:
        """Presses a button of the last replies, by its number (from 1) or its label."""
        index = self._find(choice)
        if index is None:
            return self.t("There is no choice {choice}.", choice=choice)
        button, on_message = self.choices[index], self._choice_messages[index]
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
        return self._choice_messages[index] if index is not None else None

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
        replies = await self.conversation.handle(event)
        await self._follow_language()
        if any(isinstance(reply, SendText | SendPhoto) and reply.buttons for reply in replies):
            self.choices, self._choice_messages = [], []
        self.edited = [
            reply.edit_message_id
            for reply in replies
            if isinstance(reply, SendText) and reply.edit_message_id is not None
        ]
        return "\n\n".join(text for text in (self._render(reply) for reply in replies) if text)

    def _render(self, reply: Reply) -> str:
        if isinstance(reply, SendText):
            message_id = reply.edit_message_id or self._next_id()
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
                self.choices.append(button)
                self._choice_messages.append(message_id)
                labels.append(f"[{len(self.choices)}] {button.text}")
            rows.append("  ".join(labels))
        return "\n".join([text, *rows]) if rows else text
