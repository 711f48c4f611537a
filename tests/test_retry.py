"""Outgoing Bot API calls under Telegram's faults, through both runtimes and the Bot API emulator.

Timing claims are checked on the emulator's clock (when each request arrived), never on ours.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from telegram.ext import ExtBot

from concierge.app import App, open_app
from concierge.settings import Settings
from handlers.cli.run import open_runtime
from handlers.telegram_retry import AiogramRetryMiddleware, RetryPolicy, broadcasting, ptb_retry_limiter
from tests.botapi_emulator import BotAPIEmulator, Call
from tests.redis_support import free_port

USERS = [5101, 5102, 5103, 5104]


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest.fixture
async def app(sqlite_url: str, emulator: BotAPIEmulator) -> AsyncIterator[App]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=sqlite_url,
        bot_token=emulator.token,
        telegram_api_url=emulator.url,
    )
    app = await open_app(settings, demo=True)
    yield app
    await app.close()


async def polling(app: App, runtime_name: str) -> AsyncIterator[None]:
    runtime = open_runtime(app, runtime_name)
    await runtime.start()
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.poll(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await runtime.close()


def sends_by_chat(emulator: BotAPIEmulator, since: int) -> dict[int, list[Call]]:
    chats: dict[int, list[Call]] = defaultdict(list)
    for call in emulator.calls_to("sendMessage", since):
        chats[int(call.params["chat_id"])].append(call)
    return chats


@pytest.mark.parametrize("runtime_name", ["aiogram", "ptb"])
async def test_a_429_storm_loses_nothing_and_never_retries_early(
    app: App, emulator: BotAPIEmulator, runtime_name: str
) -> None:
    async for _ in polling(app, runtime_name):
        since = emulator.mark()
        emulator.fail_next(6, 429, retry_after=1, methods={"sendMessage"})
        for user in USERS:
            emulator.inject_message(user, "/help")
        for user in USERS:
            await emulator.wait_for_call(
                "sendMessage", lambda c, u=user: c.ok and c.params["chat_id"] == u, within=20, since=since
            )
        chats = sends_by_chat(emulator, since)
        assert sum(not c.ok for calls in chats.values() for c in calls) == 6
        for user in USERS:
            calls = chats[user]
            assert [c.ok for c in calls][-1] and sum(c.ok for c in calls) == 1, "answered exactly once"
            for failed, retry in itertools.pairwise(calls):
                assert not failed.ok
                assert retry.params["text"] == failed.params["text"]
                assert retry.at - failed.at >= 1.0, "retried before retry_after"
        assert app.metrics.telegram_retries.labels("429")._value.get() >= 6


@pytest.mark.parametrize("runtime_name", ["aiogram", "ptb"])
async def test_server_errors_are_retried_with_backoff(
    app: App, emulator: BotAPIEmulator, runtime_name: str
) -> None:
    async for _ in polling(app, runtime_name):
        since = emulator.mark()
        emulator.fail_next(3, 500, methods={"sendMessage"})
        emulator.inject_message(USERS[0], "/privacy")
        await emulator.wait_for_call("sendMessage", lambda c: c.ok, within=20, since=since)
        calls = emulator.calls_to("sendMessage", since)
        assert [c.status for c in calls] == [500, 500, 500, 200]
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(calls)]
        policy = RetryPolicy()
        floors = [policy.backoff * 2**n * 0.8 for n in range(3)]  # the smallest jitter
        assert all(gap >= floor for gap, floor in zip(gaps, floors, strict=True)), "the waits grow"


async def late_emulator(port: int, delay: float) -> BotAPIEmulator:
    await asyncio.sleep(delay)
    emulator = BotAPIEmulator(port=port)
    await emulator.start()
    return emulator


async def test_aiogram_retries_network_errors_until_the_api_answers() -> None:
    port = free_port()
    session = AiohttpSession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{port}"))
    session.middleware(AiogramRetryMiddleware(RetryPolicy(backoff=0.2, max_failures=8)))
    bot = Bot("123:ABC", session=session)
    starting = asyncio.create_task(late_emulator(port, 0.5))
    try:
        me = await asyncio.wait_for(bot.get_me(), 20)
        assert me.id == 123
    finally:
        await bot.session.close()
        await (await starting).stop()


async def test_ptb_retries_network_errors_until_the_api_answers() -> None:
    port = free_port()
    bot: ExtBot[Any] = ExtBot(
        "123:ABC",
        base_url=f"http://127.0.0.1:{port}/bot",
        rate_limiter=ptb_retry_limiter(RetryPolicy(backoff=0.2, max_failures=8)),
    )
    starting = asyncio.create_task(late_emulator(port, 0.5))
    try:
        me = await asyncio.wait_for(bot.get_me(), 20)
        assert me.id == 123
    finally:
        await bot.shutdown()
        await (await starting).stop()


async def test_messages_to_one_chat_are_paced_and_broadcasts_share_25_per_second(
    emulator: BotAPIEmulator,
) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.url))
    policy = RetryPolicy(private_burst=2, private_per_second=5.0)
    session.middleware(AiogramRetryMiddleware(policy))
    bot = Bot(emulator.token, session=session)
    for chat in (USERS[0], *(6000 + i for i in range(35))):
        emulator.inject_message(chat, "hello")
    try:
        since, started = emulator.mark(), time.monotonic()
        await asyncio.gather(*(bot.send_message(USERS[0], f"line {i}") for i in range(7)))
        calls = emulator.calls_to("sendMessage", since)
        assert len(calls) == 7
        assert calls[-1].at - started >= (7 - 2) / 5.0 * 0.95

        since, started = emulator.mark(), time.monotonic()
        with broadcasting():
            await asyncio.gather(*(bot.send_message(6000 + i, "news") for i in range(35)))
        calls = emulator.calls_to("sendMessage", since)
        assert len(calls) == 35
        assert calls[-1].at - started >= (35 - 25) / 25.0 * 0.95, (
            "the emulator shares our clock (one process)"
        )
    finally:
        await bot.session.close()


@pytest.mark.parametrize("runtime_name", ["aiogram", "ptb"])
async def test_server_errors_beyond_the_quick_retries_are_retried_from_the_outbox(
    app: App, emulator: BotAPIEmulator, runtime_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    policy = RetryPolicy()
    failures = policy.max_failures + 3  # the quick retries give up, the outbox tries again later
    async for _ in polling(app, runtime_name):
        since = emulator.mark()
        emulator.fail_next(failures, 502, methods={"sendMessage"})
        emulator.inject_message(USERS[1], "/privacy")
        await emulator.wait_for_call("sendMessage", lambda c: c.ok, within=40, since=since)
        calls = emulator.calls_to("sendMessage", since)
        assert [c.status for c in calls] == [502] * failures + [200], "answered once, after the storm"
        assert calls[-1].at - calls[0].at >= 2.0, "beyond the few seconds of the quick retries"
    assert any("not accepted (try 1 of" in record.getMessage() for record in caplog.records)
