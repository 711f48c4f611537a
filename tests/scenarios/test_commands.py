"""`concierge run` and `concierge serve` as an operator starts them, against the Bot API emulator."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from concierge.settings import Settings
from handlers.cli.serve import SECRET_HEADER, WEBHOOK_PATH, serving
from tests.botapi_emulator import BotAPIEmulator
from tests.scenarios.conftest import BOT_USERNAME

pytestmark = pytest.mark.filterwarnings("ignore:Please use 'Bot:UserWarning")

SECRET = "s3cret-token_1"


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCIERGE_")}
    env.update(values)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def database(demo_database: Path, tmp_path: Path) -> str:
    path = tmp_path / "concierge.db"
    shutil.copy(demo_database, path)
    return f"sqlite+aiosqlite:///{path}"


async def _run_cli(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize("command", ["run", "run --runtime ptb"])
async def test_run_without_a_token_says_so_in_one_line(command: str, tmp_path: Path) -> None:
    process = await _run_cli(*command.split(), env=_env(), cwd=tmp_path)
    async with asyncio.timeout(60):
        _, stderr = await process.communicate()
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1 and "CONCIERGE_BOT_TOKEN" in lines[0]


@pytest.mark.parametrize("runtime", ["aiogram"])
async def test_run_polls_answers_and_stops_on_sigterm(
    runtime: str, database: str, tmp_path: Path, emulator: BotAPIEmulator
) -> None:
    """The signal handling is shared; each runtime's own stop runs after every scenario in-process."""
    env = _env(
        CONCIERGE_BOT_TOKEN=emulator.token,
        CONCIERGE_TELEGRAM_API_URL=emulator.url,
        CONCIERGE_BOT_USERNAME=BOT_USERNAME,
    )
    process = await _run_cli("run", "--runtime", runtime, "--db", database, env=env, cwd=tmp_path)
    try:
        await emulator.wait_for_call("setMyCommands", within=60)
        emulator.inject_message(77, "/start")
        reply = await emulator.wait_for_call("sendMessage", within=30)
        assert reply.ok and reply.params["chat_id"] == 77
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session


async def _start_serving(settings: Settings, runtime: str) -> tuple[asyncio.Task[None], asyncio.Event, str]:
    stop = asyncio.Event()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serving(settings, runtime, stop, ready))
    waiters: list[asyncio.Future[Any]] = [task, ready]
    done, _ = await asyncio.wait(waiters, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    assert ready in done, "serve did not start listening"
    return task, stop, ready.result()


async def _stop(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    stop.set()
    async with asyncio.timeout(30):
        await task


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_serve_takes_updates_from_the_webhook_only_with_the_secret(
    runtime: str, database: str, emulator: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    port = _free_port()
    hook = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database,
        bot_token=SecretStr(emulator.token),
        telegram_api_url=emulator.url,
        bot_username=BOT_USERNAME,
        webhook_url=hook,
        webhook_secret=SecretStr(SECRET),
        web_port=port,
    )
    task, stop, url = await _start_serving(settings, runtime)
    try:
        registered = await emulator.wait_for_call("setWebhook", within=10)
        assert registered.params["url"] == hook and registered.params["secret_token"] == SECRET

        emulator.inject_message(88, "/start")
        reply = await emulator.wait_for_call("sendMessage", within=30)
        assert reply.ok and reply.params["chat_id"] == 88

        update = {
            "update_id": 999_999,
            "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}},
        }
        for headers in ({}, {SECRET_HEADER: "wrong"}):
            async with http.post(f"{url}{WEBHOOK_PATH}", json=update, headers=headers) as response:
                assert response.status == 401
        async with http.post(
            f"{url}{WEBHOOK_PATH}", data=b"{nope", headers={SECRET_HEADER: SECRET}
        ) as response:
            assert response.status == 400
    finally:
        await _stop(task, stop)


async def test_serve_without_a_token_serves_the_web_app_and_warns(
    database: str, http: aiohttp.ClientSession, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(_env_file=None, database_url=database, web_port=0)  # type: ignore[call-arg]
    task, stop, url = await _start_serving(settings, "aiogram")
    try:
        warning = [line for line in capsys.readouterr().err.splitlines() if "CONCIERGE_BOT_TOKEN" in line]
        assert len(warning) == 1
        async with http.post(f"{url}{WEBHOOK_PATH}", json={}, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status in {404, 405}
        async with http.get(f"{url}/") as response:
            assert response.status == 200
    finally:
        await _stop(task, stop)
