"""Two ``concierge serve`` processes on one PostgreSQL and Redis, behind a proxy fed by the Bot API emulator.

Real processes, real sockets, real services: duplicate delivery, an owner's edit crossing workers,
kill -9 of a worker mid-flow, Redis stopping under load, and a graceful shutdown with an update in
flight. Each test has its own database and Redis prefix (or its own redis-server) and kills every
process it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from catalog.models import Business, BusinessRole, Owner
from concierge.app import open_app
from concierge.conversation.context import question_token
from concierge.i18n import translator
from concierge.settings import Settings
from tests.support.botapi_emulator import BotAPIEmulator, Call
from tests.support.redis_support import PROPAGATION_BOUND, eventually, private_redis, redis_prefix
from tests.support.worker_support import (
    Proxy,
    Worker,
    callback_update,
    known_chat,
    message_update,
    point_webhook,
    post_update,
    worker_env,
)

__all__ = ["redis_prefix"]

OWNER = 7_100_001
DE = translator("de")
EN = translator("en")
DONE = EN("Done. I have deleted everything I kept about you: language, position and last question.")


async def prepare(database_url: str) -> str:
    """The demo neighbourhood, loaded once before the workers start (so they do not race to load it),
    and an owner of its bakery; returns the bakery's id."""
    app = await open_app(Settings(_env_file=None, database_url=database_url), demo=True)  # type: ignore[call-arg]
    try:
        async with app.sessions.begin() as session:
            bakery = next(b for b in app.search.businesses() if "shop=bakery" in b.categories)
            session.add(Owner(user_id=OWNER, language="en"))
            await session.flush()
            session.add(BusinessRole(business_id=bakery.id, user_id=OWNER, role="owner"))
            assert await session.get(Business, bakery.id) is not None
        return bakery.id
    finally:
        await app.close()


@asynccontextmanager
async def cluster(
    emulator: BotAPIEmulator,
    database_url: str,
    redis_url: str | None,
    prefix: str,
    workdir: Path,
    count: int = 2,
) -> AsyncIterator[list[Worker]]:
    env = worker_env(emulator, database_url, redis_url, prefix)
    workers = [Worker(f"worker{i}", env, workdir) for i in range(count)]
    proxy = Proxy(workers)
    try:
        for worker in workers:
            worker.start()
        await asyncio.gather(*(worker.ready() for worker in workers))
        await point_webhook(emulator, await proxy.start())
        yield workers
    finally:
        for worker in workers:
            worker.stop()
        with contextlib.suppress(Exception):
            await proxy.stop()


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


def sent_to(emulator: BotAPIEmulator, chat: int, since: int = 0) -> list[Call]:
    return [c for c in emulator.calls_to("sendMessage", since) if c.ok and c.params.get("chat_id") == chat]


async def sent_after(emulator: BotAPIEmulator, chat: int, since: int, count: int = 1) -> list[Call]:
    """The messages to ``chat`` since ``since``, once there are ``count`` (replies leave from the
    outbox after the webhook answered), and a moment later, so that a surplus one would show."""
    async with asyncio.timeout(20):
        while len(sent_to(emulator, chat, since)) < count:  # noqa: ASYNC110 (the emulator's call log)
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    return sent_to(emulator, chat, since)


async def wait_for_text(emulator: BotAPIEmulator, chat: int, since: int, within: float = 20.0) -> Call:
    return await emulator.wait_for_call(
        "sendMessage", lambda c: c.ok and c.params.get("chat_id") == chat, within=within, since=since
    )


async def search_ids(worker: Worker, question: str) -> set[str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{worker.url}/api/v1/search", params={"q": question, "limit": "5"}) as response,
    ):
        assert response.status == 200, await response.text()
        body = await response.json()
    return {result["id"] for result in body.get("results", [])}


