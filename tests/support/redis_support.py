"""Helpers for tests on Redis: a key prefix of each test's own, free ports and a private redis-server.

Tests share CI's Redis with each other (and locally with other developers), so every test writes under
a fresh prefix and removes it afterwards; a test that stops Redis starts its own server instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from redis.asyncio import Redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def keys_mentioning(redis: Redis, needle: str) -> list[str]:
    """Every key in the whole Redis database whose name or value mentions ``needle``."""
    found = []
    async for key in redis.scan_iter(count=1000):
        name = key.decode() if isinstance(key, bytes) else key
        if needle in name:
            found.append(name)
            continue
        if (await redis.type(key)) in {b"string", "string"}:
            value = await redis.get(key)
            if value is not None and needle in (value.decode() if isinstance(value, bytes) else value):
                found.append(name)
    return found


class PrivateRedis:
    """A throw-away redis-server on a free port, without persistence, that a test may stop and restart."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


PROPAGATION_BOUND = 10.0
"""How long tests wait for an edit to reach another worker. The product promises one second; that is
a speed figure, measured by ``benchmarks/bench_workers.py`` (edit-to-visible), not asserted by tests
that share a loaded machine. A missing propagation still fails here."""


async def eventually(check: Callable[[], Awaitable[bool]], within: float, every: float = 0.02) -> None:
    """Polls ``check`` until it holds; TimeoutError after ``within`` seconds."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 (the state lives in another process or service)
            await asyncio.sleep(every)
