"""What a resident does, written once, run over aiogram, python-telegram-bot and the terminal chat.

Expectations come from the demo catalogue itself (the only shop selling a product, its story and
address), not from the ranking, so they hold while the search improves and fail when the bot breaks.
"""

from __future__ import annotations

import re

import pytest
from geopy.distance import distance

from catalog.views import BusinessView
from concierge import deeplinks
from concierge.app import App
from tests.e2e.scenarios.conftest import BOT_USERNAME
from tests.support.drivers import Driver, TelegramDriver, expect

pytestmark = pytest.mark.filterwarnings("ignore:Please use 'Bot:UserWarning")
"""The PTB runtime calls methods by their Bot API name on purpose (see handlers/ptb_runtime.py)."""

PRODUCT = "gitaarsnaren"
QUESTION = "where can I buy guitar strings?"
"""In English, as the drivers' people (English phones) ask: a Dutch question would get Dutch answers."""


def only_seller(app: App, product: str) -> BusinessView:
    sellers = [b for b in app.search.businesses() if any(p.name == product for p in b.products)]
    assert len(sellers) == 1, f"the demo should have exactly one seller of {product}"
    return sellers[0]


def labelled(driver: Driver, label: str) -> list[int]:
    """1-based positions of the buttons called ``label`` (or ``N. label``)."""
    return [
        i
        for i, text in enumerate(driver.buttons(), start=1)
        if text.casefold().split(". ", 1)[-1] == label.casefold()
    ]


def rank_of(reply: str, name: str) -> int:
    """Which result of the list (1-based) is ``name``, from the order the names appear in."""
    assert name in reply, f"{name!r} is not in the list:\n{reply}"
    numbers = re.findall(rf"(\d+)\.\s*{re.escape(name)}", reply)
    return int(numbers[0]) if numbers else 1


async def test_start_greets_and_names_the_neighbourhood(person: Driver, app: App) -> None:
    await person.send("/start")
    assert app.search.area is not None
    expect(person, app.search.area.name, "/near")


