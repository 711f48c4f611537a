"""The periodic jobs send each nudge and weekly summary exactly once, whatever the number of runners.

Two ``concierge jobs run --once --at ...`` processes (one on aiogram, one on python-telegram-bot) run at
the same time on one PostgreSQL database and send through the Bot API emulator; a third run later (a
restart) sends nothing again. In process, on SQLite: two rounds at once, quiet hours, empty weeks, and
the chart's title, values and alt text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update

from catalog import ownership
from catalog.models import Business, DailyCount, SentNotice
from concierge import jobs
from concierge.app import App, open_app
from concierge.i18n import translator
from concierge.owners import freshness
from concierge.settings import Settings
from handlers.cli.run import open_runtime
from tests.botapi_emulator import BotAPIEmulator, Call
from tests.worker_support import concierge_command, known_chat

OWNER = 7_200_001
BAKERY = "bakkerij-de-gouden-korst"
MONDAY = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
"""10:30 in Amsterdam, on the Monday after the week of 16 to 22 November 2026."""
SHOWN = (5, 0, 7, 2, 0, 1, 4)
EN = translator("en")


def settings_for(database_url: str, emulator: BotAPIEmulator | None = None) -> Settings:
    extra = {"bot_token": emulator.token, "telegram_api_url": emulator.url} if emulator else {}
    return Settings(_env_file=None, database_url=database_url, **extra)  # type: ignore[call-arg]


async def prepare(database_url: str, lang: str = "en") -> None:
    """The demo neighbourhood; the bakery has an owner, was confirmed 100 days ago and was shown last week."""
    app = await open_app(settings_for(database_url), demo=True)
    try:
        async with app.sessions.begin() as session:
            await ownership.add_role(session, BAKERY, OWNER, "owner", lang)
            await session.execute(
                update(Business)
                .where(Business.id == BAKERY)
                .values(confirmed_at=MONDAY - dt.timedelta(days=100), nudged_at=None)
            )
            sunday = dt.date(2026, 11, 22)
            for offset, shown in enumerate(SHOWN):
                day = sunday - dt.timedelta(days=6 - offset)
                session.add(DailyCount(subject=f"business:{BAKERY}", day=day, kind="shown", count=shown))
            session.add(DailyCount(subject=f"business:{BAKERY}", day=sunday, kind="opened", count=3))
    finally:
        await app.close()


def to_owner(emulator: BotAPIEmulator, method: str) -> list[Call]:
    return [c for c in emulator.calls_to(method) if c.params.get("chat_id") == OWNER and c.ok]


async def jobs_process(emulator: BotAPIEmulator, database_url: str, runtime: str, at: dt.datetime) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONCIERGE_")}
    env.update(
        CONCIERGE_DATABASE_URL=database_url,
        CONCIERGE_BOT_TOKEN=emulator.token,
        CONCIERGE_TELEGRAM_API_URL=emulator.url,
        CONCIERGE_RUNTIME=runtime,
        CONCIERGE_ADMIN_IDS="900",
    )
    process = await asyncio.create_subprocess_exec(
        *concierge_command(),
        "jobs",
        "run",
        "--once",
        "--at",
        at.isoformat(),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_two_runners_on_postgresql_send_each_notice_once(postgres_url: str) -> None:
    await prepare(postgres_url)
    async with BotAPIEmulator() as emulator:
        known_chat(emulator, OWNER)
        outputs = await asyncio.gather(
            jobs_process(emulator, postgres_url, "aiogram", MONDAY),
            jobs_process(emulator, postgres_url, "ptb", MONDAY),
        )
        texts = [c.params["text"] for c in to_owner(emulator, "sendMessage")]
        assert len(texts) == 2, (texts, outputs)
        assert sum("still right" in text for text in texts) == 1, "one nudge"
        assert sum("was shown 19 times, opened 3 times" in text for text in texts) == 1, "one summary"
        [chart] = to_owner(emulator, "sendDocument")
        assert "Mon 5, Tue 0, Wed 7, Thu 2, Fri 0, Sat 1, Sun 4" in chart.params["caption"], "alt text"
        assert any("sent 1 nudges and 1 weekly summaries" in out for out in outputs), outputs

        restart = await jobs_process(emulator, postgres_url, "aiogram", MONDAY + dt.timedelta(hours=1))
        assert "sent 0 nudges and 0 weekly summaries" in restart
        assert len(to_owner(emulator, "sendMessage")) == 2 and len(to_owner(emulator, "sendDocument")) == 1

    app = await open_app(settings_for(postgres_url), migrate=False)
    try:
        async with app.sessions() as session:
            kinds = sorted(n.kind for n in await session.scalars(select(SentNotice)))
        assert kinds == ["nudge", "summary"]
    finally:
        await app.close()


@pytest.fixture
async def emulated_app(tmp_path: Path) -> AsyncIterator[tuple[App, BotAPIEmulator]]:
    url = f"sqlite+aiosqlite:///{tmp_path}/jobs.db"
    await prepare(url)
    async with BotAPIEmulator() as emulator:
        known_chat(emulator, OWNER)
        app = await open_app(settings_for(url, emulator), migrate=False)
        try:
            yield app, emulator
        finally:
            await app.close()


async def test_two_rounds_at_once_in_one_process_send_once(emulated_app: tuple[App, BotAPIEmulator]) -> None:
    app, emulator = emulated_app
    runtime = open_runtime(app, "aiogram")
    try:
        first, second = await asyncio.gather(
            jobs.run_jobs(app, MONDAY, runtime.notify), jobs.run_jobs(app, MONDAY, runtime.notify)
        )
        assert sorted([first.ran, second.ran]) == [False, True], "the second round found the lock taken"
        assert len(to_owner(emulator, "sendMessage")) == 2 and len(to_owner(emulator, "sendDocument")) == 1
        later = await jobs.run_jobs(app, MONDAY + dt.timedelta(days=2), runtime.notify)
        assert (later.ran, later.nudges, later.summaries) == (True, 0, 0)
        assert len(to_owner(emulator, "sendMessage")) == 2
        next_week = await jobs.run_jobs(app, MONDAY + dt.timedelta(days=7), runtime.notify)
        assert next_week.summaries == 0, "a week without any count is skipped"
    finally:
        await runtime.close()


async def test_nothing_is_sent_at_night_and_without_a_token(emulated_app: tuple[App, BotAPIEmulator]) -> None:
    app, emulator = emulated_app
    night = dt.datetime(2026, 11, 23, 22, 30, tzinfo=dt.UTC)  # 23:30 in Amsterdam
    runtime = open_runtime(app, "ptb")
    try:
        await runtime.start()
        report = await jobs.run_jobs(app, night, runtime.notify)
        assert report.ran and (report.nudges, report.summaries) == (0, 0)
        without_token = await jobs.run_jobs(app, MONDAY, None)
        assert without_token.ran and without_token.skipped
        assert to_owner(emulator, "sendMessage") == []
        morning = await jobs.run_jobs(app, night + dt.timedelta(hours=10), runtime.notify)
        assert (morning.nudges, morning.summaries) == (1, 1), "what waited goes out in the daytime"
    finally:
        await runtime.close()


async def test_summary_week_and_chart() -> None:
    amsterdam = freshness._zone("Europe/Amsterdam")
    assert freshness.summary_week(MONDAY, amsterdam) == dt.date(2026, 11, 22)
    early_monday = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # 07:00 local, before 09:00
    assert freshness.summary_week(early_monday, amsterdam) == dt.date(2026, 11, 15)
    assert freshness.week_period(dt.date(2026, 11, 22)) == "2026-W47"
    counts = {kind: [0] * 7 for kind in freshness.KINDS}
    counts["shown"] = list(SHOWN)
    png = freshness.chart_png(counts, dt.date(2026, 11, 22), "nl", "Bakkerij De Gouden Korst")
    image = Image.open(io.BytesIO(png))
    assert image.size == freshness.CHART_SIZE
    dark = sum(image.crop((0, 0, image.size[0], 34)).convert("L").histogram()[:70])
    assert dark > 200, "a title is written at the top"
    alt = freshness.chart_alt_text(counts, dt.date(2026, 11, 22), "nl", "Bakkerij De Gouden Korst")
    assert alt.startswith("Grafiek van Bakkerij De Gouden Korst, 16–22 nov 2026")
    assert "ma 5, di 0, wo 7, do 2, vr 0, za 1, zo 4" in alt


async def test_a_worker_sends_due_notices_by_itself(emulated_app: tuple[App, BotAPIEmulator]) -> None:
    """What ``serve`` and ``run`` start beside their runtime (handlers.workers.Services)."""
    from handlers.workers import Services

    app, emulator = emulated_app
    runtime = open_runtime(app, "aiogram")
    services = Services(app, runtime.notify, clock=lambda: MONDAY)
    try:
        await emulator.wait_for_call("sendDocument", lambda c: c.params.get("chat_id") == OWNER, within=30)
        assert len(to_owner(emulator, "sendMessage")) == 2
    finally:
        await services.stop()
        await runtime.close()


async def test_a_redis_lock_lets_one_of_two_runners_send(
    emulated_app: tuple[App, BotAPIEmulator], redis_url: str
) -> None:
    from concierge.redis_state import open_redis

    app, emulator = emulated_app
    app.redis = open_redis(redis_url)
    app.settings = app.settings.model_copy(update={"redis_prefix": f"test-jobs-{os.getpid()}-{id(app)}:"})
    runtime = open_runtime(app, "aiogram")
    try:
        async with jobs.exclusive(app) as first, jobs.exclusive(app) as second:
            assert (first, second) == (True, False)
        async with jobs.exclusive(app) as again:
            assert again, "released after the run"
        reports = await asyncio.gather(*(jobs.run_jobs(app, MONDAY, runtime.notify) for _ in range(2)))
        assert sorted(r.ran for r in reports) == [False, True]
        assert len(to_owner(emulator, "sendMessage")) == 2
    finally:
        await runtime.close()
