"""The delivery contract of docs/delivery.md, the same for webhook and long polling on both runtimes.

Updates come in through :meth:`Delivery.accept` (the webhook route, or :func:`poll`), are recorded in
the inbox (:mod:`concierge.inbox`) before Telegram is told they arrived, handled one at a time per
chat under a lease, and their replies leave through the outbox (:mod:`concierge.outbox`), one at a
time per chat. The runtime (:class:`handlers.telegram_runtime.Runtime`, here a :class:`Transport`)
sends one call, waiting out 429s and retrying failures with the :data:`~handlers.telegram_retry.OUTBOX`
policy (:mod:`handlers.telegram_retry`, the one place for that), fetches updates, and removes a webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol

from concierge import inbox, outbox
from concierge.app import App
from concierge.events import Event, Reply
from concierge.group_commit import GroupCommit
from concierge.inbox import Arrival, Finished
from concierge.logs import salt_of, user_ref
from concierge.outbox import Outgoing, Pending
from handlers.telegram_render import (
    ANSWERS,
    CONCURRENT_UPDATES,
    AnswerLog,
    ApiCall,
    BotIdentity,
    Upload,
    event_from_update,
    render_all,
)
from handlers.telegram_retry import OUTBOX, RetryPolicy, broadcasting, chat_of_update, serving_chat

log = logging.getLogger("concierge.updates")

SWEEP_SECONDS = 1.0
"""How often a worker looks for updates and calls whose lease lapsed (a worker died, a claim was freed)."""
RENEW_SECONDS = inbox.LEASE.total_seconds() / 3
MAX_FAILURES = 3
"""Times one update may fail in this worker before it is closed without an answer (a poison update)."""
HANDLE_GRACE = 15.0
SEND_GRACE = 20.0
"""On shutdown: how long updates in progress may finish, then how long queued calls may still leave.
Together well within the 70 s stop grace of deploy/ (docs/delivery.md)."""
POLL_TIMEOUT = 25


class Transport(Protocol):
    identity: BotIdentity
    handle: Callable[[Event], Awaitable[list[Reply]]]

    async def send(
        self, call: ApiCall, policy: RetryPolicy = ..., extra: Mapping[str, Any] | None = None
    ) -> Any:
        """The Bot API's result, retried by ``policy``; ``None`` when Telegram refused it for good or
        the retries gave up (logged)."""

    async def get_updates(self, offset: int, wait: int) -> list[dict[str, Any]]: ...

    async def delete_webhook(self) -> None: ...


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def update_kind(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


def sender_of(update: dict[str, Any]) -> int | None:
    for value in update.values():
        if isinstance(value, dict) and isinstance((value.get("from") or {}).get("id"), int):
            return int(value["from"]["id"])
    return None


def chat_key_of(update: dict[str, Any]) -> int:
    """The chat whose updates are handled in order; the sender for inline queries."""
    chat = chat_of_update(update)
    if chat is not None:
        return chat
    return sender_of(update) or 0


def outgoing(call: ApiCall, chat_key: int) -> Outgoing:
    chat = call.params.get("chat_id")
    own = chat if isinstance(chat, int) else chat_key
    upload = (call.upload.field, call.upload.filename, call.upload.content) if call.upload else None
    return Outgoing(own, call.method, call.params, upload, broadcast=own != chat_key, answers=call.answers)


def api_call(call: Outgoing) -> ApiCall:
    upload = Upload(*call.upload) if call.upload else None
    return ApiCall(call.method, call.params, upload, call.answers)


def remember_answer(call: Outgoing, result: Any, answers: AnswerLog = ANSWERS) -> None:
    """The message a sent answer became, so that editing its question edits it (item 6 of issue 12)."""
    if call.answers is None or not isinstance(result, Mapping) or "message_id" not in result:
        return
    chat = result.get("chat")
    chat_id: int = call.chat_key
    if isinstance(chat, Mapping) and isinstance(chat.get("id"), int):
        chat_id = chat["id"]
    answers.remember(chat_id, call.answers, int(result["message_id"]))


class Delivery:
    """One per worker process: the inbox's consumer and the outbox's sender."""

    def __init__(self, app: App, transport: Transport, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine = app.engine
        self.transport = transport
        self.metrics = app.metrics
        self.salt = salt_of(app.settings)
        self.clock = clock
        self.owner = secrets.token_hex(8)
        self._wake = asyncio.Event()
        self._handling: dict[int, asyncio.Task[None]] = {}
        self._failures: dict[int, int] = defaultdict(int)
        self._waiting: dict[int, int] = defaultdict(int)
        """Per chat, updates this worker recorded that wait behind an earlier one: when that one is done
        the dispatcher is woken at once (other waits are found by the sweep)."""
        self._starved = False
        """The last claim filled every free place: when one frees up, claim again at once."""
        self._held: set[int] = set()
        self._queues: dict[int, deque[Pending]] = {}
        self._senders: dict[int, asyncio.Task[None]] = {}
        self._unremoved: set[int] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = False
        self._writing = asyncio.Lock()
        """One write of this worker's delivery at a time: on SQLite, writers of one process that meet
        at the lock sleep in SQLite's busy handler; taking turns here costs less."""
        self._recorder: GroupCommit[Arrival, bool] = GroupCommit(self._record)
        self._finisher: GroupCommit[Finished, list[Pending] | None] = GroupCommit(self._finish)
        self._remover: GroupCommit[int, None] = GroupCommit(self._remove)

    # -- in ---------------------------------------------------------------------------------------

    async def accept(self, updates: Iterable[dict[str, Any]]) -> None:
        """Records the updates; returns only once they are stored, raises when they could not be."""
        arrivals = [Arrival(int(u["update_id"]), chat_key_of(u), u) for u in updates]
        new = await asyncio.gather(*(self._recorder.submit(a) for a in arrivals))
        for arrival, fresh in zip(arrivals, new, strict=True):
            if not fresh:
                self.metrics.duplicates.inc()
                fields = {"update_id": arrival.update_id, "kind": update_kind(arrival.body)}
                log.info("duplicate update dropped", extra=fields)

    async def _record(self, arrivals: list[Arrival]) -> list[bool]:
        room = 0 if self._stopping else CONCURRENT_UPDATES - len(self._handling)
        async with self._writing:
            new, claimed = await inbox.record_and_claim(self.engine, arrivals, self.owner, self.clock(), room)
        self._start_handling(claimed)
        self._starved = self._starved or len(claimed) >= room
        taken = {a.update_id for a in claimed}
        for arrival in {a.update_id: a for a in arrivals if a.update_id in new}.values():
            if arrival.update_id not in taken:
                self._waiting[arrival.chat_key] += 1
        if len(taken) < len(new):
            self._wake.set()
        seen: set[int] = set()
        fresh = []
        for arrival in arrivals:  # the same update twice in one batch: the first one is the new one
            fresh.append(arrival.update_id in new and arrival.update_id not in seen)
            seen.add(arrival.update_id)
        return fresh

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        self._loops = [asyncio.create_task(self._dispatch()), asyncio.create_task(self._renew())]
        self._wake.set()

    async def stop(self) -> None:
        """Lets updates in progress finish and queued calls leave (bounded), then hands back the rest."""
        self._stopping = True
        self._wake.set()
        # The dispatcher may be in the middle of a claim or a take-over: its turn ends by starting what
        # it took, so wait for it first. Otherwise updates started after the waits below were cancelled
        # half done, and replies sent meanwhile were handed back before their removal was written,
        # to be sent again by the next worker (tests/e2e/test_delivery.py, SIGTERM in a backlog).
        handled_by = time.monotonic() + HANDLE_GRACE
        if self._loops:
            await asyncio.wait(self._loops[:1], timeout=HANDLE_GRACE)
        await _settle(self._handling, handled_by)
        await _settle(self._senders, time.monotonic() + SEND_GRACE)  # updates finishing add senders
        unfinished = list(self._handling)
        tasks = [*self._loops, *self._handling.values(), *self._senders.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            with contextlib.suppress(Exception):
                await outbox.remove(self.engine, self._unremoved)
            await inbox.give_up(self.engine, self.owner, unfinished)
            await outbox.hand_back(self.engine, self.owner)
        except Exception as exc:
            log.warning(
                "handing back unsent work failed (taken over after the lease): %s", type(exc).__name__
            )

    # -- handling ---------------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        last_sweep = 0.0
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), SWEEP_SECONDS)
            self._wake.clear()
            if self._stopping:
                return
            try:
                room = CONCURRENT_UPDATES - len(self._handling)
                if room > 0:
                    async with self._writing:
                        claimed = await inbox.claim(
                            self.engine, self.owner, self.clock(), self._handling, room
                        )
                    self._claimed_waiting(claimed)
                    self._start_handling(claimed)
                    self._starved = len(claimed) >= room
                if time.monotonic() - last_sweep >= SWEEP_SECONDS:
                    last_sweep = time.monotonic()
                    async with self._writing:
                        taken = await outbox.take_over(self.engine, self.owner, self.clock(), self._held)
                    for pending in taken:
                        self._enqueue(pending)
            except Exception as exc:
                log.warning("reading the inbox failed, trying again: %s", type(exc).__name__)
                await asyncio.sleep(SWEEP_SECONDS)

    def _start_handling(self, claimed: Iterable[Arrival]) -> None:
        for arrival in claimed:
            if arrival.update_id not in self._handling:
                self._handling[arrival.update_id] = asyncio.create_task(self._handle(arrival))

    def _claimed_waiting(self, claimed: Iterable[Arrival]) -> None:
        for arrival in claimed:
            if self._waiting.get(arrival.chat_key):
                self._waiting[arrival.chat_key] -= 1
                if not self._waiting[arrival.chat_key]:
                    del self._waiting[arrival.chat_key]

    async def _handle(self, arrival: Arrival) -> None:
        started = time.perf_counter()
        update_id = arrival.update_id
        try:
            calls = await self._calls(arrival)
            sent = await self._finisher.submit(Finished(update_id, calls))
        except Exception as exc:  # the database (finishing): the update stays to do, for anyone
            self.metrics.errors.labels("delivery").inc()
            log.warning(
                "update not finished, to be tried again: %s",
                type(exc).__name__,
                extra={"update_id": update_id},
            )
            with contextlib.suppress(Exception):
                async with self._writing:
                    await inbox.give_up(self.engine, self.owner, [update_id])
            await asyncio.sleep(SWEEP_SECONDS)
            self._wake.set()
            return
        finally:
            self._handling.pop(update_id, None)
            if arrival.chat_key in self._waiting or self._starved:
                self._wake.set()
        if sent is None:
            log.warning("update taken over by another worker", extra={"update_id": update_id})
            return
        for pending in sent:
            self._enqueue(pending)
        user = sender_of(arrival.body)
        fields = {
            "update_id": update_id,
            "kind": update_kind(arrival.body),
            "user": user_ref(user, self.salt) if user else None,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        log.info("update handled", extra=fields)

    async def _calls(self, arrival: Arrival) -> list[Outgoing]:
        """The calls that answer an update; none, logged, for one that fails to be read or answered
        :data:`MAX_FAILURES` times in this worker (a poison update must not block its chat)."""
        update_id = arrival.update_id
        if self._failures[update_id] >= MAX_FAILURES:
            log.error(
                "update closed unanswered after %d failures", MAX_FAILURES, extra={"update_id": update_id}
            )
            self._failures.pop(update_id, None)
            return []
        try:
            event = event_from_update(arrival.body, self.transport.identity)
            if event is None:
                return []
            replies = await self.transport.handle(event)
            calls = [outgoing(c, arrival.chat_key) for c in render_all(replies, event, ANSWERS)]
        except Exception:
            self._failures[update_id] += 1
            raise
        self._failures.pop(update_id, None)
        return calls

    async def _finish(self, finished: list[Finished]) -> list[list[Pending] | None]:
        async with self._writing:
            done = await inbox.finish(self.engine, self.owner, finished, self.clock())
        return [done[item.update_id] for item in finished]

    async def _renew(self) -> None:
        while not self._stopping:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                async with self._writing:
                    await inbox.renew(self.engine, self.owner, list(self._handling), self.clock())
                if self._unremoved:
                    ids = set(self._unremoved)
                    await outbox.remove(self.engine, ids)
                    self._unremoved -= ids
                    self._held -= ids
            except Exception as exc:
                log.warning("renewing leases failed: %s", type(exc).__name__)

    # -- sending ----------------------------------------------------------------------------------

    def _enqueue(self, pending: Pending) -> None:
        if pending.id in self._held:
            return
        self._held.add(pending.id)
        key = pending.call.chat_key
        self._queues.setdefault(key, deque()).append(pending)
        if key not in self._senders:
            self._senders[key] = asyncio.create_task(self._send_chat(key))

    async def _send_chat(self, key: int) -> None:
        queue = self._queues[key]
        try:
            while queue:
                pending = queue[0]
                remember_answer(pending.call, await self._send(pending))
                queue.popleft()
                try:
                    await self._remover.submit(pending.id)
                except Exception as exc:
                    log.warning("removing a sent call failed, trying again: %s", type(exc).__name__)
                    self._unremoved.add(pending.id)
                else:
                    self._held.discard(pending.id)
        finally:
            self._senders.pop(key, None)
            if not queue:
                self._queues.pop(key, None)

    async def _send(self, pending: Pending) -> Any:
        """The Bot API's result, or None when the call was refused or given up."""
        call = pending.call
        token = serving_chat.set(None if call.broadcast else call.chat_key)
        try:
            with broadcasting() if call.broadcast else contextlib.nullcontext():
                return await self.transport.send(api_call(call), OUTBOX, {"outbox_id": pending.id})
        finally:
            serving_chat.reset(token)

    async def _remove(self, ids: list[int]) -> None:
        async with self._writing:
            await outbox.remove(self.engine, ids)

    # -- for tests and health ---------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self._handling or self._senders)


async def _settle(tasks: dict[int, asyncio.Task[None]], deadline: float) -> None:
    """Waits until ``tasks``, which may gain tasks meanwhile, is empty, or ``time.monotonic()`` reaches
    ``deadline``."""
    while tasks and (left := deadline - time.monotonic()) > 0:
        await asyncio.wait(list(tasks.values()), timeout=left)


async def poll(transport: Transport, delivery: Delivery, stop: asyncio.Event) -> None:
    """Long polling: an offset moves past updates only once they are in the inbox.

    A webhook left from ``concierge serve`` is removed first (Telegram refuses getUpdates while one is
    set). Updates fetched again after a restart are recognised by the inbox, so none is answered twice.
    """
    await transport.delete_webhook()
    offset = 0
    failures = 0
    while not stop.is_set():
        fetch = asyncio.create_task(transport.get_updates(offset, POLL_TIMEOUT))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            return
        try:
            updates = fetch.result()
            if updates:
                await delivery.accept(updates)
                offset = max(int(u["update_id"]) for u in updates) + 1
            failures = 0
        except Exception as exc:
            failures += 1
            wait = min(30.0, 0.5 * 2 ** min(failures, 6))
            log.warning("long polling failed (%s), trying again in %.1f s", type(exc).__name__, wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)


async def run_polling(app: App, transport: Transport, stop: asyncio.Event) -> None:
    """What ``concierge run`` does with a runtime: deliver until ``stop``, then shut down in bounds."""
    delivery = Delivery(app, transport)
    delivery.start()
    try:
        await poll(transport, delivery, stop)
    finally:
        await delivery.stop()
