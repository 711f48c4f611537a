"""The transport-neutral conversation core: one :class:`Event` in, a list of replies out.

Telegram runtimes, the terminal chat and tests all drive the same :class:`Conversation`; adapters only
translate updates into events and replies into API calls. :class:`Conversation` decides who is talking
(language, position), keeps floods out, and dispatches through the feature routers :data:`ROUTERS`
lists, in that order (``concierge.conversation.routes`` says how): privacy first, so /forgetme and
/privacy always answer; moderation and owners before residents, whose questions take whatever text
is left. This module is the one place that knows every feature; none of them imports another's router.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import time
import traceback
from collections.abc import Callable

from catalog.taxonomy import Taxonomy, load_taxonomy
from concierge import moderation
from concierge.app import App
from concierge.conversation import privacy, questions, residents, routes
from concierge.conversation.context import Turn
from concierge.conversation.counts import Counts
from concierge.conversation.language import QuestionLanguages, reply_language
from concierge.conversation.render import say
from concierge.events import AnswerCallback, AnswerInline, Event, Reply, SendText
from concierge.i18n import normalise_language, translator
from concierge.owners import router as owners
from concierge.ratelimit import SLOW_DOWN, question_limiter
from concierge.state import DatabaseStateStore, StateStore

ROUTERS = routes.wire([privacy.ROUTER, moderation.ROUTER, owners.ROUTER, residents.ROUTER])

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
        routers: routes.Routes = ROUTERS,
    ) -> None:
        self.app = app
        self.routers = routers
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
        self.languages = QuestionLanguages()

    async def handle(self, event: Event) -> list[Reply]:
        """The replies to one event, in order; never raises, whatever the event holds.

        A failure is logged with its type and where it happened, not its message: messages can quote
        what a resident typed, and residents' questions and positions stay out of logs.
        """
        started = time.perf_counter()
        try:
            if not self._wanted(event):
                return []
            replies = in_reply(event, await self._dispatch(await self._turn(event)))
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
        """Channels, and in groups anything not meant for the bot, are left alone.

        Button presses and inline queries are always answered (Telegram waits for that). Of edited
        messages only questions are answered again (a text, a photo's caption); an edited location is
        a live location moving, which quietly updates the position.
        """
        if event.kind in {"button", "inline_query"}:
            return True
        if event.chat_type == "channel":
            return False
        if event.edited and event.kind not in {"text", "photo"}:
            return event.kind == "location" and event.live
        if event.chat_type in GROUPS:
            return (event.kind == "command" and not event.edited) or (
                event.addressed and event.kind in {"text", "photo", "location"}
            )
        return True

    async def _turn(self, event: Event) -> Turn:
        now = self.clock()
        if event.kind in {"text", "photo"}:
            event = dataclasses.replace(event, text=self._without_mention(event.text))
        profile = await self.store.load(event.user_id, now)
        default = self.app.settings.default_language
        last_question, shared_language = profile.question, None
        if event.kind == "button" and event.chat_type in GROUPS:
            group = await self.store.load(event.chat_id, now)
            last_question, shared_language = group.question, group.language if group.question else None
        lang = shared_language or reply_language(
            event,
            profile,
            last_question,
            self.app.search.lexicon,
            default,
            self.languages,
            own_line=self.routers.own_line,
        )
        return Turn(
            self.app, self.store, self.taxonomy, self.counts, event, profile, lang, translator(lang), now
        )

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        event = turn.event
        if (verdict := await self.flood.hit(event.user_id)) != "answer":
            return self._slow_down(turn, verdict)
        if event.edited and event.kind in {"text", "photo"}:
            return await self._edited(turn)
        return await routes.dispatch(self.routers, turn, self._question_limit)

    async def _question_limit(self, turn: Turn) -> list[Reply] | None:
        """None when this question may be answered; else what to say instead (perhaps nothing)."""
        if (verdict := await self.limiter.hit(turn.event.user_id)) != "answer":
            return self._slow_down(turn, verdict)
        return None

    async def _edited(self, turn: Turn) -> list[Reply]:
        """An edited question (fixing a typo) is answered again, in place of its first answer. During
        an owner's guided flow edits are left alone: the flow has moved on from that message."""
        if turn.profile.flow is not None or not questions.has_words(turn.event.text):
            return []
        if (verdict := await self.limiter.hit(turn.event.user_id)) != "answer":
            return self._slow_down(turn, verdict)
        return await questions.ask(turn, turn.event.text)

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


def in_reply(event: Event, replies: list[Reply]) -> list[Reply]:
    """In groups, new messages answering a person's message are sent as replies to it, so everyone
    sees which question each answer belongs to."""
    if event.chat_type not in GROUPS or event.message_id is None or event.kind in {"button", "inline_query"}:
        return replies
    return [
        dataclasses.replace(reply, answers=reply.answers or event.message_id, quote=True)
        if isinstance(reply, SendText) and reply.edit_message_id is None
        else reply
        for reply in replies
    ]
