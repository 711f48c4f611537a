"""The conversation core through ``Conversation.handle``, on a real SQLite database with a small neighbourhood.

Expected results come from the search service itself (``app.search.ask``), never from hard-coded
lists, so these tests hold for any search engine behind the same API.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, text

from catalog.db import create_engine, session_factory, upgrade
from catalog.models import Area, Business, DailyCount, FlowState, Partner, Product, UserState
from concierge.app import App, open_app
from concierge.conversation import bot_commands
from concierge.deeplinks import DeepLink, encode, short_ref
from concierge.events import (
    AnswerCallback,
    AnswerInline,
    Event,
    Reply,
    SendLocation,
    SendPhoto,
    SendText,
    SendVenue,
)
from concierge.i18n import translator
from concierge.routing import Conversation
from concierge.settings import Settings
from tests.test_render import assert_keyboard, assert_telegram_html

START = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
CENTRE = (52.0900, 5.1100)


async def seed_neighbourhood(url: str) -> None:
    """A tiny neighbourhood with awkward names: HTML in a name, a photo, a partner, a missing address."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            session.add(
                Area(
                    id="testwijk",
                    name="Test & Wijk",
                    city="Utrecht",
                    center_lat=CENTRE[0],
                    center_lon=CENTRE[1],
                )
            )
            session.add_all(
                [
                    Business(
                        id="bakkerij-korenbloem",
                        area_id="testwijk",
                        name="Bakkerij <De Korenbloem> & Zn",
                        categories=["shop=bakery"],
                        lat=52.0912,
                        lon=5.1121,
                        address="Lindenlaan 1",
                        opening_hours="Mo-Sa 08:00-18:00",
                        phone="+31 30 123 4567",
                        website="https://korenbloem.example",
                        story_who="Anna & Piet <b>bakken</b>",
                        story_how="Met de hand, elke nacht.",
                        story_why="Omdat brood ertoe doet.",
                        products=[Product(name="havermelk"), Product(name="zuurdesembrood", position=1)],
                    ),
                    Business(
                        id="cafe-koffie",
                        area_id="testwijk",
                        name="Café Koffie",
                        categories=["amenity=cafe"],
                        lat=52.0931,
                        lon=5.1150,
                        photo="https://example.org/cafe.jpg",
                        story_who="Wij schenken koffie.",
                        products=[Product(name="havermelk"), Product(name="koffie", position=1)],
                    ),
                    Business(
                        id="fietsmaker-snel",
                        area_id="testwijk",
                        name="Fietsmaker Snel",
                        categories=["shop=bicycle"],
                        lat=52.0880,
                        lon=5.1080,
                        address="Stationsweg 9",
                        products=[Product(name="fietsreparatie", kind="service")],
                    ),
                    Business(
                        id="draft-shop",
                        area_id="testwijk",
                        name="Nog Niet Open",
                        categories=["shop=deli"],
                        lat=52.09,
                        lon=5.11,
                        status="draft",
                        products=[Product(name="havermelk")],
                    ),
                ]
            )
            await session.flush()
            session.add(Partner(business_id="bakkerij-korenbloem", partner_id="cafe-koffie"))
    finally:
        await engine.dispose()


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class World:
    app: App
    clock: Clock
    conversation: Conversation

    async def send(self, kind: str, user_id: int = 7, **fields: Any) -> list[Reply]:
        fields.setdefault("chat_id", user_id)
        event = Event(kind, user_id=user_id, **fields)  # type: ignore[arg-type]
        replies = await self.conversation.handle(event)
        for reply in replies:
            if isinstance(reply, SendText):
                assert_telegram_html(reply.html)
                assert_keyboard(reply.buttons)
            if isinstance(reply, SendPhoto):
                assert_telegram_html(reply.caption_html, 1024)
            if isinstance(reply, AnswerInline):
                for result in reply.results:
                    assert_telegram_html(result.message_html)
                    assert len(result.id.encode()) <= 64
        if kind == "button" and replies:
            assert isinstance(replies[0], AnswerCallback), "every button press is answered first"
        return replies

    async def count(self, subject: str, kind: str) -> int:
        await self.conversation.drain()
        async with self.app.sessions() as session:
            value = await session.scalar(
                select(func.sum(DailyCount.count)).where(
                    DailyCount.subject == subject, DailyCount.kind == kind
                )
            )
        return int(value or 0)

    async def state(self, user_id: int = 7) -> UserState | None:
        async with self.app.sessions() as session:
            return await session.get(UserState, user_id)


