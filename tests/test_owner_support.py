"""A person chatting with the conversation core directly (no runtime), for the owner and moderation tests,
and the fixtures they share: a copy of the demo neighbourhood per test, with moderator 900."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from concierge.app import App, open_app
from concierge.events import AnswerCallback, Button, Event, Notify, Reply, SendDocument, SendPhoto, SendText
from concierge.routing import Conversation
from concierge.settings import Settings
from tests.callback_support import assert_routable

MODERATOR = 900
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)


def owner_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        admin_ids=frozenset({MODERATOR}),
        geocoder="offline",
        bot_username="concierge_test_bot",
        public_url="https://buurt.example",
        update_limit=1000,  # these owners click through whole flows many times a minute
    )


@pytest.fixture(scope="session")
def owner_demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("owner-demo") / "demo.db"

    async def build() -> None:
        app = await open_app(owner_settings(f"sqlite+aiosqlite:///{path}"), demo=True)
        await app.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def app(owner_demo_database: Path, tmp_path: Path) -> AsyncIterator[App]:
    database = tmp_path / "concierge.db"
    shutil.copy(owner_demo_database, database)
    opened = await open_app(owner_settings(f"sqlite+aiosqlite:///{database}"), migrate=False)
    try:
        yield opened
    finally:
        await opened.close()


def plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


class Chat:
    """One person; ``send``/``press``/``cmd`` return the replies; ``text`` reads them as plain text."""

    def __init__(self, conversation: Conversation, user_id: int, lang: str = "en") -> None:
        self.conversation = conversation
        self.user_id = user_id
        self.lang = lang
        self.buttons: list[Button] = []
        self.last: list[Reply] = []
        self.message_id = 0

    async def _run(self, kind: str, **fields: object) -> list[Reply]:
        self.message_id += 1
        event = Event(
            kind,  # type: ignore[arg-type]
            user_id=self.user_id,
            chat_id=self.user_id,
            language_code=self.lang,
            message_id=self.message_id,
            **fields,  # type: ignore[arg-type]
        )
        replies = await self.conversation.handle(event)
        assert_routable(replies)
        own = [r for r in replies if not isinstance(r, Notify)]
        shown = [b for r in own if isinstance(r, SendText | SendPhoto) for row in r.buttons for b in row]
        if shown:
            self.buttons = shown
        self.last = replies
        return replies

    async def send(self, text: str) -> list[Reply]:
        return await self._run("text", text=text)

    async def cmd(self, command: str, args: str = "") -> list[Reply]:
        return await self._run("command", command=command, text=args)

    async def location(self, lat: float, lon: float) -> list[Reply]:
        return await self._run("location", lat=lat, lon=lon)

    async def photo(self, ref: str) -> list[Reply]:
        return await self._run("photo", photo_ref=ref)

    async def data(self, data: str) -> list[Reply]:
        return await self._run("button", text=data, callback_id=str(self.message_id))

    async def press(self, choice: int | str) -> list[Reply]:
        if isinstance(choice, int):
            button = self.buttons[choice - 1]
        else:
            found = [b for b in self.buttons if b.text.casefold() == choice.casefold() and b.data]
            assert found, f"no button {choice!r} among {self.labels()}"
            button = found[0]
        assert button.data is not None
        return await self.data(button.data)

    def labels(self) -> list[str]:
        return [b.text for b in self.buttons]

    @staticmethod
    def text(replies: list[Reply]) -> str:
        parts = []
        for reply in replies:
            if isinstance(reply, SendText):
                parts.append(plain(reply.html))
            elif isinstance(reply, SendPhoto):
                parts.append(plain(reply.caption_html))
            elif isinstance(reply, AnswerCallback) and reply.text:
                parts.append(f"({reply.text})")
            elif isinstance(reply, SendDocument):
                parts.append(f"[{reply.filename}]")
        return "\n".join(parts)

    def said(self) -> str:
        return self.text([r for r in self.last if not isinstance(r, Notify)])

    def notes_to(self, user_id: int) -> list[Reply]:
        return [r.reply for r in self.last if isinstance(r, Notify) and r.chat_id == user_id]


def test_plain_reads_escaped_html() -> None:
    assert plain("<b>A &amp; B</b>") == "A & B"
