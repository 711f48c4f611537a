"""The delivery contract (docs/delivery.md) under the faults an operator meets, with real processes.

Each test runs ``concierge serve`` or ``concierge run`` as its own process against the Bot API
emulator and injures it: a second process holding the SQLite lock for 8 s, kill -9 in a backlog, a
429 asking for more than 60 s, SIGTERM during a backlog (both runtimes, after a leftover webhook),
one person's command flood. Every question carries a unique word that the answer quotes ("I don't
know any business nearby for ..."), so each reply is traced to its question: the figures printed are
updates lost and answered twice under each fault, and replies out of order within a chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from concierge.app import open_app
from concierge.i18n import translator
from concierge.ratelimit import SLOW_DOWN
from concierge.settings import Settings
from tests.support.botapi_emulator import BotAPIEmulator, Call
from tests.support.worker_support import (
    Worker,
    known_chat,
    message_update,
    point_webhook,
    post_update,
    worker_env,
)

EN = translator("en")
FIRST_RESIDENT = 8_100_000


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


async def prepared(tmp_path: Path) -> str:
    """A SQLite file with the demo neighbourhood, loaded before any bot process starts."""
    url = f"sqlite+aiosqlite:///{tmp_path}/concierge.db"
    app = await open_app(Settings(_env_file=None, database_url=url), demo=True)  # type: ignore[call-arg]
    await app.close()
    return url


def word(chat: int, n: int) -> str:
    """A question nothing matches, quoted back in the answer: the answer names its question."""
    return f"qzx{chat}w{n}"


@dataclass
class Tally:
    lost: int
    duplicated: int
    out_of_order: int

    def line(self, fault: str) -> str:
        return f"{fault}: {self.lost} lost, {self.duplicated} answered twice, {self.out_of_order} chats out of order"


def tally(emulator: BotAPIEmulator, asked: dict[int, list[str]], since: int = 0) -> Tally:
    lost = duplicated = out_of_order = 0
    for chat, words in asked.items():
        texts = [
            str(c.params.get("text", ""))
            for c in emulator.calls_to("sendMessage", since)
            if c.ok and c.params.get("chat_id") == chat
        ]
        seen = [next((w for w in words if f"“{w}”" in text), None) for text in texts]
        answered = [w for w in seen if w is not None]
        lost += sum(1 for w in words if w not in answered)
        duplicated += len(answered) - len(set(answered))
        firsts = list(dict.fromkeys(answered))
        out_of_order += firsts != [w for w in words if w in firsts]
    return Tally(lost, duplicated, out_of_order)


async def all_answered(emulator: BotAPIEmulator, asked: dict[int, list[str]], within: float) -> None:
    """Until every question has an answer (or ``within`` passes), then a moment for any surplus."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within):
            while tally(emulator, asked).lost:  # noqa: ASYNC110 (the emulator's call log)
                await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)


def ask_all(emulator: BotAPIEmulator, chats: int, per_chat: int) -> dict[int, list[str]]:
    """``per_chat`` questions from each of ``chats`` residents, interleaved as they would arrive."""
    asked: dict[int, list[str]] = {FIRST_RESIDENT + c: [] for c in range(chats)}
    for n in range(per_chat):
        for chat, words in asked.items():
            words.append(word(chat, n))
            emulator.inject_message(chat, words[-1])
    return asked


def answered_count(emulator: BotAPIEmulator, asked: dict[int, list[str]]) -> int:
    words = {w for ws in asked.values() for w in ws}
    return sum(
        1
        for c in emulator.calls_to("sendMessage")
        if c.ok and any(f"“{w}”" in str(c.params.get("text", "")) for w in words)
    )


async def until_answered(emulator: BotAPIEmulator, asked: dict[int, list[str]], count: int) -> None:
    async with asyncio.timeout(60):
        while answered_count(emulator, asked) < count:  # noqa: ASYNC110 (the emulator's call log)
            await asyncio.sleep(0.02)


@contextlib.contextmanager
def bot_process(
    emulator: BotAPIEmulator, url: str, workdir: Path, command: tuple[str, ...] = ("serve",)
) -> Iterator[Worker]:
    worker = Worker(
        command[0] + "-" + "-".join(command[1:]), worker_env(emulator, url, None, "d:"), workdir, command
    )
    try:
        yield worker
    finally:
        worker.stop()


async def started(emulator: BotAPIEmulator, worker: Worker) -> None:
    """Starts ``worker`` and waits until it serves (``serve``) or polls (``run``: after deleteWebhook)."""
    since = emulator.mark()
    worker.start()
    if worker.command[0] == "serve":
        await worker.ready()
        await point_webhook(emulator, worker.url)
    else:
        await emulator.wait_for_call("deleteWebhook", within=90, since=since)


