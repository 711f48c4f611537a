"""Outgoing Bot API calls under Telegram's faults, through both runtimes and the Bot API emulator.

Retries live in one layer (handlers/telegram_retry.py, run by the shared runtime's ``send``); these
tests drive it through the runtimes as the bot runs. Timing claims are checked on the emulator's
clock (when each request arrived), never on ours.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest

from concierge.app import App, open_app
from concierge.errors import UserError
from concierge.settings import Settings
from handlers.aiogram_runtime import AiogramRuntime
from handlers.cli.run import open_runtime
from handlers.telegram_render import ApiCall
from handlers.telegram_retry import Pacer, Pacing, broadcasting
from tests.botapi_emulator import DEFAULT_TOKEN, BotAPIEmulator, Call
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
        floors = [0.5 * 0.8, 1 * 0.8, 2 * 0.8]  # half a second, doubling, less the largest jitter
        assert all(gap >= floor for gap, floor in zip(gaps, floors, strict=True)), "the waits grow"


@pytest.mark.parametrize("runtime_name", ["aiogram", "ptb"])
async def test_a_bad_request_is_not_retried(app: App, emulator: BotAPIEmulator, runtime_name: str) -> None:
    async for _ in polling(app, runtime_name):
        since = emulator.mark()
        emulator.fail_next(1, 400, methods={"sendMessage"})
        emulator.inject_message(USERS[2], "/privacy")
        refused = await emulator.wait_for_call("sendMessage", lambda c: not c.ok, within=20, since=since)
        emulator.inject_message(USERS[2], "/help")  # the next update of the chat, answered next
        answer = await emulator.wait_for_call("sendMessage", lambda c: c.ok, within=20, since=since)
        assert answer.params["text"] != refused.params["text"], "the refused reply was not sent again"
        await asyncio.sleep(1)
        assert [c.status for c in emulator.calls_to("sendMessage", since)] == [400, 200]


async def late_emulator(port: int, delay: float) -> BotAPIEmulator:
    await asyncio.sleep(delay)
    emulator = BotAPIEmulator(port=port)
    await emulator.start()
    return emulator


@pytest.mark.parametrize("runtime_name", ["aiogram", "ptb"])
async def test_start_up_waits_for_the_bot_api_to_answer(sqlite_url: str, runtime_name: str) -> None:
    port = free_port()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=sqlite_url,
        bot_token=DEFAULT_TOKEN,
        telegram_api_url=f"http://127.0.0.1:{port}",
    )
    app = await open_app(settings, demo=True)
    runtime = open_runtime(app, runtime_name)
    starting = asyncio.create_task(late_emulator(port, 0.5))
    try:
        await asyncio.wait_for(runtime.start(), 20)
        assert app.metrics.telegram_retries.labels("network")._value.get() >= 1
    finally:
        await runtime.close()
        await (await starting).stop()
        await app.close()


@pytest.mark.parametrize("runtime_name", ["aiogram", "ptb"])
async def test_a_refused_token_stops_the_start_at_once(
    sqlite_url: str, emulator: BotAPIEmulator, runtime_name: str
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=sqlite_url,
        bot_token="123:WRONG",
        telegram_api_url=emulator.url,
    )
    app = await open_app(settings, demo=True)
    runtime = open_runtime(app, runtime_name)
    try:
        with pytest.raises(UserError, match="refused the token in CONCIERGE_BOT_TOKEN"):
            await asyncio.wait_for(runtime.start(), 5)
        assert (
            sum(app.metrics.telegram_retries.labels(r)._value.get() for r in ("429", "5xx", "network")) == 0
        )
    finally:
        await runtime.close()
        await app.close()


async def test_messages_to_one_chat_are_paced_and_broadcasts_share_25_per_second(
    app: App, emulator: BotAPIEmulator
) -> None:
    runtime = AiogramRuntime(app)
    runtime.pacer = Pacer(Pacing(private_burst=2, private_per_second=5.0))
    for chat in (USERS[0], *(6000 + i for i in range(35))):
        emulator.inject_message(chat, "hello")

    def message(chat: int, text: str) -> ApiCall:
        return ApiCall("sendMessage", {"chat_id": chat, "text": text})

    try:
        since, started = emulator.mark(), time.monotonic()
        await asyncio.gather(*(runtime.send(message(USERS[0], f"line {i}")) for i in range(7)))
        calls = emulator.calls_to("sendMessage", since)
        assert len(calls) == 7
        assert calls[-1].at - started >= (7 - 2) / 5.0 * 0.95

        since, started = emulator.mark(), time.monotonic()
        with broadcasting():
            await asyncio.gather(*(runtime.send(message(6000 + i, "news")) for i in range(35)))
        calls = emulator.calls_to("sendMessage", since)
        assert len(calls) == 35
        assert calls[-1].at - started >= (35 - 25) / 25.0 * 0.95, (
            "the emulator shares our clock (one process)"
        )
    finally:
        await runtime.close()


async def test_a_reply_is_tried_beyond_the_quick_retries_each_try_logged(
    app: App, emulator: BotAPIEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    failures = 5  # start-up calls give up after 4 retries; a reply from the outbox goes on
    async for _ in polling(app, "aiogram"):
        since = emulator.mark()
        emulator.fail_next(failures, 502, methods={"sendMessage"})
        emulator.inject_message(USERS[1], "/privacy")
        await emulator.wait_for_call("sendMessage", lambda c: c.ok, within=40, since=since)
        calls = emulator.calls_to("sendMessage", since)
        assert [c.status for c in calls] == [502] * failures + [200], "answered once, after the storm"
        assert calls[-1].at - calls[0].at >= (0.5 + 1 + 2 + 4 + 8) * 0.8
    tries = [r for r in caplog.records if "sendMessage not accepted (5xx" in r.getMessage()]
    assert len(tries) == failures
    assert all(isinstance(getattr(r, "outbox_id", None), int) for r in tries), "each try names its call"
