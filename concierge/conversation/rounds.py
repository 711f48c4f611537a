"""A shopping list in chat: the round (``concierge.round``) as one message, with a Story and a Swap
button per shop and the whole route on a map.

A Swap button (:class:`callbacks.Swap`) carries a tag of the list (as for "More") and the
``short_ref`` of every shop swapped away so far; Story buttons are the usual ones.
"""

from __future__ import annotations

import dataclasses

from concierge import callbacks, demand
from concierge.conversation.context import Turn, question_token
from concierge.conversation.questions import search_position, stale
from concierge.conversation.render import (
    TEXT_LIMIT,
    clip,
    join_blocks,
    opening_line,
    say,
    utf16_len,
)
from concierge.deeplinks import short_ref
from concierge.events import AnswerCallback, Button, Reply, SendText
from concierge.i18n import Translate, format_distance
from concierge.round import Round, Stop, plan
from concierge.shopping_list import RoundRequest, read_list
from concierge.state import QUESTION_TTL

STOP_NAME_CHARS = 80
"""With items and marks this keeps twelve stops within one message."""


async def answer(turn: Turn, text: str) -> list[Reply] | None:
    """The round for a shopping list, or None when ``text`` is a single question."""
    request = read_list(text, turn.app.search, turn.lang)
    if request is None:
        return None
    found = plan(turn.app.search, request, near=search_position(turn), now=turn.now, reply_language=turn.lang)
    await turn.store.set_question(turn.event.user_id, request.text, turn.now + QUESTION_TTL)
    await demand.record_round(turn.app, turn.event.user_id, found, turn.now)
    return [message(turn, found)]


async def swap(turn: Turn, token: str, gone: tuple[str, ...]) -> list[Reply]:
    """Plans the same list again without the shops swapped away; the message changes in place."""
    question = turn.profile.question
    if not question or question_token(question) != token:
        return stale(turn)
    request = read_list(question, turn.app.search, turn.lang)
    businesses = [turn.app.search.by_ref(ref) for ref in gone]
    if request is None or any(b is None for b in businesses):
        return stale(turn)
    excluded = [b.id for b in businesses if b is not None]
    found = plan(
        turn.app.search,
        request,
        near=search_position(turn),
        now=turn.now,
        exclude=excluded,
        reply_language=turn.lang,
    )
    return [
        AnswerCallback(),
        dataclasses.replace(message(turn, found), edit_message_id=turn.event.message_id),
    ]


def message(turn: Turn, found: Round) -> SendText:
    t, lang = turn.t, turn.lang
    request: RoundRequest = found.request
    blocks = [f"<b>{say(t('Your shopping round'))}</b>"]
    if found.message:
        blocks.append(clip(found.message, 1200, keep_newlines=True))
    rows: list[tuple[Button, ...]] = []
    token = question_token(request.text)
    gone = [short_ref(business_id) for business_id in found.excluded]
    stop_blocks = [stop_block(number, stop, request, t, lang) for number, stop in enumerate(found.stops, 1)]
    if sum(utf16_len(block) + 2 for block in [*blocks, *stop_blocks]) > TEXT_LIMIT:
        # a long round keeps every stop and drops the leg links ("Whole route" still shows the way)
        stop_blocks = [
            stop_block(number, stop, request, t, lang, links=False)
            for number, stop in enumerate(found.stops, 1)
        ]
    blocks += stop_blocks
    for number, stop in enumerate(found.stops, start=1):
        ref = short_ref(stop.result.id)
        row = [Button(f"{number}. {t('Story')}", data=callbacks.Story(ref).pack())]
        data = callbacks.Swap(token, (*gone, ref))
        if callbacks.fits(data):
            row.append(Button(t("Swap {n}", n=number), data=data.pack()))
        rows.append(tuple(row))
    if found.route_url:
        rows.append((Button(t("Whole route on the map"), url=found.route_url),))
    if found.excluded and not found.stops:
        blocks.append(say(t("No other shop nearby has these.")))
    return SendText(join_blocks(blocks, separator="\n\n"), buttons=tuple(rows))


def stop_block(
    number: int, stop: Stop, request: RoundRequest, t: Translate, lang: str, *, links: bool = True
) -> str:
    result = stop.result
    head = [f"<b>{number}. {clip(result.name, STOP_NAME_CHARS)}</b>", format_distance(stop.leg_m, lang)]
    if opening := opening_line(result):
        head.append(say(opening))
    lines = [" · ".join(head), clip(", ".join(request.items[i].label for i in stop.items), 200)]
    marks = []
    if not result.independent:
        marks.append(t("chain store"))
    if stop.pickup:
        marks.append(t("pickup"))
    if stop.delivery == "bike":
        marks.append(t("delivery by bike courier"))
    elif stop.delivery == "post":
        marks.append(t("delivery by post"))
    link = [f'<a href="{clip(stop.leg_url, 300)}">{say(t("route"))}</a>'] if links else []
    if marks or link:
        lines.append(" · ".join([*(say(mark) for mark in marks), *link]))
    return "\n".join(lines)