@pytest.fixture
async def world(sqlite_url: str) -> AsyncIterator[World]:
    await seed_neighbourhood(sqlite_url)
    app = await open_app(
        Settings(database_url=sqlite_url, default_language="nl", bot_username="testbuurtbot")
    )
    clock = Clock()
    try:
        yield World(app, clock, Conversation(app, clock=clock))
    finally:
        await app.close()


def texts(replies: list[Reply]) -> list[SendText]:
    return [reply for reply in replies if isinstance(reply, SendText)]


def only_text(replies: list[Reply]) -> SendText:
    assert len(replies) == 1 and isinstance(replies[0], SendText), replies
    return replies[0]


def button_data(reply: SendText) -> list[str]:
    return [button.data for row in reply.buttons for button in row if button.data]


async def ask(world: World, question: str, **fields: Any) -> list[Reply]:
    return await world.send("text", text=question, **fields)


# --- /start and deep links ---------------------------------------------------------------------------


async def test_start_welcomes_with_the_area_name_escaped(world: World) -> None:
    reply = only_text(await world.send("command", command="start", language_code="en"))
    assert "Test &amp; Wijk" in reply.html
    assert "/near" in reply.html


async def test_start_with_a_business_link_shows_its_story(world: World) -> None:
    payload = encode(DeepLink("business", short_ref("bakkerij-korenbloem")))
    replies = await world.send("command", command="start", text=payload, language_code="en")
    card = only_text(replies)
    assert card.html.startswith("<b>Bakkerij &lt;De Korenbloem&gt; &amp; Zn</b>")
    assert "<blockquote expandable>" in card.html
    assert "Anna &amp; Piet &lt;b&gt;bakken&lt;/b&gt;" in card.html
    assert "Pairs well with Café Koffie" in card.html
    assert (
        "Mon–Sat 8:00–18:00" in card.html and "Lindenlaan 1" in card.html and "+31 30 123 4567" in card.html
    )
    assert await world.count("business:bakkerij-korenbloem", "opened") == 1


async def test_start_with_a_question_link_answers_it(world: World) -> None:
    payload = encode(DeepLink("question", "havermelk"))
    replies = await world.send("command", command="start", text=payload)
    expected = world.app.search.ask("havermelk", near=CENTRE, lang_hint="nl", limit=3, now=START)
    assert expected.results, "the seeded neighbourhood sells havermelk"
    answer = only_text(replies)
    for result in expected.results:
        assert f"s:{short_ref(result.id)}" in button_data(answer)
    assert "Nog Niet Open" not in answer.html


async def test_a_campaign_link_counts_the_start_and_each_question_for_a_day(world: World) -> None:
    payload = encode(DeepLink("campaign", "", "flyer-nov"))
    welcome = only_text(await world.send("command", command="start", text=payload))
    plain = only_text(await world.send("command", command="start", user_id=8))
    assert welcome.html == plain.html
    assert await world.count("campaign:flyer-nov", "start") == 1
    await ask(world, "havermelk")
    await ask(world, "fietsreparatie")
    assert await world.count("campaign:flyer-nov", "question") == 2
    await ask(world, "havermelk", user_id=8)
    assert await world.count("campaign:flyer-nov", "question") == 2, "only people who came in through it"
    world.clock.now = START + dt.timedelta(hours=25)
    await ask(world, "havermelk")
    assert await world.count("campaign:flyer-nov", "question") == 2, "the campaign expires after a day"


async def test_a_campaign_question_link_counts_start_and_question(world: World) -> None:
    payload = encode(DeepLink("question", "havermelk", "poster"))
    await world.send("command", command="start", text=payload)
    assert await world.count("campaign:poster", "start") == 1
    assert await world.count("campaign:poster", "question") == 1


@pytest.mark.parametrize(
    "payload",
    [
        "!!!",
        "b_notaref",
        "bxx_abcdefgh",
        "q_%%%",
        "q_",
        "x" * 100,
        "c",
        "b_" + short_ref("nope"),
        "q_____",
        "é",
    ],
)
async def test_a_garbage_payload_just_starts(world: World, payload: str) -> None:
    plain = only_text(await world.send("command", command="start"))
    assert only_text(await world.send("command", command="start", text=payload)).html == plain.html


