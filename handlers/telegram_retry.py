"""Outgoing Bot API calls that survive Telegram's limits and hiccups, for aiogram and python-telegram-bot.

One policy, two installations: :class:`AiogramRetryMiddleware` (an aiogram session request
middleware) and :class:`PtbRetryLimiter` (a python-telegram-bot ``BaseRateLimiter``). Both wrap every
call the bot makes:

- a 429 holds *all* calls of the process for ``retry_after`` seconds (Telegram's flood limits are
  wider than one chat), then the call is sent again;
- 5xx answers and network errors are retried with exponential backoff and jitter;
- messages to one chat are paced under Telegram's per-chat limits (private chats about one per
  second with short bursts, groups 20 per minute);
- broadcasts (messages to other people than the one being answered: owner nudges, moderator
  notices, or anything sent inside :func:`broadcasting`) share a 25-per-second budget.

Other errors (400, 403, ...) pass through untouched: the runtimes decide what they mean.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import logging
import random
import time
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)

T = TypeVar("T")
Reason = Literal["429", "5xx", "network"]

PACED_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvenue",
        "sendlocation",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
        "forwardmessage",
        "copymessage",
        "sendmediagroup",
    }
)

serving_chat: contextvars.ContextVar[int | None] = contextvars.ContextVar("serving_chat", default=None)
"""The chat of the update being handled; a message to any other chat counts as a broadcast."""
_broadcasting: contextvars.ContextVar[bool] = contextvars.ContextVar("broadcasting", default=False)


@contextlib.contextmanager
def broadcasting() -> Iterator[None]:
    """Calls made inside share the 25-per-second broadcast budget (nudges, digests, notices)."""
    token = _broadcasting.set(True)
    try:
        yield
    finally:
        _broadcasting.reset(token)


def chat_of_update(update: dict[str, Any]) -> int | None:
    """The chat an incoming update belongs to, if any (for :data:`serving_chat`)."""
    for key in ("message", "edited_message", "channel_post"):
        chat = (update.get(key) or {}).get("chat") or {}
        if isinstance(chat.get("id"), int):
            return int(chat["id"])
    message = (update.get("callback_query") or {}).get("message") or {}
    chat = message.get("chat") or {}
    return int(chat["id"]) if isinstance(chat.get("id"), int) else None


@dataclass(frozen=True)
class RetryPolicy:
    max_rate_limited: int = 10
    """Times one call may be answered 429 before it is given up."""
    max_failures: int = 4
    """Times one call may fail with a 5xx or a network error before it is given up."""
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 120.0
    """A longer wait than this is not waited out: the call fails and the error is logged."""
    private_burst: int = 10
    private_per_second: float = 1.0
    group_burst: int = 20
    group_per_minute: float = 20.0
    broadcast_per_second: float = 25.0


class Pacer:
    """Per-chat and broadcast budgets plus the process-wide hold after a 429."""

    MAX_CHATS = 10_000

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.broadcast = AsyncLimiter(policy.broadcast_per_second, 1.0)
        self._chats: OrderedDict[int | str, AsyncLimiter] = OrderedDict()
        self._hold_until = 0.0

    def hold(self, seconds: float) -> None:
        self._hold_until = max(self._hold_until, time.monotonic() + seconds)

    async def wait_for_hold(self) -> None:
        while (remaining := self._hold_until - time.monotonic()) > 0:  # noqa: ASYNC110 (a new 429 may extend it)
            await asyncio.sleep(remaining)

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            p = self.policy
            group = isinstance(chat_id, str) or chat_id < 0
            limiter = (
                AsyncLimiter(p.group_burst, p.group_burst * 60 / p.group_per_minute)
                if group
                else AsyncLimiter(p.private_burst, p.private_burst / p.private_per_second)
            )
            self._chats[chat_id] = limiter
            if len(self._chats) > self.MAX_CHATS:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def before(self, method: str, chat_id: int | str | None) -> None:
        await self.wait_for_hold()
        if method.lower() not in PACED_METHODS or chat_id is None:
            return
        serving = serving_chat.get()
        if _broadcasting.get() or (serving is not None and chat_id != serving):
            await self.broadcast.acquire()
        await self._chat_limiter(chat_id).acquire()
        await self.wait_for_hold()


Classify = Callable[[BaseException], tuple[Reason, float | None] | None]
OnRetry = Callable[[Reason], None]


async def call_with_retries(
    send: Callable[[], Awaitable[T]],
    method: str,
    chat_id: int | str | None,
    classify: Classify,
    pacer: Pacer,
    on_retry: OnRetry | None = None,
) -> T:
    policy = pacer.policy
    limited = failed = 0
    while True:
        await pacer.before(method, chat_id)
        try:
            return await send()
        except Exception as exc:
            verdict = classify(exc)
            if verdict is None:
                raise
            reason, retry_after = verdict
            if reason == "429":
                limited += 1
                wait = float(retry_after or 1)
                if limited > policy.max_rate_limited or wait > policy.max_retry_after:
                    raise
                pacer.hold(wait)
                log.warning("%s: rate limited, retrying after %ss", method, wait)
            else:
                failed += 1
                if failed > policy.max_failures:
                    raise
                wait = min(policy.max_backoff, policy.backoff * 2 ** (failed - 1)) * random.uniform(0.8, 1.2)
                log.warning("%s: %s (%s), retrying in %.2fs", method, reason, type(exc).__name__, wait)
            if on_retry is not None:
                on_retry(reason)
            await asyncio.sleep(wait)


# -- aiogram ---------------------------------------------------------------------------------------


def classify_aiogram(exc: BaseException) -> tuple[Reason, float | None] | None:
    from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

    if isinstance(exc, TelegramRetryAfter):
        return "429", float(exc.retry_after)
    if isinstance(exc, TelegramServerError):
        return "5xx", None
    if isinstance(exc, TelegramNetworkError):
        return "network", None
    return None


class AiogramRetryMiddleware:
    """``bot.session.middleware(AiogramRetryMiddleware(...))``: every request goes through the policy."""

    def __init__(self, policy: RetryPolicy | None = None, on_retry: OnRetry | None = None) -> None:
        self.pacer = Pacer(policy or RetryPolicy())
        self.on_retry = on_retry

    async def __call__(self, make_request: Any, bot: Any, method: Any) -> Any:
        name = getattr(method, "__api_method__", type(method).__name__)
        if name == "getUpdates":
            return await make_request(bot, method)
        return await call_with_retries(
            lambda: make_request(bot, method),
            name,
            getattr(method, "chat_id", None),
            classify_aiogram,
            self.pacer,
            self.on_retry,
        )


# -- python-telegram-bot ---------------------------------------------------------------------------


SERVER_ERRORS = ("Server Error", "Bad Gateway", "Service Unavailable", "Gateway Timeout", "(5")
"""PTB raises NetworkError for both; only the metric label tells them apart."""


def classify_ptb(exc: BaseException) -> tuple[Reason, float | None] | None:
    from telegram.error import NetworkError, RetryAfter

    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PTB's notice that retry_after will become a timedelta
            delay = exc.retry_after
        return "429", delay.total_seconds() if isinstance(delay, dt.timedelta) else float(delay)
    if isinstance(exc, NetworkError):
        server = any(word in str(exc) for word in SERVER_ERRORS)
        return ("5xx" if server else "network"), None
    return None


def ptb_retry_limiter(policy: RetryPolicy | None = None, on_retry: OnRetry | None = None) -> Any:
    """A ``telegram.ext.BaseRateLimiter`` for ``Application.builder().rate_limiter(...)``."""
    from telegram.ext import BaseRateLimiter

    class PtbRetryLimiter(BaseRateLimiter[None]):
        def __init__(self) -> None:
            self.pacer = Pacer(policy or RetryPolicy())

        async def initialize(self) -> None:
            return None

        async def shutdown(self) -> None:
            return None

        async def process_request(
            self,
            callback: Callable[..., Awaitable[Any]],
            args: Any,
            kwargs: dict[str, Any],
            endpoint: str,
            data: dict[str, Any],
            rate_limit_args: None,
        ) -> Any:
            return await call_with_retries(
                lambda: callback(*args, **kwargs),
                endpoint,
                data.get("chat_id"),
                classify_ptb,
                self.pacer,
                on_retry,
            )

    return PtbRetryLimiter()
