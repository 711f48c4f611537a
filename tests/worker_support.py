"""Several ``concierge serve`` processes behind a small round-robin proxy, fed by the Bot API emulator.

The proxy stands in for the reverse proxy of ``deploy/``: the emulator's webhook points at it, and it
passes each update to the next worker that accepts a connection, as nginx does with ``proxy_next_upstream``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.botapi_emulator import BotAPIEmulator, make_user
from tests.redis_support import free_port

SECRET = "worker-test-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
START_SECONDS = 90.0
"""Generous: two workers importing both Telegram libraries at once on a busy 2-core machine."""


def concierge_command() -> list[str]:
    script = Path(sys.executable).with_name("concierge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "handlers.cli"]


class Worker:
    def __init__(
        self, name: str, env: dict[str, str], workdir: Path, command: tuple[str, ...] = ("serve",)
    ) -> None:
        self.name = name
        self.command = command
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "CONCIERGE_WEB_PORT": str(self.port), "CONCIERGE_WEB_HOST": "127.0.0.1"}
        self.log = workdir / f"{name}.log"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*concierge_command(), *self.command],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def ready(self) -> None:
        async with asyncio.timeout(START_SECONDS), aiohttp.ClientSession() as http:
            while True:
                assert self.process is not None and self.process.poll() is None, self.log.read_text()[-3000:]
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)

    async def exit_code(self, within: float = 30.0) -> int:
        assert self.process is not None
        async with asyncio.timeout(within):
            while (code := self.process.poll()) is None:  # noqa: ASYNC110 (a child process, no event to wait on)
                await asyncio.sleep(0.05)
        return code

    def stop(self) -> None:
        """Always called in ``finally``: nothing outlives the test."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=10)


def worker_env(
    emulator: BotAPIEmulator, database_url: str, redis_url: str | None, prefix: str
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONCIERGE_")}
    env.update(
        CONCIERGE_DATABASE_URL=database_url,
        CONCIERGE_REDIS_PREFIX=prefix,
        CONCIERGE_BOT_TOKEN=emulator.token,
        CONCIERGE_TELEGRAM_API_URL=emulator.url,
        CONCIERGE_WEBHOOK_SECRET=SECRET,
        CONCIERGE_LOG_SALT="test-salt",
        CONCIERGE_QUESTION_LIMIT="1000",
        CONCIERGE_UPDATE_LIMIT="1000",
    )
    if redis_url:
        env["CONCIERGE_REDIS_URL"] = redis_url
    return env


class Proxy:
    """Round robin over the workers; a worker that refuses the connection is skipped."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self._turn = itertools.cycle(range(len(workers)))
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application(client_max_size=1024**2)
        app.router.add_post("/telegram/webhook", self._forward)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self.url

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        first = next(self._turn)
        for offset in range(len(self.workers)):
            worker = self.workers[(first + offset) % len(self.workers)]
            try:
                async with self.session.post(
                    f"{worker.url}/telegram/webhook", data=body, headers=dict(request.headers)
                ) as response:
                    return web.Response(status=response.status, body=await response.read())
            except aiohttp.ClientError:
                continue
        return web.Response(status=502)

    async def stop(self) -> None:
        await self.session.close()
        if self.runner is not None:
            await self.runner.cleanup()


async def point_webhook(emulator: BotAPIEmulator, url: str) -> None:
    await emulator.dispatch("setWebhook", {"url": f"{url}/telegram/webhook", "secret_token": SECRET}, {}, 0.0)


async def post_update(worker: Worker, update: dict[str, Any]) -> int:
    """Delivers an update straight to one worker, as Telegram would; returns the HTTP status."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http,
        http.post(f"{worker.url}/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}) as response,
    ):
        return response.status


def message_update(update_id: int, user: int, text: str) -> dict[str, Any]:
    who = make_user(user)
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": who["first_name"]},
        "from": who,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def known_chat(emulator: BotAPIEmulator, user: int) -> None:
    """Lets the emulator accept messages to ``user`` without an update from them first."""
    emulator.chats[user] = {"id": user, "type": "private", "first_name": make_user(user)["first_name"]}


def callback_update(
    emulator: BotAPIEmulator, update_id: int, user: int, message_id: int, data: str
) -> dict[str, Any]:
    """A button press on a message the bot sent, to deliver straight to one worker."""
    query_id = f"q{update_id}"
    emulator.callback_queries[query_id] = {"answered": False, "user_id": user}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id,
            "from": make_user(user),
            "message": emulator.messages[(user, message_id)],
            "chat_instance": str(user),
            "data": data,
        },
    }
