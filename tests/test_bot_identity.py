"""Links name the bot Telegram says this token belongs to (getMe), not the configured default, and
long polling starts even when a webhook was left behind by `concierge serve` (both runtimes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from concierge.app import App, open_app
from concierge.settings import Settings
from handlers.cli.run import open_runtime
from tests.botapi_emulator import BotAPIEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(bot_username="lindenhof_buurt_bot") as emulator:
        yield emulator


@pytest.fixture
async def app(sqlite_url: str, emulator: BotAPIEmulator) -> AsyncIterator[App]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=sqlite_url,
        bot_token=emulator.token,
        telegram_api_url=emulator.url,
    )
    assert settings.bot_username != emulator.bot_username
    app = await open_app(settings, demo=True)
    yield app
    await app.close()


@pytest.mark.parametrize("runtime_name", ["aiogram", "ptb"])
async def test_share_links_and_inline_results_name_the_bot_getme_returns(
    app: App, emulator: BotAPIEmulator, runtime_name: str
) -> None:
    await emulator.dispatch("setWebhook", {"url": "https://old.example/telegram/webhook"}, {}, 0.0)
    runtime = open_runtime(app, runtime_name)
    await runtime.start()
    stop = asyncio.Event()
    polling = asyncio.create_task(runtime.poll(stop))
    try:
        since = emulator.mark()
        emulator.inject_inline_query(6101, "brood")
        inline = await emulator.wait_for_call("answerInlineQuery", within=20, since=since)
        emulator.inject_message(6102, "brood")
        answer = await emulator.wait_for_call(
            "sendMessage", lambda c: c.params.get("chat_id") == 6102, within=20, since=since
        )
    finally:
        stop.set()
        await asyncio.wait_for(polling, 20)
        await runtime.close()
    assert not emulator.webhook, "long polling removed the leftover webhook"
    assert answer.ok
    sent = json.dumps(inline.params)
    assert "t.me/lindenhof_buurt_bot" in sent
    assert "t.me/concierge_bot" not in sent
