"""Free-text questions: the short list, "More", and "Not what I meant"."""

from __future__ import annotations

import dataclasses
import unicodedata

from concierge import callbacks, demand
from concierge.answers import Answer, Result
from concierge.conversation import counts
from concierge.conversation.context import Turn, question_token
from concierge.conversation.render import answer_message, plain_clip, say, text_html
from concierge.events import AnswerCallback, Button, Reply, SendText
from concierge.state import QUESTION_TTL

QUESTION_CHARS = 300
"""Longer input is not a question but a paste; searching its first part is the kind answer."""
SHORT_LIST = 3


def clean_question(text: str) -> str:
    kept = text if text.isprintable() else "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())[:QUESTION_CHARS].strip()


def has_words(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in {"L", "N"} for ch in text)


def own_position(turn: Turn) -> tuple[float, float] | None:
    """The person's shared position, used only where they alone read the answer: in a group, three
    distances would tell everyone where that member is."""
    return None if turn.shared_chat else turn.profile.position


def search_position(turn: Turn) -> tuple[float, float] | None:
    if (position := own_position(turn)) is not None:
        return position
    area = turn.app.search.area
    return area.center if area else None


def run_search(turn: Turn, question: str) -> Answer:
    return turn.app.search.ask(
        question,
        near=search_position(turn),
        lang_hint=turn.lang,
        limit=SHORT_LIST,
        now=turn.now,
        reply_language=turn.lang,
    )


def question_owner(turn: Turn) -> int:
    """Whose last question the More and Not-what-I-meant buttons work on: the person's own, and in a
    group the group's (with the language it was answered in), so any member can press them and the
    group's list keeps its language."""
    return turn.event.chat_id if turn.shared_chat else turn.event.user_id


def count_shown(turn: Turn, results: tuple[Result, ...], *, question: bool = False) -> None:
    events = [(counts.business_subject(result.id), "shown") for result in results]
    campaign = turn.profile.campaign
    if question and campaign:
        events.append((counts.campaign_subject(campaign), "question"))
    turn.counts.add(turn.now.date(), events)


async def ask(turn: Turn, text: str) -> list[Reply]:
    question = clean_question(text)
    if not has_words(question):
        return [
            SendText(
                say(turn.t("Tell me what you are looking for, for example “oat milk” or “bike repair”."))
            )
        ]
    answer = run_search(turn, question)
    turn.app.metrics.results.observe(len(answer.results))
    await turn.store.set_question(question_owner(turn), question, turn.now + QUESTION_TTL)
    if turn.shared_chat:
        await turn.store.set_language(question_owner(turn), turn.lang)
    count_shown(turn, answer.results, question=True)
    event = turn.event
    answered = event.message_id if event.kind in {"text", "photo", "location"} else None
    if not answer.results:
        await demand.record_empty_answer(turn.app, turn.event.user_id, question, answer, turn.lang, turn.now)
        message = answer.message or turn.t("Nothing nearby fits that question.")
        return [SendText(text_html(message), answers=answered, replace=event.edited)]
    listing = short_list(turn, answer, answer.results, question_token(question), show_more=bool(answer.more))
    return [dataclasses.replace(listing, answers=answered, replace=event.edited)]


def short_list(
    turn: Turn, answer: Answer, results: tuple[Result, ...], token: str, *, show_more: bool
) -> SendText:
    area = turn.area_name if own_position(turn) is None else None
    return answer_message(
        answer,
        results,
        turn.t,
        turn.lang,
        token=token,
        show_more=show_more,
        area_name=area,
        shared_chat=turn.shared_chat,
        place=named_place(turn, answer),
    )


def named_place(turn: Turn, answer: Answer) -> str | None:
    """The area's place the question named, when the search measured from it ("near Molenbrug")."""
    area, where = turn.app.search.area, answer.understood.where
    if area is None or where is None or answer.near is None:
        return None
    return where if area.places.get(where) == tuple(answer.near) else None


def stale(turn: Turn) -> list[Reply]:
    return [AnswerCallback(turn.t("This button has expired. Please ask your question again."))]


async def _current_question(turn: Turn, token: str) -> str | None:
    question = turn.profile.question
    if turn.shared_chat:
        question = (await turn.store.load(question_owner(turn), turn.now)).question
    return question if question and question_token(question) == token else None


async def more(turn: Turn, token: str) -> list[Reply]:
    """The list message grows in place (an edit) by the next results; its More button goes."""
    question = await _current_question(turn, token)
    if question is None:
        return stale(turn)
    answer = run_search(turn, question)
    if not answer.more:
        return [AnswerCallback(turn.t("That was everything I found nearby."))]
    count_shown(turn, answer.more)
    longer = short_list(turn, answer, (*answer.results, *answer.more), token, show_more=False)
    return [AnswerCallback(), dataclasses.replace(longer, edit_message_id=turn.event.message_id)]


def shop_types(turn: Turn, answer: Answer) -> list[tuple[str, list[Result]]]:
    """The distinct shop types among all results, most common first, with their results.

    Types the taxonomy cannot name (it then returns the raw ``key=value`` tag) are left out.
    """
    groups: dict[str, list[Result]] = {}
    for result in (*answer.results, *answer.more):
        label = turn.taxonomy.name(result.categories, turn.lang) if result.categories else ""
        if label and "=" not in label:
            groups.setdefault(label, []).append(result)
    return sorted(groups.items(), key=lambda item: -len(item[1]))[:3]


async def not_what_i_meant(turn: Turn, token: str) -> list[Reply]:
    question = await _current_question(turn, token)
    if question is None:
        return stale(turn)
    types = shop_types(turn, run_search(turn, question))
    if len(types) < 2:
        return [
            AnswerCallback(),
            SendText(
                say(
                    turn.t(
                        "Sorry about that. Could you ask again in other words? Naming a product or a kind "
                        "of shop works best, for example “sourdough bread” or “bakery”."
                    )
                )
            ),
        ]
    buttons = tuple(
        (Button(plain_clip(label, 40), data=callbacks.PickType(token, index).pack()),)
        for index, (label, _) in enumerate(types)
    )
    return [
        AnswerCallback(),
        SendText(
            say(turn.t("Which kind of place did you mean? Or ask again in other words.")), buttons=buttons
        ),
    ]


async def pick_type(turn: Turn, token: str, index: int) -> list[Reply]:
    question = await _current_question(turn, token)
    if question is None:
        return stale(turn)
    answer = run_search(turn, question)
    types = shop_types(turn, answer)
    if index >= len(types):
        return stale(turn)
    _, results = types[index]
    count_shown(turn, tuple(results))
    return [
        AnswerCallback(),
        answer_message(
            answer, results[:SHORT_LIST], turn.t, turn.lang, lead=False, shared_chat=turn.shared_chat
        ),
    ]
