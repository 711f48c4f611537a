"""Button presses. Callback data is opaque: ``s:<ref>`` story, ``m:<ref>`` map, ``lang:<code>``,
``more:<token>``, ``n:<token>`` (not what I meant), ``c:<token>:<i>`` (a clarifying choice).

Every press is answered first with an ``AnswerCallback``; data that cannot be resolved (forged, stale,
another person's question) gets a polite ``AnswerCallback`` and nothing else.
"""

from __future__ import annotations

import dataclasses

from concierge.conversation import questions, rounds, stories
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.events import AnswerCallback, Reply, SendText
from concierge.i18n import LANGUAGES, translator


def refused(turn: Turn) -> list[Reply]:
    return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]


async def choose_language(turn: Turn, code: str) -> list[Reply]:
    if code not in LANGUAGES:
        return refused(turn)
    await turn.store.set_language(turn.event.user_id, code)
    t = translator(code)
    turn = dataclasses.replace(turn, lang=code, t=t)
    return [AnswerCallback(), SendText(say(t("Fine, I will speak English from now on.")))]


async def pressed(turn: Turn) -> list[Reply]:
    kind, _, value = turn.event.text.partition(":")
    if kind in {"s", "m"}:
        business = turn.app.search.by_ref(value)
        if business is None:
            return refused(turn)
        view = stories.story if kind == "s" else stories.map_view
        return [AnswerCallback(), *await view(turn, business)]
    if kind == "lang":
        return await choose_language(turn, value)
    if kind == "more":
        return await questions.more(turn, value)
    if kind == "n":
        return await questions.not_what_i_meant(turn, value)
    if kind == rounds.SWAP:
        return await rounds.swap(turn, value)
    if kind == "c":
        token, _, index = value.partition(":")
        return await questions.pick_type(turn, token, index)
    return refused(turn)
