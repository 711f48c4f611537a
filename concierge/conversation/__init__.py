"""The transport-neutral conversation core: one :class:`Event` in, a list of replies out.

Telegram runtimes, the terminal chat and tests all drive the same :class:`Conversation`; adapters only
translate updates into events and replies into API calls. :class:`Conversation` decides who is talking
(language, position) and dispatches to plain functions in the modules next to it:
``commands`` (slash commands), ``questions`` (free text, More, Not what I meant), ``buttons``
(callback data), ``stories`` (Story and Map views), ``location``, ``inline`` and ``render`` (safe HTML).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import traceback
from collections.abc import Callable

from catalog.taxonomy import Taxonomy, load_taxonomy
from concierge.app import App
from concierge.conversation import buttons, commands, inline, location, questions
from concierge.conversation.commands import bot_commands
from concierge.conversation.context import Turn
from concierge.conversation.counts import Counts
from concierge.conversation.render import say
from concierge.events import AnswerCallback, AnswerInline, Event, Reply, SendText
from concierge.i18n import normalise_language, translator
from concierge.owners.router import route as owners_route
from concierge.ratelimit import SLOW_DOWN, question_limiter
from concierge.state import DatabaseStateStore, StateStore

__all__ = ["Conversation", "bot_commands"]

log = logging.getLogger(__name__)

GROUPS = frozenset({"group", "supergroup"})


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Conversation:
    """One per process, shared by all chats. ``store`` defaults to the database; runtimes call
    :meth:`drain` on shutdown so the last usage counts are written."""

    def __init__(
        self,
        app: App,
        clock: Callable[[], dt.datetime] = utcnow,
        store: StateStore | None = None,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.store: StateStore = store or app.store or DatabaseStateStore(app.engine)
        settings = app.settings
        self.limiter = question_limiter(
            app.redis, settings.question_limit, settings.question_window, settings.redis_prefix
        )
        self.flood = question_limiter(
            app.redis, settings.update_limit, settings.question_window, settings.redis_prefix, "rla"
        )
        self.taxonomy = taxonomy or load_taxonomy()
        self.counts = Counts(app.engine)

    async def handle(self, event: Event) -> list[Reply]:
        """The replies to one event, in order; never raises, whatever the event holds.

        A failure is logged with its type and where it happened, not its message: messages can quote
        what a resident typed, and residents' questions and positions stay out of logs.
        """
        started = time.perf_counter()
        try:
            if not self._wanted(event):
                return []
            replies = await self._dispatch(await self._turn(event))
            self.app.metrics.handled(event.kind, time.perf_counter() - started)
            return replies
        except Exception as exc:
            self.app.metrics.errors.labels("conversation").inc()
            log.error(
                "conversation failed on a %s event: %s\n%s",
                event.kind,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            return self._apology(event)

    async def drain(self) -> None:
        """Waits until the usage counts gathered so far are written (for tests and shutdown)."""
        await self.counts.drain()

    def _wanted(self, event: Event) -> bool:
        """Edited messages, channels, and in groups anything not meant for the bot are left alone.

        Button presses and inline queries are always answered (Telegram waits for that); an edited
        location is a live location moving, which quietly updates the position.
        """
        if event.kind in {"button", "inline_query"}:
            return True
        if event.chat_type == "channel":
            return False
        if event.edited:
            return event.kind == "location" and event.live
        if event.chat_type in GROUPS:
            return event.kind == "command" or (event.addressed and event.kind in {"text", "location"})
        return True

    async def _turn(self, event: Event) -> Turn:
        now = self.clock()
        profile = await self.store.load(event.user_id, now)
        default = self.app.settings.default_language
        lang = profile.language or normalise_language(event.language_code, default)
        return Turn(
            self.app, self.store, self.taxonomy, self.counts, event, profile, lang, translator(lang), now
        )

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        event = turn.event
        if (verdict := await self.flood.hit(event.user_id)) != "answer":
            return self._slow_down(turn, verdict)
        if (owned := await owners_route(turn)) is not None:
            return owned
        if event.kind == "command":
            return await commands.run(turn)
        if event.kind == "text":
            if (verdict := await self.limiter.hit(event.user_id)) != "answer":
                return self._slow_down(turn, verdict)
            return await questions.ask(turn, self._without_mention(event.text))
        if event.kind == "button":
            return await buttons.pressed(turn)
        if event.kind == "location":
            return await location.shared(turn)
        if event.kind == "inline_query":
            return await inline.answer(turn)
        if turn.private:
            return [
                SendText(say(turn.t("I can only read text and locations. Type what you are looking for.")))
            ]
        return []

    def _slow_down(self, turn: Turn, verdict: str) -> list[Reply]:
        """A flood gets one polite warning per window, then nothing; a button press is still answered
        (Telegram waits for that), an inline query gets no results."""
        self.app.metrics.rate_limited.inc()
        warn = verdict == "warn"
        if turn.event.kind == "button":
            return [AnswerCallback(turn.t(SLOW_DOWN) if warn else "")]
        if turn.event.kind == "inline_query":
            return [AnswerInline((), cache_time=0)]
        return [SendText(say(turn.t(SLOW_DOWN)))] if warn else []

    def _without_mention(self, text: str) -> str:
        username = re.escape(self.app.settings.bot_username)
        return re.sub(rf"@{username}\b", " ", text, flags=re.IGNORECASE)

    def _apology(self, event: Event) -> list[Reply]:
        t = translator(normalise_language(event.language_code, self.app.settings.default_language))
        if event.kind == "button":
            return [AnswerCallback(t("Something went wrong. Please try again."))]
        if event.kind == "inline_query":
            return [AnswerInline((), cache_time=0)]
        if event.chat_type in GROUPS and not event.addressed and event.kind != "command":
            return []
        return [SendText(say(t("Something went wrong. Please try again.")))]
