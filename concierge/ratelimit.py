"""Per-person flood limits: a flood gets one polite "slow down" and then silence.

Two counts per person share the same window and the same notice: every update of any kind
(questions, commands, button presses, inline queries, positions; ``CONCIERGE_UPDATE_LIMIT``), and
questions alone, which cost a search each (``CONCIERGE_QUESTION_LIMIT``). Fixed windows of ``window``
seconds: the first ``limit`` are answered, the next one gets the warning, the rest of the window
nothing. With Redis the counts are shared by all workers (keys ``{prefix}u:{user_id}:rl`` and
``:rla``, removed by /forgetme with the rest); without it, or while it is down, each worker counts in
memory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol

from concierge.i18n import _
from concierge.redis_state import user_prefix

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

Verdict = Literal["answer", "warn", "ignore"]
SLOW_DOWN = _("You are asking a lot at once. Please slow down a little.")


def verdict(count: int, limit: int) -> Verdict:
    if count <= limit:
        return "answer"
    return "warn" if count == limit + 1 else "ignore"


class QuestionLimiter(Protocol):
    async def hit(self, user_id: int) -> Verdict: ...


class MemoryLimiter:
    def __init__(self, limit: int, window: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._counts: dict[int, tuple[int, int]] = {}

    async def hit(self, user_id: int) -> Verdict:
        slot = int(self._clock() // self.window)
        if len(self._counts) > 10_000:
            self._counts = {user: entry for user, entry in self._counts.items() if entry[0] == slot}
        seen_slot, count = self._counts.get(user_id, (slot, 0))
        count = count + 1 if seen_slot == slot else 1
        self._counts[user_id] = (slot, count)
        return verdict(count, self.limit)


class RedisLimiter:
    def __init__(
        self, redis: Redis, fallback: MemoryLimiter, prefix: str = "concierge:", name: str = "rl"
    ) -> None:
        self._redis = redis
        self._fallback = fallback
        self._prefix = prefix
        self._name = name

    async def hit(self, user_id: int) -> Verdict:
        from redis.exceptions import RedisError  # imported only by workers that use Redis

        key = f"{user_prefix(self._prefix, user_id)}{self._name}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self._fallback.window, nx=True)
                count, _ = await pipe.execute()
        except RedisError as exc:
            log.warning("redis unavailable, rate limit in memory: %s", type(exc).__name__)
            return await self._fallback.hit(user_id)
        return verdict(int(count), self._fallback.limit)


def question_limiter(
    redis: Redis | None, limit: int, window: int, prefix: str, name: str = "rl"
) -> QuestionLimiter:
    """``name`` tells the counts apart: ``rl`` for questions, ``rla`` for updates of any kind."""
    memory = MemoryLimiter(limit, window)
    return memory if redis is None else RedisLimiter(redis, memory, prefix, name)
