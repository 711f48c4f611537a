"""The shared Telegram translation: Bot API dicts to neutral events, neutral replies to Bot API calls."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from concierge.events import (
    AnswerCallback,
    AnswerInline,
    Button,
    Event,
    InlineResult,
    Notify,
    Reply,
    SendDocument,
    SendLocation,
    SendText,
    SendVenue,
)
from handlers.telegram_render import (
    AnswerLog,
    BotIdentity,
    Origin,
    at_most,
    command_calls,
    event_from_update,
    render,
    render_all,
    respond,
)

BOT = BotIdentity(123, "concierge_test_bot")
PERSON = {"id": 7, "is_bot": False, "first_name": "A", "language_code": "de"}


def message(text: str | None = None, chat_type: str = "private", **fields: Any) -> dict[str, Any]:
    chat = {"id": 7 if chat_type == "private" else -100, "type": chat_type}
    body: dict[str, Any] = {"message_id": 5, "date": 0, "chat": chat, "from": PERSON, **fields}
    if text is not None:
        body["text"] = text
    return body


def test_commands_lose_the_slash_and_the_bot_name_and_keep_their_arguments() -> None:
    event = event_from_update({"message": message("/Start@Concierge_Test_Bot bq_abcdefgh")}, BOT)
    assert event is not None
    assert (event.kind, event.command, event.text, event.language_code) == (
        "command",
        "start",
        "bq_abcdefgh",
        "de",
    )
    assert event_from_update({"message": message("/start@some_other_bot", "group")}, BOT) is None


def test_groups_address_the_bot_by_mention_or_reply() -> None:
    plain = event_from_update({"message": message("bread please", "group")}, BOT)
    mention = event_from_update({"message": message("@concierge_test_bot bread", "supergroup")}, BOT)
    reply = event_from_update(
        {"message": message("bread", "group", reply_to_message={"from": {"id": BOT.id}})}, BOT
    )
    other = event_from_update(
        {"message": message("bread", "group", reply_to_message={"from": {"id": 9}})}, BOT
    )
    assert plain is not None and mention is not None and reply is not None and other is not None
    assert (plain.addressed, mention.addressed, reply.addressed, other.addressed) == (
        False,
        True,
        True,
        False,
    )
    private = event_from_update({"message": message("bread")}, BOT)
    assert private is not None and private.addressed


def test_a_moving_live_location_is_a_fresh_position_not_an_edit() -> None:
    location = {"latitude": 52.1, "longitude": 5.1, "live_period": 900}
    event = event_from_update({"edited_message": message(location=location)}, BOT)
    assert event is not None and (event.kind, event.live, event.edited) == ("location", True, False)
    edited = event_from_update({"edited_message": message("new text")}, BOT)
    assert edited is not None and edited.edited


def test_photos_stickers_callbacks_and_inline_queries() -> None:
    photo = event_from_update({"message": message(photo=[{"file_id": "small"}, {"file_id": "big"}])}, BOT)
    sticker = event_from_update({"message": message(sticker={"file_id": "s"})}, BOT)
    assert photo is not None and (photo.kind, photo.photo_ref) == ("photo", "big")
    assert sticker is not None and sticker.kind == "unsupported"
    press = event_from_update(
        {"callback_query": {"id": "99", "from": PERSON, "message": message("list"), "data": "s:abc"}}, BOT
    )
    assert press is not None
    assert (press.kind, press.text, press.callback_id, press.message_id) == ("button", "s:abc", "99", 5)
    inline = event_from_update(
        {
            "inline_query": {
                "id": "5",
                "from": PERSON,
                "query": "brood",
                "location": {"latitude": 1, "longitude": 2},
            }
        },
        BOT,
    )
    assert inline is not None and (inline.kind, inline.text, inline.lat, inline.lon) == (
        "inline_query",
        "brood",
        1,
        2,
    )


update_texts = st.text(min_size=1, max_size=300)
chat_types = st.sampled_from(["private", "group", "supergroup", "channel"])


@given(text=update_texts, chat_type=chat_types, reply_to_bot=st.booleans())
def test_any_text_message_becomes_an_event_or_nothing(text: str, chat_type: str, reply_to_bot: bool) -> None:
    extra = {"reply_to_message": {"from": {"id": BOT.id}}} if reply_to_bot else {}
    event = event_from_update({"message": message(text, chat_type, **extra)}, BOT)
    if event is None:
        assert text.startswith("/") and "@" in text.split(" ", 1)[0]
        return
    assert event.kind in {"text", "command"}
    assert event.addressed or (chat_type != "private" and not reply_to_bot)


def test_text_with_buttons_and_edits() -> None:
    origin = Origin(7)
    inline = SendText("<b>x</b>", ((Button("Story", data="s:1"), Button("Share", switch_inline="x")),))
    [call] = render(inline, origin)
    assert call.method == "sendMessage" and call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Story", "callback_data": "s:1"}, {"text": "Share", "switch_inline_query": "x"}]
        ]
    }
    ask = SendText("where?", ((Button("Send my location", request_location=True),),))
    [call] = render(ask, origin)
    assert call.params["reply_markup"]["keyboard"] == [
        [{"text": "Send my location", "request_location": True}]
    ]
    [call] = render(SendText("ok", remove_keyboard=True), origin)
    assert call.params["reply_markup"] == {"remove_keyboard": True}
    [call] = render(SendText("more", edit_message_id=12), origin)
    assert (call.method, call.params["message_id"]) == ("editMessageText", 12)


def test_places_files_notifications_and_answers() -> None:
    origin = Origin(7, callback_id="cb", inline_query_id="iq")
    [venue] = render(SendVenue(52.0, 5.0, "Shop", ""), origin)
    assert venue.params["address"] == "Shop"
    [location] = render(SendLocation(52.0, 5.0), origin)
    assert location.method == "sendLocation"
    [document] = render(SendDocument("a.csv", b"1,2"), origin)
    assert document.upload is not None and document.upload.filename == "a.csv"
    [notice] = render(Notify(42, SendText("hi")), origin)
    assert notice.params["chat_id"] == 42
    [answer] = render(AnswerCallback("x" * 300, alert=True), origin)
    assert answer.params == {"callback_query_id": "cb", "text": "x" * 200, "show_alert": True}
    results = (
        InlineResult("a", "Shop", "bakery", "<b>Shop</b>", lat=52.0, lon=5.0, address="Street 1"),
        InlineResult("b", "Tip", "no place", "<i>Tip</i>"),
    )
    [inline] = render(AnswerInline(results), origin)
    assert [r["type"] for r in inline.params["results"]] == ["venue", "article"]
    assert render(AnswerCallback(), Origin(7)) == []


def test_every_button_press_is_answered_first() -> None:
    press = Event("button", user_id=7, chat_id=7, text="s:1", callback_id="cb")
    calls = render_all([SendText("story"), AnswerCallback("ok")], press)
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"]
    calls = render_all([SendText("story")], press)
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"]


def test_commands_are_registered_per_language_and_by_default() -> None:
    def commands(lang: str) -> list[tuple[str, str]]:
        return [("start", f"start in {lang}")]

    calls = command_calls(commands, "nl")
    assert [c.params.get("language_code") for c in calls] == ["nl", "en", "de", "fr", None]
    assert calls[-1].params["commands"] == [{"command": "start", "description": "start in nl"}]


async def test_at_most_lets_only_so_many_events_into_the_core() -> None:
    inside, most = 0, 0
    release = asyncio.Event()

    async def handle(event: Event) -> list[Reply]:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await release.wait()
        inside -= 1
        return [SendText(event.text)]

    limited = at_most(handle, 2)
    calls = [asyncio.create_task(limited(Event("text", user_id=i, chat_id=i, text=str(i)))) for i in range(5)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert (inside, most) == (2, 2)
    release.set()
    replies = await asyncio.gather(*calls)
    assert [r[0].html for r in replies] == ["0", "1", "2", "3", "4"]  # type: ignore[union-attr]
    assert most == 2


# -- issue 12: replies in groups, edited questions, captions, venues -----------------------------------


def test_group_answers_are_replies_and_private_ones_are_not() -> None:
    origin = Origin(-100)
    [quoted] = render(SendText("answer", answers=5, quote=True), origin)
    assert quoted.params["reply_parameters"] == {"message_id": 5, "allow_sending_without_reply": True}
    assert quoted.answers == 5
    [plain] = render(SendText("answer", answers=5), Origin(7))
    assert "reply_parameters" not in plain.params and plain.answers == 5


def test_an_edited_question_edits_the_answer_it_got_or_is_answered_anew() -> None:
    log = AnswerLog()
    log.remember(7, 5, 42)
    reply = SendText("new answer", answers=5, replace=True)
    [edit] = render(reply, Origin(7), log)
    assert (edit.method, edit.params["message_id"], edit.params["text"]) == (
        "editMessageText",
        42,
        "new answer",
    )
    [elsewhere] = render(reply, Origin(8), log)
    assert elsewhere.method == "sendMessage", "another chat's question 5 is another question"
    [unknown] = render(SendText("new answer", answers=6, replace=True), Origin(7), log)
    assert unknown.method == "sendMessage" and unknown.answers == 6


def test_the_answer_log_forgets_the_oldest_first() -> None:
    log = AnswerLog()
    log.LIMIT = 2
    for question in (1, 2, 3):
        log.remember(7, question, 100 + question)
    assert [log.answer_to(7, q) for q in (1, 2, 3)] == [None, 102, 103]


async def test_respond_remembers_which_message_answered_which_question() -> None:
    log = AnswerLog()
    question = Event("text", user_id=7, chat_id=7, text="bread", message_id=5)

    async def handle(event: Event) -> list[Reply]:
        return [SendText("thanks"), SendText("answer", answers=event.message_id, replace=event.edited)]

    sent: list[str] = []

    async def execute(call: Any) -> Any:
        sent.append(call.method)
        return {"message_id": 40 + len(sent), "chat": {"id": 7}}

    await respond(handle, question, execute, log)
    assert log.answer_to(7, 5) == 42
    await respond(
        handle, Event("text", user_id=7, chat_id=7, text="brood", message_id=5, edited=True), execute, log
    )
    assert sent[-1] == "editMessageText" and log.answer_to(7, 5) == 42


def test_captions_and_edits_become_questions() -> None:
    photo = message(
        photo=[{"file_id": "F", "file_unique_id": "u", "width": 1, "height": 1}], caption="oat milk?"
    )
    event = event_from_update({"message": photo}, BOT)
    assert event is not None and (event.kind, event.text, event.photo_ref) == ("photo", "oat milk?", "F")
    edited = event_from_update({"edited_message": message("where is bread", edit_date=1)}, BOT)
    assert edited is not None and (edited.kind, edited.edited, edited.message_id) == ("text", True, 5)


def test_venue_results_show_distance_and_opening_state_beside_the_address() -> None:
    result = InlineResult(
        "r", "Bakery", "Sells bread · 240 m · open now", "<b>Bakery</b>", 52.0, 5.0, "Main St 1"
    )
    venue = render(
        AnswerInline((dataclasses.replace(result, status="240 m · open now"),)), Origin(7, None, "q")
    )
    [shown] = venue[0].params["results"]
    assert shown["type"] == "venue" and shown["address"] == "240 m · open now · Main St 1"