# --- languages ---------------------------------------------------------------------------------------


async def test_language_order_choice_then_telegram_then_default(world: World) -> None:
    help_de = only_text(await world.send("command", command="help", language_code="de-AT"))
    assert help_de.html.startswith(
        translator("de")(
            "Ask me in your own words what you are looking for, for example “oat milk” or “bike repair”."
        )[:20]
    )
    default = only_text(await world.send("command", command="help", language_code="pt-BR"))
    assert default.html.startswith("Vraag in je eigen woorden")
    none = only_text(await world.send("command", command="help"))
    assert none.html == default.html

    menu = only_text(await world.send("command", command="language", language_code="de"))
    assert button_data(menu) == ["lang:nl", "lang:en", "lang:de", "lang:fr"]
    chosen = await world.send("button", text="lang:fr", language_code="de")
    assert texts(chosen)[0].html == "Très bien, je parlerai désormais en français."
    after = only_text(await world.send("command", command="help", language_code="de"))
    assert after.html.startswith("Dites-moi avec vos propres mots")
    state = await world.state()
    assert state is not None and state.language == "fr"


async def test_bot_commands_are_translated_for_set_my_commands() -> None:
    english = dict(bot_commands("en"))
    assert set(english) == {
        "start",
        "help",
        "near",
        "language",
        "privacy",
        "forgetme",
        "cancel",
        "mybusiness",
    }
    for lang in ("nl", "de", "fr"):
        translated = dict(bot_commands(lang))
        assert set(translated) == set(english)
        assert all(translated[c] and translated[c] != english[c] for c in english), lang
        assert all(0 < len(text) <= 256 for text in translated.values())


# --- questions, buttons, counts ----------------------------------------------------------------------


async def test_a_question_gets_one_message_with_buttons_per_result(world: World) -> None:
    expected = world.app.search.ask("havermelk", near=CENTRE, lang_hint="en", limit=3, now=START)
    answer = only_text(await ask(world, "havermelk", language_code="en"))
    assert "Searching around the centre of Test &amp; Wijk" in answer.html
    assert len(answer.buttons) == len(expected.results) + 1
    for row, result in zip(answer.buttons, expected.results, strict=False):
        labels = [button.text for button in row]
        assert labels[1:] == ["Map", "Share"] and labels[0].endswith("Story")
        assert row[2].switch_inline == result.name
    last = [button.text for button in answer.buttons[-1]]
    assert last == (["More", "Not what I meant"] if expected.more else ["Not what I meant"])
    for result in expected.results:
        assert await world.count(f"business:{result.id}", "shown") == 1


async def test_story_map_and_share_buttons(world: World) -> None:
    story = await world.send("button", text=f"s:{short_ref('cafe-koffie')}")
    assert story[0] == AnswerCallback()
    assert isinstance(story[1], SendPhoto) and story[1].photo_ref == "https://example.org/cafe.jpg"
    assert "Café Koffie" in story[1].caption_html
    venue = await world.send("button", text=f"m:{short_ref('bakkerij-korenbloem')}")
    assert venue[1:] == [SendVenue(52.0912, 5.1121, "Bakkerij <De Korenbloem> & Zn", "Lindenlaan 1")]
    no_address = await world.send("button", text=f"m:{short_ref('cafe-koffie')}")
    assert no_address[1] == SendLocation(52.0931, 5.1150)
    assert "Café Koffie" in texts(no_address)[0].html
    assert await world.count("business:cafe-koffie", "opened") == 1
    assert await world.count("business:cafe-koffie", "mapped") == 1
    assert await world.count("business:bakkerij-korenbloem", "mapped") == 1


