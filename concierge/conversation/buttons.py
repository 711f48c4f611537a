"""Residents' button presses, one handler per kind of :mod:`concierge.callbacks` data.

Every press is answered first with an ``AnswerCallback``; data that cannot be resolved (forged, stale,
another person's question) gets a polite ``AnswerCallback`` and nothing else.
"""

from __future__ import annotations

import dataclasses

from concierge import callbacks
from concierge.conversation import questions, rounds, stories
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.events import AnswerCallback, Reply, SendText
from concierge.i18n import LANGUAGES, translator


def refused(turn: Turn) -> list[Reply]:
    return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]


async def story(turn: Turn, data: callbacks.Story) -> list[Reply]:
    business = turn.app.search.by_ref(data.ref)
    if business is None:
        return refused(turn)
    return [AnswerCallback(), *await stories.story(turn, business, extras=True)]


async def map_view(turn: Turn, data: callbacks.MapView) -> list[Reply]:
    business = turn.app.search.by_ref(data.ref)
    if business is None:
        return refused(turn)
    return [AnswerCallback(), *await stories.map_view(turn, business)]


async def choose_language(turn: Turn, data: callbacks.Language) -> list[Reply]:
    if data.code not in LANGUAGES:
        return refused(turn)
    await turn.store.set_language(turn.event.user_id, data.code)
    t = translator(data.code)
    turn = dataclasses.replace(turn, lang=data.code, t=t)
    return [AnswerCallback(), SendText(say(t("Fine, I will speak English from now on.")))]


async def more(turn: Turn, data: callbacks.More) -> list[Reply]:
    return await questions.more(turn, data.token)


async def not_what_i_meant(turn: Turn, data: callbacks.NotWhatIMeant) -> list[Reply]:
    return await questions.not_what_i_meant(turn, data.token)


async def pick_type(turn: Turn, data: callbacks.PickType) -> list[Reply]:
    return await questions.pick_type(turn, data.token, data.index)


async def swap(turn: Turn, data: callbacks.Swap) -> list[Reply]:
    return await rounds.swap(turn, data.token, data.gone)
