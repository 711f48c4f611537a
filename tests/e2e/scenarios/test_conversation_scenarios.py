"""Issue 12's conversation items, run unchanged on aiogram, python-telegram-bot and the terminal chat.

The reply language (item 4), groups (item 5), edited questions and captions (item 6), a position far
outside the area (item 9) and shared cards (item 10). Every driver's clock is frozen (conftest), and
expected texts are written here, in the four languages, not read back from the code.
"""

from __future__ import annotations

import re

import pytest

from concierge.app import App
from tests.e2e.scenarios.conftest import BOT_USERNAME
from tests.e2e.scenarios.test_scenarios import (
    MORE_CANDIDATES,
    PRODUCT,
    QUESTION,
    labelled,
    only_seller,
    rank_of,
)
from tests.support.drivers import Driver, TelegramDriver, expect, last_reply

pytestmark = pytest.mark.filterwarnings("ignore:Please use 'Bot:UserWarning")

DUTCH_QUESTION = "waar kan ik gitaarsnaren kopen?"
FAR_AWAY = (52.572, 4.655)
"""Due north of the demo's centre (52.3862, 4.655): 20.7 km both on a sphere and on the ellipsoid."""
DISTANCE = re.compile(r"\b\d+(?:[.,]\d)? k?m\b")


def line_of(reply: str, name: str) -> str:
    return next(line for line in reply.splitlines() if name in line)


def distance_in(line: str) -> str:
    found = DISTANCE.search(line)
    assert found, f"no distance in {line!r}"
    return found.group()


# -- item 4: the reply language -----------------------------------------------------------------------