async def test_a_deep_link_opens_the_business_and_a_broken_one_just_starts(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    link = deeplinks.encode(deeplinks.DeepLink("business", deeplinks.short_ref(shop.id)))
    await person.send(f"/start {link}")
    expect(person, shop.name)
    await person.send("/start b_!!nonsense")
    assert app.search.area is not None
    expect(person, app.search.area.name)


async def test_a_question_gets_a_short_list_with_story_map_and_share(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    await person.send(QUESTION)
    expect(person, shop.name)
    stories, maps, shares = (labelled(person, label) for label in ("Story", "Map", "Share"))
    assert 1 <= len(stories) <= 3, person.buttons()
    assert len(maps) == len(shares) == len(stories), person.buttons()


MORE_CANDIDATES = ("groente", "brood", "koffie", "bread", "coffee", "bakker")
"""Questions of which the demo should have more than a short list's worth, whatever the ranking."""


async def test_more_grows_the_list_in_place(person: Driver) -> None:
    for question in MORE_CANDIDATES:
        await person.send(question)
        if labelled(person, "More"):
            break
    else:
        pytest.fail(f"none of {MORE_CANDIDATES} gets a More button in the demo")
    shown = len(labelled(person, "Story"))
    listing = person.message_of("More")
    assert listing is not None
    reply = await person.press("More")
    assert person.edited() == [listing], "More edits the list message instead of sending another"
    assert all(f"{n}." in reply for n in range(1, shown + 2)), reply
    assert len(labelled(person, "Story")) > shown, person.buttons()
    assert not labelled(person, "More") and labelled(person, "Not what I meant"), person.buttons()


async def test_story_shows_the_owners_story(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    reply = await person.send(QUESTION)
    rank = rank_of(reply, shop.name)
    await person.press(labelled(person, "Story")[rank - 1])
    expect(person, shop.name, " ".join(shop.story_who.split())[:40])


async def test_map_sends_the_venue(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    reply = await person.send(QUESTION)
    rank = rank_of(reply, shop.name)
    await person.press(labelled(person, "Map")[rank - 1])
    expect(person, "📍", shop.name, shop.address)
    if isinstance(person, TelegramDriver):
        [venue] = [c for c in person.calls if c.method == "sendVenue"]
        assert (venue.params["latitude"], venue.params["longitude"]) == (shop.lat, shop.lon)
        assert person.calls[0].method == "answerCallbackQuery"


async def test_share_offers_the_business_in_inline_mode(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    reply = await person.send(QUESTION)
    rank = rank_of(reply, shop.name)
    await person.press(labelled(person, "Share")[rank - 1])
    expect(person, shop.name)


async def test_a_shared_location_changes_the_distances(person: Driver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    area = app.search.area
    assert area is not None
    assert distance(area.center, (shop.lat, shop.lon)).m > 300, "the test needs a shop away from the centre"
    await person.send("/near")
    assert person.buttons(), "/near should offer a button to share the location"
    if isinstance(person, TelegramDriver):
        [markup] = [c.params["reply_markup"] for c in person.calls if c.method == "sendMessage"]
        assert any(b.get("request_location") for row in markup["keyboard"] for b in row)
    before = await person.send(QUESTION)
    await person.share_location(shop.lat, shop.lon)
    after = await person.send(QUESTION)

    def line_of(reply: str) -> str:
        return next(line for line in reply.splitlines() if shop.name in line)

    assert area.name in before, "without a position the answer says it searched around the centre"
    assert area.name not in after
    assert line_of(before) != line_of(after), "the distance to the shop should change"


async def test_language_switches_to_dutch(person: Driver) -> None:
    english = await person.send("/help")
    await person.send("/language")
    assert {"Nederlands", "English", "Deutsch", "Français"} <= set(person.buttons())
    await person.press("Nederlands")
    dutch = await person.send("/help")
    assert dutch != english
    assert dutch == await person.other_user("nl").send("/help")


async def test_an_unknown_command_points_to_help(person: Driver) -> None:
    await person.send("/frobnicate")
    expect(person, "/help")


async def test_a_4096_character_question_gets_a_valid_answer(person: Driver) -> None:
    question = (QUESTION + " ") * (4096 // len(QUESTION))
    reply = await person.send(question[:4096])
    assert reply.strip()


async def test_stickers_photos_and_voice_get_a_clear_reply(telegram_person: TelegramDriver) -> None:
    for send in (telegram_person.send_sticker, telegram_person.send_photo, telegram_person.send_voice):
        reply = await send()
        assert reply.strip() and "went wrong" not in reply


async def test_forged_callbacks_are_answered_and_refused(telegram_person: TelegramDriver, app: App) -> None:
    await telegram_person.send(QUESTION)
    message_id = telegram_person.calls[-1].result["message_id"]
    for data in ("s:zzzzzzzz", "m:", "lang:xx", "more:nothing", "c:x:99", "<b>", "x" * 64):
        reply = await telegram_person.callback(message_id, data)
        [answer] = telegram_person.calls
        assert answer.method == "answerCallbackQuery" and answer.params.get("text"), data
        assert reply.strip()


async def test_groups_get_answers_only_when_addressed(telegram_person: TelegramDriver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    group = telegram_person.in_group()
    assert await group.send(QUESTION) == ""
    await group.send(f"@{BOT_USERNAME} {QUESTION}")
    expect(group, shop.name)
    await group.reply_to_bot(QUESTION)
    expect(group, shop.name)
    await group.send("/help")
    expect(group, "/near")


async def test_inline_mode_offers_the_shop(telegram_person: TelegramDriver, app: App) -> None:
    shop = only_seller(app, PRODUCT)
    await telegram_person.inline(PRODUCT)
    expect(telegram_person, shop.name)
    [answer] = telegram_person.calls
    assert any(r["type"] in {"venue", "article"} for r in answer.params["results"])


async def test_commands_are_registered_in_four_languages(telegram_person: TelegramDriver) -> None:
    registered = telegram_person.emulator.commands
    for lang in ("nl", "en", "de", "fr"):
        names = {c["command"] for c in registered[("default", lang)]}
        assert {"start", "help", "near", "language", "privacy", "forgetme", "cancel"} <= names
    assert registered[("default", "nl")] != registered[("default", "en")]
