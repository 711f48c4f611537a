"""Inline mode ("@bot havermelk" in any chat): one venue result per business, with a link back."""

from __future__ import annotations

from concierge import deeplinks
from concierge.answers import Result
from concierge.conversation import counts, questions
from concierge.conversation.context import Turn
from concierge.conversation.location import outside, valid_position
from concierge.conversation.render import (
    inline_card,
    inline_description,
    inline_status,
    inline_title,
    plain_clip,
)
from concierge.events import AnswerInline, InlineResult, Reply
from concierge.state import round_position

INLINE_RESULTS = 5


def business_link(turn: Turn, business_id: str) -> str | None:
    username = turn.app.settings.bot_username
    link = deeplinks.DeepLink("business", deeplinks.short_ref(business_id))
    return deeplinks.start_url(username, link) if username else None


def kind_of(turn: Turn, result: Result) -> str:
    """The kind of place in words ("Bakery"), for a card a friend reads; empty when unknown."""
    label = turn.taxonomy.name(result.categories, turn.lang) if result.categories else ""
    return label if "=" not in label else ""


async def answer(turn: Turn) -> list[Reply]:
    question = questions.clean_question(turn.event.text)
    if not questions.has_words(question):
        return [AnswerInline((), cache_time=300)]
    lat, lon = turn.event.lat, turn.event.lon
    if lat is not None and lon is not None and valid_position(lat, lon) and outside(turn, lat, lon) is None:
        near: tuple[float, float] | None = round_position(lat, lon)
    else:
        near = questions.search_position(turn)
    found = turn.app.search.ask(question, near=near, lang_hint=turn.lang, limit=INLINE_RESULTS, now=turn.now)
    results = (*found.results, *found.more)[:INLINE_RESULTS]
    turn.counts.add(turn.now.date(), [(counts.business_subject(result.id), "shared") for result in results])
    return [
        AnswerInline(
            tuple(
                InlineResult(
                    id=deeplinks.short_ref(result.id),
                    title=inline_title(result, turn.t),
                    description=inline_description(result, turn.t, turn.lang),
                    message_html=inline_card(
                        result, turn.t, turn.lang, business_link(turn, result.id), kind_of(turn, result)
                    ),
                    lat=result.lat,
                    lon=result.lon,
                    address=plain_clip(result.address, 200),
                    status=inline_status(result, turn.t, turn.lang),
                )
                for result in results
            )
        )
    ]