async def test_a_spanish_phone_asking_in_english_reads_english(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    spanish = person.other_user("es")
    welcome = await spanish.send("/start")
    assert welcome == await person.other_user("nl").send("/start"), "no question yet: the area's language"
    await spanish.send("oat milk")
    assert labelled(spanish, "Not what I meant"), f"English terms alone suffice here: {spanish.buttons()}"
    reply = await spanish.send(QUESTION)
    rank = rank_of(reply, shop.name)
    assert labelled(spanish, "Story") and labelled(spanish, "Not what I meant"), spanish.buttons()
    assert await spanish.send("/help") == await person.send("/help"), "the conversation stays English"
    await spanish.press(labelled(spanish, "Story")[rank - 1])
    expect(spanish, shop.name, "Written by the owner in Dutch", " ".join(shop.story_who.split())[:30])


async def test_a_dutch_question_gets_dutch_and_the_story_needs_no_note(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    reply = await person.send(DUTCH_QUESTION)
    rank = rank_of(reply, shop.name)
    assert labelled(person, "Verhaal") and labelled(person, "Niet wat ik bedoelde"), person.buttons()
    story = await person.press(labelled(person, "Verhaal")[rank - 1])
    assert shop.name in story
    assert "Door de eigenaar" not in story and "Written by the owner" not in story, story


async def test_an_explicit_choice_beats_the_question_language(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    await person.send("/language")
    await person.press("Deutsch")
    reply = await person.send(QUESTION)
    rank = rank_of(reply, shop.name)
    assert labelled(person, "Geschichte") and labelled(person, "Nicht, was ich meinte"), person.buttons()
    await person.press(labelled(person, "Geschichte")[rank - 1])
    expect(person, shop.name, "Vom Inhaber auf Niederländisch geschrieben")


# -- item 5: groups -----------------------------------------------------------------------------------


async def test_group_answers_reply_and_never_use_a_members_position(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    area = app.search.area
    assert area is not None
    from_centre = line_of(await person.other_user("en").send(QUESTION), shop.name)
    await person.share_location(shop.lat, shop.lon)
    private = line_of(await person.send(QUESTION), shop.name)
    assert distance_in(private) != distance_in(from_centre), "the test needs a shop away from the centre"

    group = person.in_group()
    reply = await group.send(f"@{BOT_USERNAME} {QUESTION}")
    assert distance_in(line_of(reply, shop.name)) == distance_in(from_centre), reply
    expect(group, f"In a group I measure distances from the centre of {area.name}")
    assert group.replied_to() == [group.last_sent], "the answer is a reply to the question"


async def test_a_place_named_in_a_group_question_is_where_distances_start(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    group = person.in_group()
    near_centre = line_of(await group.send(f"@{BOT_USERNAME} {QUESTION}"), shop.name)
    reply = await group.send(f"@{BOT_USERNAME} guitar strings near Molenbrug")
    assert distance_in(line_of(reply, shop.name)) != distance_in(near_centre), reply
    assert "In a group I measure" not in reply, "the place named is where distances start, not the centre"
    expect(group, "Distances are from Molenbrug.")


async def test_every_member_of_a_group_can_press_the_buttons(person: Driver, app: App) -> None:
    group = person.in_group()
    for question in MORE_CANDIDATES:
        await group.send(f"@{BOT_USERNAME} {question}")
        if labelled(group, "More"):
            break
    else:
        pytest.fail(f"none of {MORE_CANDIDATES} gets a More button in the demo")
    shown = len(labelled(group, "Story"))
    listing = group.message_of("More")
    neighbour = group.member("de")
    reply = await neighbour.press("More")
    assert "expired" not in reply, reply
    assert "Mehr" not in reply and labelled(neighbour, "Not what I meant"), (
        "the group's list keeps its language"
    )
    assert neighbour.edited() == [listing], "More pressed by another member grows the group's list"
    assert len(labelled(neighbour, "Story")) > shown, neighbour.buttons()
    await neighbour.press(labelled(neighbour, "Not what I meant")[0])
    assert "expired" not in last_reply(neighbour), last_reply(neighbour)


# -- item 6: edits and captions -----------------------------------------------------------------------


async def test_an_edited_question_edits_its_answer(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    await person.send("where can I buy bread?")
    answer = person.message_of("Not what I meant")
    assert answer is not None
    reply = await person.edit(QUESTION)
    assert person.edited() == [answer], "the earlier answer is edited, no new message"
    rank = rank_of(reply, shop.name)
    assert person.message_of("Not what I meant") == answer
    await person.press(labelled(person, "Story")[rank - 1])
    expect(person, shop.name)


async def test_a_photo_captioned_with_a_question_is_answered(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    reply = await person.send_photo(QUESTION)
    rank_of(reply, shop.name)
    answer = person.message_of("Not what I meant")
    await person.edit("where can I buy bread?")
    assert person.edited() == [answer], "an edited caption edits its answer too"
    assert shop.name not in last_reply(person)


async def test_an_edited_question_in_a_group_edits_the_groups_answer(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    group = person.in_group()
    await group.send(f"@{BOT_USERNAME} where can I buy bread?")
    answer = group.message_of("Not what I meant")
    await group.edit(f"@{BOT_USERNAME} {QUESTION}")
    assert group.edited() == [answer]
    expect(group, shop.name)


# -- item 9: a position far outside the area ----------------------------------------------------------


async def test_a_position_far_outside_the_area_is_said_and_not_used(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    area = app.search.area
    assert area is not None
    reply = await person.share_location(*FAR_AWAY)
    assert reply.startswith(
        f"That spot is 20.7 km from the centre of {area.name}, outside the area I know."
    ), reply
    assert "Thanks" not in reply
    answer = await person.send(QUESTION)
    assert shop.name in answer, "questions are still answered, from the centre"
    assert f"Searching around the centre of {area.name}" in answer


async def test_far_outside_the_area_in_the_readers_language(person: Driver, app: App) -> None:
    area = app.search.area
    assert area is not None
    await person.send("/language")
    await person.press("Deutsch")
    reply = await person.share_location(*FAR_AWAY)
    assert reply.startswith(f"Dieser Ort ist 20,7 km vom Zentrum von {area.name} entfernt"), reply


# -- item 10: shared cards ----------------------------------------------------------------------------


async def test_a_shared_card_is_worded_for_the_friend(person: Driver, app: App) -> None:
    shop = next(b for b in app.search.businesses() if b.name == "Muziekhuis Toonkunst")
    await person.send("Toonkunst")
    expect(person, shop.name, "Name matches your question")
    offered = await person.press(labelled(person, "Share")[0])
    mine = line_of(offered, shop.name)
    assert DISTANCE.search(mine) and "open now" in mine, f"the sharer's list keeps distance and state: {mine}"
    card = next(card for card in person.shared_cards() if shop.name in card)
    assert "your question" not in card, card
    assert "Musical Instrument Store" in card and shop.address in card, card
    assert not DISTANCE.search(card) and "open now" not in card, "the friend is elsewhere, later"


async def test_inline_venues_keep_distance_and_opening_state(
    telegram_person: TelegramDriver, app: App
) -> None:
    shop = only_seller(app, PRODUCT)
    await telegram_person.inline(QUESTION)
    [offer] = telegram_person.calls
    [venue] = [r for r in offer.params["results"] if r["title"] == shop.name]
    assert venue["type"] == "venue"
    assert DISTANCE.search(venue["address"]) and "open now" in venue["address"], venue
    assert shop.address in venue["address"], venue
