"""Per-client rate limiting of the public web: in memory for one worker, in Redis for several.

Clients are told apart by address. Behind a trusted reverse proxy the address is taken from
``X-Forwarded-For``; keys are hashed, so neither memory nor Redis holds visitors' addresses.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)
Networks = Sequence[IPv4Network | IPv6Network]


class RateLimiter(Protocol):
    async def acquire(self, key: str) -> float:
        """Take one token for ``key``: 0 when allowed, else the seconds until a token is free."""
        ...


class TokenBucket:
    """In-memory token buckets, one per key: ``rate`` tokens a second, up to ``burst`` saved up.

    Full buckets are forgotten once more than ``max_keys`` clients are tracked, so memory stays bounded.
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    async def acquire(self, key: str) -> float:
        now = self.clock()
        tokens, since = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - since) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > self.max_keys:
            self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        for key, (tokens, since) in list(self._buckets.items()):
            if tokens + (now - since) * self.rate >= self.burst:
                del self._buckets[key]


GCRA = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local interval = 1 / tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or t)
if tat < t then tat = t end
local wait = tat + interval - tolerance - t
if wait > 0 then return tostring(wait) end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil((tat + interval - t) * 1000) + 1000)
return '0'
"""
"""The generic cell rate algorithm: one key per client holding the time its bucket is next empty;
the clock is Redis's own, so workers with drifting clocks agree."""


RETRY_AFTER_S = 5.0
"""After Redis failed, limits stay in memory this long before Redis is tried again, so an outage
does not cost every request a connection attempt."""


class RedisTokenBucket:
    """Token buckets shared by every worker through Redis (same ``rate`` and ``burst`` meaning as
    :class:`TokenBucket`). While Redis is unreachable each worker limits in memory.

    Requests that arrive together share one round trip: acquisitions made in the same turn of the
    event loop go to Redis as one pipeline, so a busy worker does not queue behind its own Redis calls.
    """

    def __init__(
        self,
        redis: Redis,
        fallback: TokenBucket,
        prefix: str = "concierge:",
        *,
        retry_after: float = RETRY_AFTER_S,
    ) -> None:
        self._redis = redis
        self._retry_after = retry_after
        self._fallback = fallback
        self._prefix = prefix
        self._sha: str | None = None
        """The script's digest once loaded; a restarted Redis forgets it (NoScriptError) and it is
        loaded again."""
        self._degraded = False
        self._retry_at = 0.0
        self._pending: list[tuple[str, asyncio.Future[float]]] = []
        self._flushes: set[asyncio.Task[None]] = set()

    async def acquire(self, key: str) -> float:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._pending.append((key, future))
        if len(self._pending) == 1:
            task = asyncio.create_task(self._flush())
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)
        return await future

    async def _flush(self) -> None:
        from redis.exceptions import RedisError  # imported only by workers that use Redis

        batch, self._pending = self._pending, []
        try:
            if time.monotonic() < self._retry_at:
                waits = [await self._fallback.acquire(key) for key, _ in batch]
            else:
                waits = await self._ask_redis([key for key, _ in batch])
                if self._degraded:
                    log.warning("redis is back, API rate limit shared again")
                self._degraded = False
        except RedisError as exc:
            if not self._degraded:
                log.warning("redis unavailable, API rate limit in memory: %s", type(exc).__name__)
            self._degraded = True
            self._retry_at = time.monotonic() + self._retry_after
            waits = [await self._fallback.acquire(key) for key, _ in batch]
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            raise
        for (_, future), wait in zip(batch, waits, strict=True):
            if not future.done():
                future.set_result(wait)

    async def _ask_redis(self, keys: list[str]) -> list[float]:
        from redis.exceptions import NoScriptError

        if self._sha is None:
            self._sha = await self._redis.script_load(GCRA)
        try:
            return await self._evaluate(self._sha, keys)
        except NoScriptError:
            self._sha = await self._redis.script_load(GCRA)
            return await self._evaluate(self._sha, keys)

    async def _evaluate(self, sha: str, keys: list[str]) -> list[float]:
        rate, burst = self._fallback.rate, self._fallback.burst
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.evalsha(sha, 1, f"{self._prefix}api:rl:{key}", rate, burst)
            return [float(wait) for wait in await pipe.execute()]


def api_limiter(redis: Redis | None, rate: float, burst: float, prefix: str) -> RateLimiter:
    memory = TokenBucket(rate, burst)
    return memory if redis is None else RedisTokenBucket(redis, memory, prefix)


def client_key(remote: str | None, forwarded_for: str, trusted: Networks) -> str:
    """A hashed name for the client: the peer, or behind trusted proxies the last address in
    ``X-Forwarded-For`` that is not one of them (the ones before it are the client's own say-so)."""
    address = remote or "unknown"
    if _trusted(address, trusted):
        for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
            address = hop
            if not _trusted(hop, trusted):
                break
    return hashlib.blake2b(address.encode(), digest_size=12).hexdigest()


def _trusted(address: str, trusted: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)
