"""The Bot API emulator answers like Telegram where our promises are at stake (over real HTTP)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.support.botapi_emulator import BotAPIEmulator
from tests.support.emulator.telegram_html import HTMLParseError, parse_html

USER = 4242


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, emulator: BotAPIEmulator, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emulator.url}/bot{emulator.token}/{method}", json=params) as response:
        return response.status, await response.json()


async def form_call(
    http: aiohttp.ClientSession, emulator: BotAPIEmulator, method: str, form: aiohttp.FormData
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emulator.url}/bot{emulator.token}/{method}", data=form) as response:
        return response.status, await response.json()


async def test_get_me_and_wrong_token(emulator: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, emulator, "getMe")
    assert status == 200 and body["result"]["is_bot"] and body["result"]["username"] == emulator.bot_username
    async with http.post(f"{emulator.url}/bot999:WRONG/getMe") as response:
        assert response.status == 401


async def test_long_polling_waits_for_an_update_and_offset_confirms(
    emulator: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    poll = asyncio.create_task(call(http, emulator, "getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    emulator.inject_message(USER, "/start")
    _, body = await poll
    [update] = body["result"]
    assert update["message"]["text"] == "/start"
    assert update["message"]["entities"][0]["type"] == "bot_command"
    _, again = await call(http, emulator, "getUpdates", timeout=0)
    assert again["result"] == [update]
    _, confirmed = await call(http, emulator, "getUpdates", offset=update["update_id"] + 1, timeout=0)
    assert confirmed["result"] == []


async def test_allowed_updates_filters(emulator: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    emulator.inject_inline_query(USER, "bread")
    emulator.inject_message(USER, "hello")
    _, body = await call(http, emulator, "getUpdates", timeout=0, allowed_updates=["message"])
    assert [list(u)[1] for u in body["result"]] == ["message"]


async def test_send_message_returns_a_message_with_plain_text(
    emulator: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    emulator.inject_message(USER, "hi")
    status, body = await call(
        http, emulator, "sendMessage", chat_id=USER, text="<b>Bread</b> &amp; butter", parse_mode="HTML"
    )
    assert status == 200
    assert body["result"]["text"] == "Bread & butter"
    assert body["result"]["chat"]["id"] == USER and body["result"]["message_id"] > 0


@pytest.mark.parametrize(
    "text",
    ["<b>unclosed", "a < b", "<script>x</script>", "fish & chips", "<span>x</span>", "<b><i>x</b></i>"],
)
async def test_bad_html_is_refused(emulator: BotAPIEmulator, http: aiohttp.ClientSession, text: str) -> None:
    emulator.inject_message(USER, "hi")
    status, body = await call(http, emulator, "sendMessage", chat_id=USER, text=text, parse_mode="HTML")
    assert status == 400
    assert "can't parse entities" in body["description"]


def test_html_rules_accept_telegram_formatting() -> None:
    html = (
        '<b>a</b><i>b</i><a href="https://x.org/?a=1&amp;b=2">c</a><blockquote expandable>d</blockquote>'
        '<span class="tg-spoiler">e</span><code>f</code>&#128512;&quot;'
    )
    assert parse_html(html) == 'abcdef😀"'
    with pytest.raises(HTMLParseError):
        parse_html("&nbsp;")


async def test_long_text_is_refused_but_4096_is_fine(
    emulator: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    emulator.inject_message(USER, "hi")
    status, _ = await call(http, emulator, "sendMessage", chat_id=USER, text="x" * 4096)
    assert status == 200
    status, body = await call(http, emulator, "sendMessage", chat_id=USER, text="x" * 4097)
    assert status == 400 and "too long" in body["description"]
    status, _ = await call(
        http, emulator, "sendMessage", chat_id=USER, text="&amp;" * 4096, parse_mode="HTML"
    )
    assert status == 200


async def test_long_callback_data_is_refused(emulator: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    emulator.inject_message(USER, "hi")

    def markup(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "Story", "callback_data": data}]]}

    status, _ = await call(
        http, emulator, "sendMessage", chat_id=USER, text="x", reply_markup=markup("é" * 32)
    )
    assert status == 200
    status, body = await call(
        http, emulator, "sendMessage", chat_id=USER, text="x", reply_markup=markup("é" * 32 + "a")
    )
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]


async def test_callback_queries_are_answered_once(
    emulator: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    emulator.inject_message(USER, "hi")
    _, sent = await call(http, emulator, "sendMessage", chat_id=USER, text="pick")
    query_id = emulator.inject_callback(USER, sent["result"]["message_id"], "s:abc")
    status, _ = await call(http, emulator, "answerCallbackQuery", callback_query_id=query_id)
    assert status == 200
    status, body = await call(http, emulator, "answerCallbackQuery", callback_query_id=query_id)
    assert status == 400 and "query ID is invalid" in body["description"]
    status, _ = await call(http, emulator, "answerCallbackQuery", callback_query_id="12345")
    assert status == 400


async def test_multipart_bodies_with_json_fields_and_files(
    emulator: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    emulator.inject_message(USER, "hi")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("text", "<i>x</i>")
    form.add_field("parse_mode", "HTML")
    form.add_field("reply_markup", json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}))
    status, body = await form_call(http, emulator, "sendMessage", form)
    assert status == 200 and body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("document", "attach://f1")
    form.add_field("f1", b"a,b\n1,2\n", filename="export.csv")
    status, body = await form_call(http, emulator, "sendDocument", form)
    assert status == 200 and body["result"]["document"]["file_name"] == "export.csv"
    assert emulator.calls_to("sendDocument")[0].files["f1"] == ("export.csv", b"a,b\n1,2\n")


async def test_unknown_chat_and_venue_validation(
    emulator: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, emulator, "sendMessage", chat_id=777, text="x")
    assert status == 400 and "chat not found" in body["description"]
    emulator.inject_message(USER, "hi")
    status, _ = await call(http, emulator, "sendVenue", chat_id=USER, latitude=52.1, longitude=5.1, title="t")
    assert status == 400
    status, body = await call(
        http, emulator, "sendVenue", chat_id=USER, latitude=52.1, longitude=5.1, title="t", address="a"
    )
    assert status == 200 and body["result"]["venue"]["title"] == "t"


async def test_faults_then_recovery(emulator: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    emulator.inject_message(USER, "hi")
    emulator.fail_next(1, 429, retry_after=2)
    status, body = await call(http, emulator, "sendMessage", chat_id=USER, text="x")
    assert status == 429 and body["parameters"]["retry_after"] == 2
    status, _ = await call(http, emulator, "sendMessage", chat_id=USER, text="x")
    assert status == 200


async def test_set_my_commands_validates(emulator: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    good = [{"command": "start", "description": "Begin"}]
    status, _ = await call(http, emulator, "setMyCommands", commands=good, language_code="nl")
    assert status == 200 and emulator.commands[("default", "nl")] == good
    status, _ = await call(
        http, emulator, "setMyCommands", commands=[{"command": "Start!", "description": "x"}]
    )
    assert status == 400


async def test_webhook_delivery_with_secret(emulator: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    from aiohttp import web

    received: asyncio.Queue[tuple[str | None, dict[str, Any]]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        status, _ = await call(
            http, emulator, "setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cret"
        )
        assert status == 200
        status, _ = await call(http, emulator, "getUpdates")
        assert status == 409
        emulator.inject_message(USER, "via webhook")
        secret, update = await asyncio.wait_for(received.get(), 5)
        assert secret == "s3cret" and update["message"]["text"] == "via webhook"
    finally:
        await call(http, emulator, "deleteWebhook")
        await runner.cleanup()


async def test_edits_keep_the_message_and_replies_quote_it(
    emulator: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    emulator.inject_message(USER, "where is bred", chat_type="supergroup", chat_id=-100)
    emulator.inject_photo(USER, "oat milk?", chat_type="supergroup", chat_id=-100)
    _, body = await call(http, emulator, "getUpdates")
    question, photo = (update["message"] for update in body["result"])
    emulator.inject_edit(USER, -100, question["message_id"], "where is bread")
    emulator.inject_edit(USER, -100, photo["message_id"], "soy milk?")
    offset = body["result"][-1]["update_id"] + 1
    _, body = await call(http, emulator, "getUpdates", offset=offset)
    text, caption = (update["edited_message"] for update in body["result"])
    assert (text["message_id"], text["text"], "edit_date" in text) == (
        question["message_id"],
        "where is bread",
        True,
    )
    assert (caption["message_id"], caption["caption"]) == (photo["message_id"], "soy milk?")
    with pytest.raises(ValueError):
        emulator.inject_edit(USER + 1, -100, question["message_id"], "not mine")

    reply = {"message_id": question["message_id"], "allow_sending_without_reply": True}
    status, sent = await call(
        http, emulator, "sendMessage", chat_id=-100, text="answer", reply_parameters=reply
    )
    assert status == 200 and sent["result"]["reply_to_message"]["text"] == "where is bread"
    status, _ = await call(
        http, emulator, "sendMessage", chat_id=-100, text="x", reply_parameters={"message_id": 999}
    )
    assert status == 400
    gone = {"message_id": 999, "allow_sending_without_reply": True}
    status, sent = await call(http, emulator, "sendMessage", chat_id=-100, text="x", reply_parameters=gone)
    assert status == 200 and "reply_to_message" not in sent["result"]