async def test_more_and_not_what_i_meant_use_the_stored_question(world: World) -> None:
    answer = only_text(await ask(world, "havermelk"))
    data = button_data(answer)
    nwm = next(d for d in data if d.startswith("n:"))
    clarify = await world.send("button", text=nwm)
    assert len(clarify) == 2 and isinstance(clarify[1], SendText)
    for choice in button_data(clarify[1]):
        picked = await world.send("button", text=choice)
        assert isinstance(picked[1], SendText)
        assert any(d.startswith("s:") for d in button_data(picked[1]))
    expected = world.app.search.ask("havermelk", near=CENTRE, lang_hint="nl", limit=3, now=START)
    more = await world.send("button", text="more:" + nwm[2:], message_id=41, callback_id="c1")
    if expected.more:
        assert len(texts(more)) == 1
        grown = texts(more)[0]
        assert grown.edit_message_id == 41, "More edits the list message in place"
        shown = {f"s:{short_ref(r.id)}" for r in (*expected.results, *expected.more)}
        assert shown == {d for d in button_data(grown) if d.startswith("s:")}
        assert not any(d.startswith("more:") for d in button_data(grown)), "everything is shown now"
        assert any(d.startswith("n:") for d in button_data(grown))
    else:
        assert more == [AnswerCallback(translator("nl")("That was everything I found nearby."))]
    world.clock.now = START + dt.timedelta(hours=2)
    expired = await world.send("button", text=nwm)
    assert len(expired) == 1 and isinstance(expired[0], AnswerCallback) and expired[0].text, (
        "the question is kept only briefly"
    )


async def test_nothing_found_sends_the_search_message(world: World) -> None:
    question = "zzqx vlnkt"
    expected = world.app.search.ask(question, near=CENTRE, lang_hint="nl", limit=3, now=START)
    assert not expected.results
    reply = only_text(await ask(world, question))
    assert reply.buttons == ()
    assert reply.html == html.escape(
        expected.message or translator("nl")("Nothing nearby fits that question."), quote=False
    )


# --- forged and foreign callbacks --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "",
        "s:",
        "s:zzzzzzzz",
        "m:aaaaaaaa",
        "lang:xx",
        "more:deadbeef00",
        "n:",
        "c:abc:1",
        "c::x",
        "x" * 64,
        "s:" + "é" * 30,
    ],
)
async def test_forged_callbacks_get_a_polite_answer_and_nothing_else(world: World, data: str) -> None:
    replies = await world.send("button", text=data)
    assert len(replies) == 1 and isinstance(replies[0], AnswerCallback) and replies[0].text


async def test_another_users_more_button_is_refused(world: World) -> None:
    answer = only_text(await ask(world, "havermelk", user_id=7))
    for data in button_data(answer):
        if data.startswith(("more:", "n:")):
            replies = await world.send("button", user_id=99, text=data)
            assert len(replies) == 1 and isinstance(replies[0], AnswerCallback) and replies[0].text


# --- location ----------------------------------------------------------------------------------------


async def test_location_is_rounded_and_expires(world: World) -> None:
    replies = await world.send("location", lat=52.0912345, lon=5.1126789, language_code="en")
    assert replies[0] == SendText(
        "Thanks! I will search around this spot for the next 24 hours.", remove_keyboard=True
    )
    state = await world.state()
    assert state is not None and (state.lat, state.lon) == (52.091, 5.113)
    world.clock.now = START + dt.timedelta(hours=23)
    near = only_text(await ask(world, "havermelk", language_code="en"))
    assert "centre of" not in near.html
    world.clock.now = START + dt.timedelta(hours=25)
    far = only_text(await ask(world, "havermelk", language_code="en"))
    assert "Searching around the centre of Test &amp; Wijk" in far.html


async def test_sharing_a_location_after_a_question_answers_it_again(world: World) -> None:
    await ask(world, "havermelk")
    replies = await world.send("location", lat=52.093, lon=5.115)
    assert len(texts(replies)) == 2 and any(d.startswith("s:") for d in button_data(texts(replies)[1]))


@pytest.mark.parametrize("lat,lon", [(91.0, 5.0), (52.0, 181.0), (float("nan"), 5.0), (52.0, float("inf"))])
async def test_impossible_locations_are_refused(world: World, lat: float, lon: float) -> None:
    reply = only_text(await world.send("location", lat=lat, lon=lon, language_code="en"))
    assert reply.html == "That location does not look right. Please share it again."
    assert await world.state() is None


async def test_near_asks_for_the_location_with_a_button(world: World) -> None:
    reply = only_text(await world.send("command", command="near"))
    assert reply.buttons[0][0].request_location
    in_group = only_text(await world.send("command", command="near", chat_type="group", chat_id=-5))
    assert in_group.buttons == ()


# --- privacy -----------------------------------------------------------------------------------------


