"""The terminal chat: ``TerminalSession`` as scenario suites drive it, and ``concierge chat`` as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from concierge.app import open_app
from concierge.conversation import Conversation
from concierge.i18n import translator
from concierge.settings import Settings
from handlers.terminal import TerminalSession, parse_position, plain_text
from tests.test_conversation import CENTRE, seed_neighbourhood

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def session(sqlite_url: str) -> AsyncIterator[TerminalSession]:
    await seed_neighbourhood(sqlite_url)
    app = await open_app(Settings(database_url=sqlite_url, default_language="nl"))
    try:
        yield TerminalSession(Conversation(app), language_code="en")
    finally:
        await app.close()


def test_plain_text_strips_tags_and_unescapes() -> None:
    assert plain_text('<b>Bakker &amp; Zn</b> &lt;3 <a href="https://e.org">site</a>') == (
        "Bakker & Zn <3 <https://e.org> site"
    )


def test_parse_position() -> None:
    assert parse_position(" 52.09,5.11") == (52.09, 5.11)
    assert parse_position("-33.86; 151.2") == (-33.86, 151.2)
    for bad in ["", "abc", "52.09", "91,5", "52,181", "52.09,5.11,3"]:
        assert parse_position(bad) is None, bad


async def test_a_resident_asks_opens_a_story_and_shares(session: TerminalSession) -> None:
    app = session.conversation.app
    expected = app.search.ask("havermelk", near=CENTRE, lang_hint="en", limit=3)
    assert expected.results
    answer = await session.send("havermelk")
    assert "[1] 1. Story  [2] Map  [3] Share" in answer
    for result in expected.results:
        assert result.name in answer
    assert "&amp;" not in answer and "<i>" not in answer
    assert "Anna & Piet <b>bakken</b>" in answer, "owners' text shows as they typed it"

    story = await session.press(1)
    first = expected.results[0]
    assert story.startswith(("[Photo", first.name))
    assert "[1] Map" in story

    shared = await session.press("Share")
    assert shared.startswith("In another chat, Telegram would offer:")
    assert first.name in shared

    venue = await session.press("map")
    assert venue.startswith("📍")
    assert await session.press(99) == "There is no choice 99."


async def test_locations_and_commands(session: TerminalSession) -> None:
    t = translator("en")
    assert await session.send("/loc nowhere") == t(
        "That is not a position. Type /loc followed by latitude,longitude, for example /loc 52.09,5.11."
    )
    shared = await session.send("/loc 52.0912,5.1121")
    assert shared.startswith(t("Thanks! I will search around this spot for the next 24 hours."))
    near = await session.send("/near")
    assert "[1] Share my location" in near
    assert await session.send("1") == t(
        "Type /loc followed by latitude,longitude, for example /loc 52.09,5.11."
    )
    assert await session.send("/frobnicate@somebot now") == t(
        "I don't know that command. Type /help to see what I can do."
    )
    assert await session.send("   ") == ""
    language = await session.send("/language")
    assert "[3] Deutsch" in language
    assert await session.press("Deutsch") == "Gut, ab jetzt spreche ich Deutsch."
    assert await session.send("/loc 100,1") == translator("de")(
        "That is not a position. Type /loc followed by latitude,longitude, for example /loc 52.09,5.11."
    ), "the terminal's own texts follow the language choice"


def _chat(*args: str, stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONCIERGE_DEFAULT_LANGUAGE": "en"}
    env.pop("CONCIERGE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", "chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )


async def test_concierge_chat_answers_piped_questions_and_exits_at_eof(
    sqlite_url: str, tmp_path: Path
) -> None:
    await seed_neighbourhood(sqlite_url)
    done = _chat("--db", sqlite_url, "--lang", "en", stdin="havermelk\n1\n", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Test & Wijk" in done.stdout
    assert "Bakkerij <De Korenbloem> & Zn" in done.stdout
    assert "[1] 1. Story" in done.stdout
    assert "Traceback" not in done.stderr


def test_concierge_chat_refuses_an_unknown_language(tmp_path: Path) -> None:
    done = _chat("--lang", "xx", stdin="", tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "concierge chat: unknown language 'xx': use one of nl, en, de, fr"
    ]


async def test_edit_retypes_the_last_question_and_rewrites_its_answer(session: TerminalSession) -> None:
    assert await session.send("/edit oat milk") == "There is no question to edit yet."
    first = await session.send("where can I buy bread?")
    answer_id = session.message_of("Not what I meant")
    assert "Bakkerij" in first
    edited = await session.send("/edit where can I buy oat milk?")
    assert session.edited == [answer_id], "the answer to the question is edited, not sent again"
    assert "oat milk" in edited.casefold() or "havermelk" in edited
    assert session.message_of("Not what I meant") == answer_id
