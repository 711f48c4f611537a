"""Telegram's limits and hiccups, handled in exactly one layer: here, around each single Bot API call.

Every call the bot makes goes through :meth:`handlers.telegram_runtime.Runtime.send`, on aiogram and
on python-telegram-bot alike, whether it comes from the outbox (answers, notices to other people,
``handlers/delivery.py``) or not (start-up, the periodic jobs' notices). That method runs
:func:`call_with_retries` with one of two policies:

- :data:`OUTBOX` for calls from the outbox: a 429 is waited out however long its ``retry_after``
  (nothing expires meanwhile, docs/delivery.md), 5xx answers and network errors are retried with
  backoff growing from half a second to two minutes, about six minutes in all, each try logged;
- :data:`QUICK` for calls made outside any update, where someone (start-up) or something (a job) waits:
  a few seconds of retries, a ``retry_after`` up to two minutes.

Why here and not in the framework's session nor in the outbox sender: the adapters only send one
request and sort its failure (``classify``); a retry loop inside them would hide waits from the
delivery and stack on top of the outbox's own (as it once did: ten 429s per try, eight tries). The
outbox sender only keeps the order per chat and removes what was sent. Before every try, whatever
the policy, the :class:`Pacer`:

- holds *all* calls of the process for ``retry_after`` seconds after a 429 (Telegram's flood limits
  are wider than one chat);
- paces messages to one chat under Telegram's per-chat limits (private chats about one per second
  with short bursts, groups 20 per minute);
- lets broadcasts (messages to other people than the one being answered: owner nudges, moderator
  notices, or anything sent inside :func:`broadcasting`) share a 25-per-second budget.

Other errors (400, 403, ...) are not retried: the runtime logs them (unless harmless) and moves on.

A call that got no answer is sent again, but only after :data:`ANSWER_TIMEOUT`: a call that reached
Telegram and was answered late would otherwise be carried out twice (a message shown twice; the Bot
API has no idempotency key). Failing to connect is retried at once: nothing was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)

T = TypeVar("T")

ANSWER_TIMEOUT = 60.0
"""Seconds to wait for the Bot API's answer to a call (aiogram's default) before counting it as lost
and sending it again. python-telegram-bot's 5 s default sent a reply twice whenever Telegram (or, in
the tests, the emulator on a loaded machine) took longer: ``test_a_reply_answered_late_by_telegram_is_sent_once``."""
CONNECT_TIMEOUT = 5.0
"""Seconds to connect: a connection that failed carried nothing, so trying again soon is safe."""
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


@dataclass(frozen=True, slots=True)
class Retry:
    """A call that did not go through and may be tried again: ``after`` seconds when Telegram said
    (a 429), else after a backoff."""

    reason: Reason
    after: float | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Telegram refused the call for good (400, 403, ...); ``unauthorized`` when it refused the token."""

    message: str
    unauthorized: bool = False


Classify = Callable[[BaseException], Retry | Refusal | None]
"""A framework's errors sorted: retry, refused for good, or ``None`` for a bug to raise."""
OnRetry = Callable[[Reason], None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_rate_limited: int = 10
    """Times one call may be answered 429 before it is given up."""
    max_failures: int = 4
    """Times one call may fail with a 5xx or a network error before it is given up."""
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 120.0
    """A longer wait than this is not waited out: the call is given up, logged."""


QUICK = RetryPolicy()
"""Calls made outside any update (start-up, the jobs' notices): seconds of retries."""
OUTBOX = RetryPolicy(max_rate_limited=80, max_failures=10, max_backoff=120.0, max_retry_after=float("inf"))
"""Calls from the outbox: 0.5, 1, 2, ... 120 s between tries, about six minutes in all; any
``retry_after`` waited out (up to eighty of them, as many as the two stacked loops once allowed)."""


@dataclass(frozen=True, slots=True)
class Pacing:
    private_burst: int = 10
    private_per_second: float = 1.0
    group_burst: int = 20
    group_per_minute: float = 20.0
    broadcast_per_second: float = 25.0


class Pacer:
    """Per-chat and broadcast budgets plus the process-wide hold after a 429: one per bot client."""

    MAX_CHATS = 10_000

    def __init__(self, pacing: Pacing | None = None) -> None:
        self.pacing = pacing or Pacing()
        self.broadcast = AsyncLimiter(self.pacing.broadcast_per_second, 1.0)
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
            p = self.pacing
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


async def call_with_retries(
    send: Callable[[], Awaitable[T]],
    method: str,
    chat_id: int | str | None,
    classify: Classify,
    pacer: Pacer,
    policy: RetryPolicy = QUICK,
    on_retry: OnRetry | None = None,
    extra: Mapping[str, Any] | None = None,
) -> T | Retry | Refusal:
    """``send`` paced and tried until it goes through (its result), is refused for good (the
    :class:`Refusal`) or ``policy`` gives up (the last :class:`Retry`, logged). Exceptions that
    ``classify`` does not know are raised."""
    limited = failed = 0
    while True:
        await pacer.before(method, chat_id)
        try:
            return await send()
        except Exception as exc:
            verdict = classify(exc)
            if verdict is None:
                raise
            if isinstance(verdict, Refusal):
                return verdict
        if verdict.reason == "429":
            limited += 1
            wait = float(verdict.after or 1)
            if limited > policy.max_rate_limited or wait > policy.max_retry_after:
                log.error(
                    "%s given up after %d times 429 (retry after %s s)", method, limited, wait, extra=extra
                )
                return verdict
            pacer.hold(wait)
        else:
            failed += 1
            if failed > policy.max_failures:
                log.error("%s given up after %d tries (%s)", method, failed, verdict.reason, extra=extra)
                return verdict
            wait = min(policy.max_backoff, policy.backoff * 2 ** (failed - 1)) * random.uniform(0.8, 1.2)
        log.warning(
            "%s not accepted (%s%s), trying again in %.1f s",
            method,
            verdict.reason,
            f" {verdict.detail}" if verdict.detail else "",
            wait,
            extra=extra,
        )
        if on_retry is not None:
            on_retry(verdict.reason)
        await asyncio.sleep(wait)