@pytest.mark.parametrize("shared", ["redis", "database only"])
async def test_two_workers_answer_once_share_edits_and_survive_kill_9(
    emulator: BotAPIEmulator,
    postgres_url: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    shared: str,
) -> None:
    bakery = await prepare(postgres_url)
    redis = redis_url if shared == "redis" else None
    async with cluster(emulator, postgres_url, redis, redis_prefix, tmp_path) as (first, second):
        # The same update delivered to both workers at once is answered once.
        known_chat(emulator, 7_100_002)
        since = emulator.mark()
        update = message_update(90_001, 7_100_002, "/help")
        statuses = await asyncio.gather(post_update(first, update), post_update(second, update))
        assert statuses == [200, 200]
        assert len(await sent_after(emulator, 7_100_002, since)) == 1

        # An owner's edit on the first worker shows in searches on the second (the 1-second promise is
        # measured by benchmarks/bench_workers.py; here only that it arrives at all).
        known_chat(emulator, OWNER)
        assert bakery not in await search_ids(second, "kombucha")
        since = emulator.mark()
        assert await post_update(first, message_update(90_002, OWNER, "+ kombucha")) == 200
        assert await sent_after(emulator, OWNER, since), "the owner got a confirmation"

        async def visible() -> bool:
            return bakery in await search_ids(second, "kombucha")

        await eventually(visible, within=PROPAGATION_BOUND, every=0.05)

        # kill -9 of the first worker mid-flow: the second carries on where the flow stood.
        resident = 7_100_003
        known_chat(emulator, resident)
        since = emulator.mark()
        assert await post_update(first, message_update(90_003, resident, "/language")) == 200
        menu = (await sent_after(emulator, resident, since))[-1]
        since = emulator.mark()
        assert await post_update(first, message_update(90_004, resident, "brood")) == 200
        await sent_after(emulator, resident, since)
        newcomer = 7_100_004
        known_chat(emulator, newcomer)
        since = emulator.mark()
        assert await post_update(first, message_update(90_005, newcomer, "/mybusiness")) == 200
        menu_id = (await sent_after(emulator, newcomer, since))[-1].result["message_id"]
        since = emulator.mark()
        assert await post_update(first, callback_update(emulator, 90_006, newcomer, menu_id, "o:new")) == 200
        assert (
            EN("What is the name of your business? (1 to 80 characters)")
            in (await sent_after(emulator, newcomer, since))[-1].params["text"]
        )
        first.kill(signal.SIGKILL)
        assert await first.exit_code() == -signal.SIGKILL

        since = emulator.mark()
        emulator.inject_message(newcomer, "Fietsenmakerij De Ketting")
        next_step = (await wait_for_text(emulator, newcomer, since)).params["text"]
        category_prompts = (
            EN("What kind of business is it? Describe it in a few words."),
            EN("Which of these fits best? If none does, describe it in other words."),
        )
        assert any(prompt in next_step for prompt in category_prompts), "the owner's flow resumed"

        since = emulator.mark()
        emulator.inject_callback(resident, menu.result["message_id"], "lang:de")
        confirmation = await wait_for_text(emulator, resident, since)
        assert DE("Fine, I will speak English from now on.") in confirmation.params["text"]

        since = emulator.mark()
        emulator.inject_callback(resident, menu.result["message_id"], f"more:{question_token('brood')}")
        answer = await emulator.wait_for_call("answerCallbackQuery", within=20, since=since)
        assert answer.params.get("text") != DE("This button has expired. Please ask your question again.")

        since = emulator.mark()
        emulator.inject_message(resident, "kaas")
        await wait_for_text(emulator, resident, since)


async def test_questions_keep_being_answered_while_redis_restarts(
    emulator: BotAPIEmulator, postgres_url: str, tmp_path: Path
) -> None:
    await prepare(postgres_url)
    with private_redis() as redis_server:
        async with cluster(emulator, postgres_url, redis_server.url, "outage:", tmp_path):
            residents = list(range(7_200_000, 7_200_030))

            async def ask(batch: list[int]) -> None:
                for resident in batch:
                    emulator.inject_message(resident, "brood")
                    await asyncio.sleep(0.05)

            await ask(residents[:10])
            redis_server.stop()
            await ask(residents[10:20])

            # A step that needs Redis (forgetting everything) says to try again, and works once it is back.
            forgetful = 7_200_100
            since = emulator.mark()
            emulator.inject_message(forgetful, "/forgetme")
            retry = await wait_for_text(emulator, forgetful, since)
            assert EN("Something went wrong. Please try again.") in retry.params["text"]

            redis_server.start()
            await ask(residents[20:])

            async def forgotten() -> bool:
                mark = emulator.mark()
                emulator.inject_message(forgetful, "/forgetme")
                reply = await wait_for_text(emulator, forgetful, mark)
                return DONE in reply.params["text"]

            await eventually(forgotten, within=30, every=0.5)

            for resident in residents:
                await wait_for_text(emulator, resident, 0)
                assert len(sent_to(emulator, resident)) == 1, "each question answered exactly once"


async def test_graceful_shutdown_finishes_the_update_in_flight(
    emulator: BotAPIEmulator, postgres_url: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    await prepare(postgres_url)
    async with cluster(emulator, postgres_url, redis_url, redis_prefix, tmp_path, count=1) as (worker,):
        resident = 7_300_001
        known_chat(emulator, resident)
        since = emulator.mark()
        emulator.fail_next(1, 429, retry_after=2, methods={"sendMessage"})
        delivery = asyncio.create_task(post_update(worker, message_update(91_001, resident, "/privacy")))
        await emulator.wait_for_call("sendMessage", lambda c: not c.ok, within=20, since=since)
        worker.kill(signal.SIGTERM)
        assert await asyncio.wait_for(delivery, 30) == 200
        assert await worker.exit_code() == 0
        assert len(sent_to(emulator, resident, since)) == 1
