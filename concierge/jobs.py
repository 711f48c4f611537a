"""The periodic jobs: freshness nudges, weekly summaries and purges, with exactly one sender.

``concierge serve`` and ``concierge run`` call :func:`run_regularly`; ``concierge jobs run --once``
calls :func:`run_jobs` once, for cron or a systemd timer. Several of them may run at the same time
(webhook workers, a timer beside them), so two things keep every message single:

* one runner at a time: a PostgreSQL advisory lock (released by the server even when the holder
  dies), else a Redis lock with an expiry when Redis is configured, else a lock in this process
  (SQLite serves one process);
* every notice is claimed in ``sent_notices`` before it is sent: the insert of its key
  ``(kind, business, owner, period)`` succeeds once, so a restart or a runner that got past the lock
  anyway never sends it again. A failed send gives the claim back, for the next run.

Nothing here imports a Telegram library: the caller passes ``send`` (the runtime's ``notify``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from catalog.models import SentNotice
from concierge.app import App
from concierge.events import Notify
from concierge.owners import freshness
from concierge.retention import purge_expired
from concierge.uow import unit_of_work

log = logging.getLogger(__name__)

Send = Callable[[Notify], Awaitable[None]]
Clock = Callable[[], dt.datetime]

JOB_SECONDS = 600
"""How often ``serve`` and ``run`` look for due jobs."""
LOCK_NAME = "concierge:jobs"
LOCK_KEY = zlib.crc32(LOCK_NAME.encode())
"""The advisory lock's 64-bit key, stable across processes and versions."""
REDIS_LOCK_SECONDS = 900
KEEP_SENT = dt.timedelta(days=400)
"""Claims older than this are purged: no notice looks back that far."""
_local_locks: dict[str, asyncio.Lock] = {}

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@dataclass
class JobReport:
    """What one run did: ``ran`` is False when another runner held the lock."""

    ran: bool = False
    nudges: int = 0
    summaries: int = 0
    skipped: list[str] = field(default_factory=list)

    def line(self) -> str:
        if not self.ran:
            return "another runner is busy: nothing done"
        if self.skipped:
            return "purged expired state; " + "; ".join(self.skipped)
        return f"purged expired state; sent {self.nudges} nudges and {self.summaries} weekly summaries"


@contextlib.asynccontextmanager
async def exclusive(app: App) -> AsyncIterator[bool]:
    """True for the one runner that may send now, False for the others (they skip this round)."""
    if app.engine.dialect.name == "postgresql":
        async with app.engine.connect() as connection:
            held = bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}))
            await connection.commit()
            try:
                yield held
            finally:
                if held:
                    await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                    await connection.commit()
        return
    if app.redis is not None:
        key = f"{app.settings.redis_prefix}jobs:lock"
        token = secrets.token_hex(8)
        held = bool(await app.redis.set(key, token, nx=True, ex=REDIS_LOCK_SECONDS))
        try:
            yield held
        finally:
            if held:
                await app.redis.eval(_RELEASE, 1, key, token)
        return
    lock = _local_locks.setdefault(str(app.engine.url), asyncio.Lock())
    if lock.locked():
        yield False
        return
    async with lock:
        yield True


async def _sent_keys(app: App, since: dt.datetime) -> set[freshness.NoticeKey]:
    async with app.sessions() as session:
        rows = await session.execute(
            select(SentNotice.kind, SentNotice.subject, SentNotice.user_id, SentNotice.period).where(
                SentNotice.sent_at >= since
            )
        )
        return {(kind, subject, user_id, period) for kind, subject, user_id, period in rows}


async def claim(app: App, notice: freshness.Notice, now: dt.datetime) -> bool:
    """Records ``notice`` as sent; False when it already was (by anyone)."""
    kind, subject, user_id, period = notice.key
    try:
        async with unit_of_work(app) as uow:
            uow.session.add(
                SentNotice(kind=kind, subject=subject, user_id=user_id, period=period, sent_at=now)
            )
    except IntegrityError:
        return False
    return True


async def unclaim(app: App, notice: freshness.Notice) -> None:
    kind, subject, user_id, period = notice.key
    async with unit_of_work(app) as uow:
        await uow.session.execute(
            delete(SentNotice).where(
                SentNotice.kind == kind,
                SentNotice.subject == subject,
                SentNotice.user_id == user_id,
                SentNotice.period == period,
            )
        )


async def deliver(
    app: App, notices: list[freshness.Notice], send: Send, now: dt.datetime
) -> list[freshness.Notice]:
    """Claims and sends each notice; returns those that went out."""
    sent: list[freshness.Notice] = []
    for notice in notices:
        if not await claim(app, notice, now):
            continue
        try:
            for note in notice.notes:
                await send(note)
        except Exception:
            await unclaim(app, notice)
            log.exception("sending a %s failed; it is tried again next run", notice.kind)
            continue
        sent.append(notice)
    return sent


async def run_jobs(app: App, now: dt.datetime, send: Send | None) -> JobReport:
    """One round: purge expired state, then (with a ``send``) the due nudges and weekly summaries.

    Without ``send`` (no bot token) nothing is claimed, so the messages wait for a runner that can send.
    """
    report = JobReport()
    async with exclusive(app) as held:
        if not held:
            return report
        report.ran = True
        await purge_expired(app.engine, now)
        async with unit_of_work(app) as uow:
            await uow.session.execute(delete(SentNotice).where(SentNotice.sent_at < now - KEEP_SENT))
        if send is None:
            report.skipped.append("no bot token: nudges and summaries wait")
            return report
        sent = await _sent_keys(app, now - KEEP_SENT)
        nudged = await deliver(app, await freshness.due_nudges(app, now, sent), send, now)
        if nudged:
            await freshness.mark_nudged(app, {notice.business_id for notice in nudged}, now)
        summaries = await deliver(app, await freshness.due_summaries(app, now, sent), send, now)
        report.nudges, report.summaries = len(nudged), len(summaries)
    return report


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def run_regularly(
    app: App, stop: asyncio.Event, send: Send | None, clock: Clock = utc_now, every: float = JOB_SECONDS
) -> None:
    """Runs the jobs at start and every ``every`` seconds until ``stop`` is set; a failure is logged
    and tried again next round."""
    while not stop.is_set():
        try:
            report = await run_jobs(app, clock(), send)
            if report.nudges or report.summaries:
                log.info(report.line())
        except Exception as exc:
            log.warning("periodic jobs failed: %s: %s", type(exc).__name__, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