async def test_forgetme_deletes_everything_about_the_user(world: World) -> None:
    await world.send("button", text="lang:en")
    await world.send("location", lat=52.09, lon=5.11)
    await ask(world, "havermelk")
    async with world.app.sessions.begin() as session:
        session.add_all([FlowState(key="owner:7", data={"step": 1}), FlowState(key="owner:70", data={})])
    assert await world.state() is not None
    reply = only_text(await world.send("command", command="forgetme"))
    assert reply.html.startswith("Done.")
    async with world.app.sessions() as session:
        assert await session.get(UserState, 7) is None
        assert [row.key for row in await session.scalars(select(FlowState))] == ["owner:70"]
    after = only_text(await world.send("command", command="help"))
    assert after.html.startswith("Vraag in je eigen woorden"), "the language choice is gone too"


async def test_privacy_says_what_is_kept(world: World) -> None:
    reply = only_text(await world.send("command", command="privacy", language_code="en"))
    assert "100 m" in reply.html and "24 hours" in reply.html and "/forgetme" in reply.html
    assert "campaign tag is kept with your Telegram user id for 24 hours" in reply.html
    assert "In a group, the group's last question is kept for 30 minutes" in reply.html


# --- groups ------------------------------------------------------------------------------------------


async def test_groups_only_get_answers_when_addressed(world: World) -> None:
    group: dict[str, Any] = {"chat_type": "group", "chat_id": -100}
    assert await ask(world, "havermelk", addressed=False, **group) == []
    assert await world.send("photo", photo_ref="x", **group) == []
    assert await world.send("unsupported", **group) == []
    assert await world.send("location", lat=52.0, lon=5.0, addressed=False, **group) == []
    addressed = only_text(await ask(world, "@testbuurtbot havermelk", addressed=True, **group))
    assert any(d.startswith("s:") for d in button_data(addressed))
    assert texts(await world.send("command", command="help", addressed=False, **group))


# --- inline mode -------------------------------------------------------------------------------------


async def test_inline_query_offers_cards_with_a_deep_link(world: World) -> None:
    replies = await world.send("inline_query", chat_type="inline", text="havermelk", lat=52.0931, lon=5.115)
    assert len(replies) == 1 and isinstance(replies[0], AnswerInline)
    expected = world.app.search.ask("havermelk", near=(52.093, 5.115), lang_hint="nl", limit=5, now=START)
    assert [r.id for r in replies[0].results] == [
        short_ref(r.id) for r in (*expected.results, *expected.more)
    ][:5]
    for result in replies[0].results:
        assert f'href="https://t.me/testbuurtbot?start=b_{result.id}"' in result.message_html
    empty = await world.send("inline_query", chat_type="inline", text="   ")
    assert empty == [AnswerInline((), cache_time=300)]


# --- bad input ---------------------------------------------------------------------------------------


async def test_bad_input_gets_a_clear_reply_or_is_ignored(world: World) -> None:
    t = translator("en")
    unknown = only_text(await world.send("command", command="frobnicate", language_code="en"))
    assert unknown.html == t("I don't know that command. Type /help to see what I can do.").replace("'", "'")
    sticker = only_text(await world.send("unsupported", language_code="en"))
    assert sticker.html == t("I can only read text and locations. Type what you are looking for.")
    photo = only_text(await world.send("photo", photo_ref="AgAD", language_code="en"))
    assert photo.html == sticker.html
    assert await world.send("text", text="   ", edited=True) == [], "an edit that leaves no question"
    emoji = only_text(await ask(world, "🥛🥛🥛", language_code="en"))
    assert "oat milk" in emoji.html
    controls = only_text(await ask(world, "\x00\x07\u202e", language_code="en"))
    assert controls.html == emoji.html
    long = await ask(world, "havermelk " + "<b>&" * 1022)
    assert len(texts(long)) == 1
    cleaned = await ask(world, "hav\x00ermelk\u200b")
    assert len(texts(cleaned)) == 1
    assert await world.send("command", command="cancel") == [
        SendText(translator("nl")("Okay, stopped. Ask me anything whenever you like."), remove_keyboard=True)
    ]


