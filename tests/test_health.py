"""/healthz, /metrics and the structured logs of ``concierge serve``, served in-process over real sockets."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from concierge.logs import configure_logging, user_ref
from concierge.settings import Settings
from handlers.cli.serve import SECRET_HEADER, WEBHOOK_PATH, serving
from tests.botapi_emulator import BotAPIEmulator, make_user
from tests.redis_support import free_port, redis_prefix

__all__ = ["redis_prefix"]

SECRET = "s3cret-token"
SALT = "pepper"
USER = 4_242_424_242


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    stop = asyncio.Event()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serving(settings, settings.runtime, stop, ready))
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
        yield await asyncio.wait_for(ready, 1)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def settings_for(emulator: BotAPIEmulator, database_url: str, redis_url: str | None, prefix: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=prefix,
        bot_token=emulator.token,
        telegram_api_url=emulator.url,
        webhook_secret=SECRET,
        web_port=0,
        log_salt=SALT,
    )


def message_update(update_id: int, text: str) -> dict[str, Any]:
    user = make_user(USER)
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text[0] == "/" else []
    )
    message = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": USER, "type": "private", "first_name": user["first_name"]},
        "from": user,
        "text": text,
    }
    if entities:
        message["entities"] = entities
    return {"update_id": update_id, "message": message}


async def health(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
        return response.status, await response.json()


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        emulator.inject_message(USER, "hello")  # the chat exists
        yield emulator


async def test_healthz_checks_the_database_and_redis(
    emulator: BotAPIEmulator, database_url: str, redis_url: str, redis_prefix: str
) -> None:
    async with served(settings_for(emulator, database_url, redis_url, redis_prefix)) as url:
        assert await health(url) == (200, {"status": "ok", "database": "ok", "redis": "ok"})


async def test_healthz_fails_when_redis_is_unreachable(emulator: BotAPIEmulator, sqlite_url: str) -> None:
    down = f"redis://127.0.0.1:{free_port()}/0"
    async with served(settings_for(emulator, sqlite_url, down, "x:")) as url:
        status, body = await health(url)
        assert status == 503
        assert body["database"] == "ok" and body["redis"] == "unreachable"


async def test_healthz_without_redis(emulator: BotAPIEmulator, sqlite_url: str) -> None:
    async with served(settings_for(emulator, sqlite_url, None, "x:")) as url:
        status, body = await health(url)
        assert status == 200 and body["redis"] == "not configured"


def sample(metrics: str, name: str) -> float:
    values = [float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if line.startswith(name)]
    return sum(values)


async def test_metrics_and_logs_cover_updates_without_personal_data(
    emulator: BotAPIEmulator, sqlite_url: str, redis_url: str, redis_prefix: str
) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging(settings_for(emulator, sqlite_url, None, "x:"), stream)
    try:
        settings = settings_for(emulator, sqlite_url, redis_url, redis_prefix)
        async with served(settings) as url, aiohttp.ClientSession() as http:
            since = emulator.mark()
            headers = {SECRET_HEADER: SECRET}
            for update in (
                message_update(501, "/help"),
                message_update(502, "havermelk"),
                message_update(501, "/help"),
            ):
                async with http.post(f"{url}{WEBHOOK_PATH}", json=update, headers=headers) as response:
                    assert response.status == 200
            # the webhook answers once the update is recorded; the replies follow from the outbox
            async with asyncio.timeout(10):
                while len(emulator.calls_to("sendMessage", since)) < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # time for a second answer to the repeated update, if there were one
            assert len(emulator.calls_to("sendMessage", since)) == 2, "the repeated update is answered once"
            async with http.get(f"{url}/metrics") as response:
                assert response.status == 200
                metrics = await response.text()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])

    assert sample(metrics, 'concierge_updates_total{kind="command"}') == 1
    assert sample(metrics, 'concierge_updates_total{kind="text"}') == 1
    assert sample(metrics, "concierge_duplicate_updates_total") == 1
    assert sample(metrics, 'concierge_update_seconds_count{kind="text"}') == 1
    assert sample(metrics, "concierge_answer_results_count") == 1

    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    handled = [line for line in lines if line["msg"] == "update handled"]
    assert {line["update_id"] for line in handled} == {501, 502}
    assert all(line["user"] == user_ref(USER, SALT) for line in handled)
    text = stream.getvalue()
    assert str(USER) not in text and "havermelk" not in text