@contextlib.contextmanager
def sqlite_locked(path: str, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """A second process holding the database's write lock for ``seconds`` (as a big import would)."""
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('ROLLBACK')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, path, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=10)


async def test_sqlite_locked_8_seconds_by_another_process_loses_nothing(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    url = await prepared(tmp_path)
    with bot_process(emulator, url, tmp_path) as worker:
        await started(emulator, worker)
        with sqlite_locked(url.split("///", 1)[1], 8.0) as holder:
            asked = ask_all(emulator, chats=10, per_chat=3)
            await asyncio.to_thread(holder.wait, 30)
        await all_answered(emulator, asked, within=60)
        figures = tally(emulator, asked)
        print(figures.line("SQLite locked 8 s by another process, 30 updates"))
        log = worker.log.read_text()
        assert "not recorded" in log, "the webhook did refuse updates while locked"
        assert "qzx" not in log, "no question in the logs"
        # Order holds for what the inbox holds: an update Telegram delivers again after a 503 may
        # arrive after later ones of its chat, and is answered when it arrives.
        assert (figures.lost, figures.duplicated) == (0, 0)


async def test_kill_9_loses_nothing(emulator: BotAPIEmulator, tmp_path: Path) -> None:
    url = await prepared(tmp_path)
    with bot_process(emulator, url, tmp_path) as worker:
        # In a backlog: updates in every state (recorded, being handled, replies queued or on their way).
        await started(emulator, worker)
        asked = ask_all(emulator, chats=20, per_chat=4)
        await until_answered(emulator, asked, 15)
        worker.kill(signal.SIGKILL)
        assert await worker.exit_code() == -signal.SIGKILL
        await started(emulator, worker)
        await all_answered(emulator, asked, within=90)
        figures = tally(emulator, asked)
        print(figures.line("kill -9 after 15 of 80 answers, restarted"))
        assert figures.lost == 0 and figures.out_of_order == 0
        # A call Telegram took before the kill whose removal from the outbox had not been written yet
        # is sent again (Telegram has no idempotency key): at most one per chat, the one on its way.
        assert figures.duplicated <= len(asked)

        # One update whose reply Telegram has not taken yet (a 429): answered once after the kill.
        resident = FIRST_RESIDENT + 400
        known_chat(emulator, resident)
        since = emulator.mark()
        emulator.fail_next(1, 429, retry_after=30, methods={"sendMessage"})
        assert await post_update(worker, message_update(94_001, resident, word(resident, 0))) == 200
        await emulator.wait_for_call("sendMessage", lambda c: not c.ok, within=20, since=since)
        worker.kill(signal.SIGKILL)
        assert await worker.exit_code() == -signal.SIGKILL
        await started(emulator, worker)
        # This resident's answer: calls of the burst above taken over after their lease may come first.
        await emulator.wait_for_call(
            "sendMessage", lambda c: c.ok and c.params.get("chat_id") == resident, within=60, since=since
        )
        await asyncio.sleep(1)
        single = tally(emulator, {resident: [word(resident, 0)]}, since)
        print(single.line("kill -9 with one reply held by a 429, restarted"))
        assert single == Tally(0, 0, 0)


async def test_a_429_beyond_60_seconds_is_waited_out_and_answered_once(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    url = await prepared(tmp_path)
    with bot_process(emulator, url, tmp_path) as worker:
        await started(emulator, worker)
        resident = FIRST_RESIDENT + 500
        known_chat(emulator, resident)
        since = emulator.mark()
        emulator.fail_next(1, 429, retry_after=61, methods={"sendMessage"})
        update = message_update(95_001, resident, word(resident, 0))
        assert await post_update(worker, update) == 200
        refused = await emulator.wait_for_call("sendMessage", lambda c: not c.ok, within=20, since=since)
        for _ in range(3):  # Telegram delivering the update again, as it does when it doubts
            await asyncio.sleep(1)
            assert await post_update(worker, update) == 200
        answer = await emulator.wait_for_call("sendMessage", lambda c: c.ok, within=90, since=since)
        assert answer.at - refused.at >= 61
        await asyncio.sleep(2)
        figures = tally(emulator, {resident: [word(resident, 0)]}, since)
        print(figures.line("a reply held 61 s by 429, the update delivered 4 times"))
        assert figures == Tally(0, 0, 0)


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_a_reply_answered_late_by_telegram_is_sent_once(
    emulator: BotAPIEmulator, tmp_path: Path, runtime: str
) -> None:
    """Telegram took the message but its answer is slow: sending it again would show it twice (the Bot
    API has no idempotency key), so a runtime waits for the answer as long as Telegram may take."""
    url = await prepared(tmp_path)
    with bot_process(emulator, url, tmp_path, ("serve", "--runtime", runtime)) as worker:
        await started(emulator, worker)
        resident = FIRST_RESIDENT + 550
        known_chat(emulator, resident)
        since = emulator.mark()
        emulator.stall_next(1, 8.0, methods={"sendMessage"})
        assert await post_update(worker, message_update(95_501, resident, word(resident, 0))) == 200
        await emulator.wait_for_call("sendMessage", within=20, since=since)
        await asyncio.sleep(12)  # the stalled answer, and time for a second send if one were coming
        figures = tally(emulator, {resident: [word(resident, 0)]}, since)
        print(figures.line(f"{runtime}: a reply whose answer took 8 s"))
        assert figures == Tally(0, 0, 0)


async def test_sigterm_hands_back_a_held_reply_within_the_stop_grace(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    url = await prepared(tmp_path)
    with bot_process(emulator, url, tmp_path) as worker:
        await started(emulator, worker)
        resident = FIRST_RESIDENT + 600
        known_chat(emulator, resident)
        since = emulator.mark()
        emulator.fail_next(1, 429, retry_after=61, methods={"sendMessage"})
        assert await post_update(worker, message_update(96_001, resident, word(resident, 0))) == 200
        await emulator.wait_for_call("sendMessage", lambda c: not c.ok, within=20, since=since)
        stopping = time.monotonic()
        worker.kill(signal.SIGTERM)
        assert await worker.exit_code(within=70) == 0
        print(f"SIGTERM with a reply held by a 61 s 429: exited after {time.monotonic() - stopping:.1f} s")
        await started(emulator, worker)
        await emulator.wait_for_call("sendMessage", lambda c: c.ok, within=30, since=since)
        await asyncio.sleep(1)
        assert tally(emulator, {resident: [word(resident, 0)]}, since) == Tally(0, 0, 0)


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_sigterm_during_a_long_polling_backlog_loses_nothing_and_keeps_order(
    emulator: BotAPIEmulator, tmp_path: Path, runtime: str
) -> None:
    url = await prepared(tmp_path)
    # A webhook left from `concierge serve`: long polling must remove it, or getUpdates fails with 409.
    await point_webhook(emulator, "http://127.0.0.1:9")
    with bot_process(emulator, url, tmp_path, ("run", "--runtime", runtime)) as worker:
        await started(emulator, worker)
        assert not emulator.webhook
        asked = ask_all(emulator, chats=30, per_chat=4)
        await until_answered(emulator, asked, 20)
        stopping = time.monotonic()
        worker.kill(signal.SIGTERM)
        assert await worker.exit_code(within=70) == 0
        stopped_after = time.monotonic() - stopping
        await started(emulator, worker)
        await all_answered(emulator, asked, within=90)
        figures = tally(emulator, asked)
        print(
            figures.line(
                f"{runtime}: SIGTERM in a backlog of 120 (stopped in {stopped_after:.1f} s), restarted"
            )
        )
        assert figures == Tally(0, 0, 0)


async def test_one_persons_command_flood_gets_one_notice_and_others_are_answered(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    url = await prepared(tmp_path)
    with bot_process(emulator, url, tmp_path) as worker:
        worker.env["CONCIERGE_UPDATE_LIMIT"] = "40"
        await started(emulator, worker)
        flooder = FIRST_RESIDENT + 900
        since = emulator.mark()
        for _ in range(200):
            emulator.inject_message(flooder, "/help")
        residents = {FIRST_RESIDENT + 700 + n: [word(FIRST_RESIDENT + 700 + n, 0)] for n in range(30)}
        asked_at = {}
        for chat, (question,) in residents.items():
            emulator.inject_message(chat, question)
            asked_at[chat] = time.monotonic()
            await asyncio.sleep(0.02)
        await all_answered(emulator, residents, within=60)
        assert tally(emulator, residents, since) == Tally(0, 0, 0)
        waits = sorted(
            next(c.at for c in emulator.calls_to("sendMessage", since) if c.params.get("chat_id") == chat)
            - asked_at[chat]
            for chat in residents
        )

        def flooder_messages() -> list[Call]:
            return [c for c in emulator.calls_to("sendMessage", since) if c.params["chat_id"] == flooder]

        async with asyncio.timeout(60):
            while len(flooder_messages()) < 41:  # noqa: ASYNC110 (the emulator's call log)
                await asyncio.sleep(0.1)
        await asyncio.sleep(2)
        to_flooder = flooder_messages()
        notices = [c for c in to_flooder if EN(SLOW_DOWN) in str(c.params.get("text", ""))]
        print(
            f"200 /help from one person, 30 others asking: others waited p50 {waits[len(waits) // 2]:.2f} s,"
            f" max (p99 of 30) {waits[-1]:.2f} s; the flooder got {len(to_flooder)} messages"
        )
        assert len(notices) == 1
        assert len(to_flooder) == 41, "40 answers, one notice, then silence"