async def test_a_broken_database_gets_an_apology_not_a_crash(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with world.app.engine.begin() as connection:
        await connection.execute(text("DROP TABLE user_state"))
    t = translator("en")
    secret = "my home is at Lindenlaan 12"
    reply = only_text(await ask(world, secret, language_code="en"))
    assert reply.html == t("Something went wrong. Please try again.")
    assert await world.send("button", text="s:abc", language_code="en") == [
        AnswerCallback(t("Something went wrong. Please try again."))
    ]
    assert await world.send("inline_query", chat_type="inline", text="x") == [AnswerInline((), cache_time=0)]
    assert await world.send("text", text="x", chat_type="group", chat_id=-1, addressed=False) == []
    assert "OperationalError" in caplog.text
    assert "Lindenlaan 12" not in caplog.text, "what residents type stays out of the logs"


async def test_a_live_location_moving_updates_the_position_quietly(world: World) -> None:
    first = await world.send("location", lat=52.0912, lon=5.1121, live=True)
    assert texts(first)[0].remove_keyboard, "the first live position is confirmed"
    assert await world.send("location", lat=52.0931, lon=5.1151, live=True) == []
    assert await world.send("location", lat=52.0951, lon=5.1189, live=True, edited=True) == []
    state = await world.state()
    assert state is not None and (state.lat, state.lon) == (52.095, 5.119)
    assert await world.send("location", lat=52.0, lon=5.0, edited=True) == [], (
        "an edited plain location is not news"
    )
    state = await world.state()
    assert state is not None and (state.lat, state.lon) == (52.095, 5.119)


# --- issue 12: language, groups, edits ---------------------------------------------------------------


async def test_buttons_and_commands_keep_the_language_of_the_last_question(world: World) -> None:
    answer = only_text(await ask(world, "where can I buy oat milk?", language_code="es"))
    assert "Not what I meant" in [b.text for row in answer.buttons for b in row]
    token = next(data for data in button_data(answer) if data.startswith("n:"))
    pressed = await world.send("button", text=token, callback_id="1", language_code="es")
    assert all("Sorry" in r.html or "Which kind" in r.html for r in texts(pressed)), pressed
    help_text = only_text(await world.send("command", command="help", language_code="es"))
    assert help_text.html.startswith("Ask me in your own words")
    start = only_text(await world.send("command", command="start", user_id=8, language_code="es"))
    assert start.html.startswith("Hallo!"), "nothing asked yet, no language of ours: the area's (nl)"


async def test_a_product_word_alone_does_not_switch_a_known_language(world: World) -> None:
    answer = only_text(await ask(world, "havermelk", language_code="en"))
    assert "Not what I meant" in [b.text for row in answer.buttons for b in row]
    dutch = only_text(await ask(world, "havermelk", user_id=8, language_code="pt"))
    assert "Niet wat ik bedoelde" in [b.text for row in dutch.buttons for b in row]


async def test_a_location_shared_in_a_group_is_not_used(world: World) -> None:
    group = {"chat_id": -100, "chat_type": "supergroup", "language_code": "en"}
    reply = only_text(await world.send("location", lat=52.0912, lon=5.1121, **group))
    assert reply.html.startswith("In a group I never use anyone")
    assert await world.state() is None, "nothing stored"


async def test_an_edit_during_an_owners_flow_is_left_alone(world: World) -> None:
    await world.send("command", command="mybusiness", language_code="en")
    started = await world.send("button", text="o:new", callback_id="1", language_code="en")
    assert texts(started), "the flow asks its first question"
    assert await world.send("text", text="where can I buy bread?", edited=True, message_id=3) == []


async def test_inline_results_use_the_sharers_own_position_for_their_list(world: World) -> None:
    await world.send("location", lat=52.0931, lon=5.1151, language_code="en")
    [offer] = await world.send("inline_query", chat_type="inline", text="havermelk", language_code="en")
    assert isinstance(offer, AnswerInline) and offer.results
    near = [r.status for r in offer.results]
    [centre] = await world.send("inline_query", chat_type="inline", text="havermelk", user_id=9)
    assert isinstance(centre, AnswerInline)
    assert near != [r.status for r in centre.results]


async def test_an_inline_query_from_far_outside_the_area_searches_from_its_centre(world: World) -> None:
    [far] = await world.send("inline_query", chat_type="inline", text="havermelk", lat=52.5, lon=4.6)
    [centre] = await world.send("inline_query", chat_type="inline", text="havermelk")
    assert isinstance(far, AnswerInline) and isinstance(centre, AnswerInline)
    assert far.results and [r.status for r in far.results] == [r.status for r in centre.results]
