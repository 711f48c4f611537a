"""Transport-neutral events (what a person did) and replies (what the bot does back).

An adapter turns a platform update into one :class:`Event`, calls the conversation core, and renders
each reply. Texts in replies are already translated and already safe Telegram HTML: adapters send them
with ``parse_mode=HTML`` and never build text of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventKind = Literal["text", "command", "location", "button", "inline_query", "photo", "unsupported"]
ChatType = Literal["private", "group", "supergroup", "channel", "terminal", "inline"]


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    user_id: int
    chat_id: int
    chat_type: ChatType = "private"
    language_code: str | None = None
    """The platform's hint (Telegram's ``language_code``); the text itself decides in the end."""
    text: str = ""
    """The message text (a photo's caption); for ``command`` the arguments after the command; for
    ``button`` the callback data."""
    command: str = ""
    """Without the slash and without any ``@botname``."""
    lat: float | None = None
    lon: float | None = None
    live: bool = False
    message_id: int | None = None
    """The message a button was pressed on, or the incoming message."""
    callback_id: str | None = None
    inline_query_id: str | None = None
    photo_ref: str | None = None
    """A platform file id for a photo the person sent."""
    addressed: bool = True
    """In groups: whether the message mentions the bot or replies to one of its messages."""
    edited: bool = False
    """The person edited an earlier message (``message_id``); for a question, its answer is edited too."""


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str | None = None
    """Opaque callback data, at most 64 bytes."""
    url: str | None = None
    switch_inline: str | None = None
    """Query to prefill when the person picks another chat (Telegram's ``switch_inline_query``)."""
    request_location: bool = False


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class SendText:
    html: str
    buttons: Keyboard = ()
    """Inline buttons, unless a button has ``request_location`` (then a one-time reply keyboard)."""
    remove_keyboard: bool = False
    edit_message_id: int | None = None
    """Edit this earlier message instead of sending a new one."""
    answers: int | None = None
    """The person's message (a question) this reply answers. Adapters remember which of their
    messages answered which question, so that an edited question edits its answer."""
    quote: bool = False
    """Send as a reply to ``answers`` (in groups, so everyone sees which question it answers)."""
    replace: bool = False
    """``answers`` was edited: edit the answer sent to it earlier instead of sending a new one (sent
    anew when the adapter no longer knows that answer)."""


@dataclass(frozen=True, slots=True)
class SendPhoto:
    photo_ref: str
    caption_html: str = ""
    buttons: Keyboard = ()


@dataclass(frozen=True, slots=True)
class SendVenue:
    lat: float
    lon: float
    title: str
    address: str


@dataclass(frozen=True, slots=True)
class SendLocation:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class SendDocument:
    filename: str
    content: bytes
    caption_html: str = ""


@dataclass(frozen=True, slots=True)
class AnswerCallback:
    text: str = ""
    alert: bool = False


@dataclass(frozen=True, slots=True)
class InlineResult:
    id: str
    title: str
    description: str
    message_html: str
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    buttons: Keyboard = ()
    status: str = ""
    """Distance and opening state for the person choosing, shown beside the address where a result
    type has no description of its own (Telegram's venue results)."""


@dataclass(frozen=True, slots=True)
class AnswerInline:
    results: tuple[InlineResult, ...]
    cache_time: int = 60
    is_personal: bool = True


@dataclass(frozen=True, slots=True)
class Notify:
    """A message to another person (a moderator, a co-owner) rather than the one who acted."""

    chat_id: int
    reply: SendText | SendPhoto | SendDocument


Reply = (
    SendText | SendPhoto | SendVenue | SendLocation | SendDocument | AnswerCallback | AnswerInline | Notify
)
