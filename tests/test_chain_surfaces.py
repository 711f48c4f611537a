"""One chain rule on every surface of the core: chat, inline, terminal, the public API and `concierge ask`.

The rule (README, "How a question is answered"): a chain comes only after every independent that
answers, so the short list of three holds a chain only when fewer than three independents fit, and
"More" continues with chains only once the independents run out; a chain is always labelled in the
reader's language. Shops sit in different distance bands so the order is fixed by the rule alone.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from concierge.app import App, open_app
from concierge.conversation import Conversation
from concierge.events import AnswerInline, Event, SendText
from concierge.settings import Settings
from handlers.terminal import TerminalSession
from handlers.web import TokenBucket, create_web_app

CENTRE = (52.0900, 5.1200)
NOW = dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC)
METRE = 1 / 110_574


def _shop(id: str, name: str, north_m: float, independent: bool) -> dict[str, Any]:
    return {
        "id": id,
        "name": name,
        "categories": ["shop=health_food"],
        "lat": CENTRE[0] + north_m * METRE,
        "lon": CENTRE[1],
        "products": ["havermelk"],
        "independent": independent,
    }


# Nearest first is a chain: the rule, not distance, puts it after both independents.
SHOPS = [
    _shop("ketenwinkel-noord", "Natuurketen Noord", 60, False),
    _shop("de-groene-winkel", "De Groene Winkel", 300, True),
    _shop("ketenwinkel-zuid", "Natuurketen Zuid", 650, False),
    _shop("zuivelhuis", "Het Zuivelhuis", 1000, True),
]
ORDER = ["De Groene Winkel", "Het Zuivelhuis", "Natuurketen Noord", "Natuurketen Zuid"]
LABEL = {"en": "(chain store)", "nl": "(ketenwinkel)"}


def concierge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args], capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def catalogue_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("chains")
    path = folder / "catalogue.json"
    area = {"name": "Testwijk", "city": "Utrecht", "center": list(CENTRE), "radius_m": 1500, "country": "NL"}
    path.write_text(json.dumps({"area": area, "businesses": SHOPS}), encoding="utf-8")
    url = f"sqlite:///{folder}/chains.db"
    done = concierge("import", str(path), "--format", "catalogue", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


@pytest.fixture
async def app(catalogue_db: str) -> AsyncIterator[App]:
    opened = await open_app(Settings(database_url=catalogue_db.replace("sqlite:", "sqlite+aiosqlite:")))
    try:
        yield opened
    finally:
        await opened.close()


def in_order(text: str, names: list[str]) -> bool:
    positions = [text.find(name) for name in names]
    return all(p >= 0 for p in positions) and positions == sorted(positions)


def labelled(line: str, lang: str) -> bool:
    return LABEL[lang] in line


def test_ask_text_and_json(catalogue_db: str) -> None:
    args = ("--near", f"{CENTRE[0]},{CENTRE[1]}", "--at", NOW.isoformat(), "--db", catalogue_db)
    text = concierge("ask", "havermelk", "--lang", "en", "--limit", "5", *args)
    assert text.returncode == 0, text.stderr
    heads = [line for line in text.stdout.splitlines() if line[:1].isdigit()]
    assert [h.split(". ", 1)[1].split(" (")[0].split(" · ")[0] for h in heads] == ORDER
    assert [labelled(h, "en") for h in heads] == [False, False, True, True]
    data = json.loads(concierge("ask", "havermelk", "--json", "--limit", "5", *args).stdout)
    assert [r["name"] for r in data["results"]] == ORDER
    assert [r["chain"] for r in data["results"]] == [False, False, True, True]
    assert [r["independent"] for r in data["results"]] == [True, True, False, False]


async def test_public_api(app: App) -> None:
    server = TestServer(create_web_app(app, limiter=TokenBucket(1000, 1000)), host="127.0.0.1")
    async with TestClient(server) as client:
        response = await client.get(f"/api/v1/search?q=havermelk&lat={CENTRE[0]}&lon={CENTRE[1]}&limit=5")
        assert response.status == 200
        data = await response.json()
    assert [r["name"] for r in data["results"]] == ORDER
    assert [r["chain"] for r in data["results"]] == [False, False, True, True]


async def test_chat_inline_and_terminal(app: App) -> None:
    conversation = Conversation(app, clock=lambda: NOW)
    await conversation.handle(
        Event("location", user_id=7, chat_id=7, language_code="nl", lat=CENTRE[0], lon=CENTRE[1])
    )
    replies = await conversation.handle(
        Event("text", user_id=7, chat_id=7, language_code="nl", text="havermelk")
    )
    chat = next(r for r in replies if isinstance(r, SendText) and "<b>1." in r.html)
    lines = [line for line in chat.html.splitlines() if line.startswith("<b>")]
    assert in_order(chat.html, ORDER[:3]) and ORDER[3] not in chat.html, "the short list holds three"
    assert [labelled(line, "nl") for line in lines] == [False, False, True]

    inline = await conversation.handle(
        Event("inline_query", user_id=7, chat_id=7, language_code="nl", text="havermelk", chat_type="inline")
    )
    offered = next(r for r in inline if isinstance(r, AnswerInline)).results
    assert [r.title.split(" (")[0] for r in offered] == ORDER
    assert [labelled(r.title, "nl") for r in offered] == [False, False, True, True]

    terminal = TerminalSession(conversation, language_code="en", user_id=8)
    await terminal.share_location(*CENTRE)
    shown = await terminal.send("oat milk")
    heads = [line for line in shown.splitlines() if line[:2] in {"1.", "2.", "3."}]
    assert [h.split(". ", 1)[1].split(" (")[0].split(" · ")[0] for h in heads] == ORDER[:3]
    assert [labelled(h, "en") for h in heads] == [False, False, True]
    more = await terminal.press("More")
    heads = [line for line in more.splitlines() if line[:2] in {"1.", "2.", "3.", "4."}]
    assert [labelled(h, "en") for h in heads] == [False, False, True, True]
    assert in_order(more, ORDER)


async def test_three_independents_keep_chains_out_of_the_short_list(tmp_path: Any) -> None:
    shops = [*SHOPS, _shop("biowinkel", "Biowinkel Om De Hoek", 1200, True)]
    path = tmp_path / "catalogue.json"
    area = {"name": "Testwijk", "city": "Utrecht", "center": list(CENTRE), "radius_m": 1500, "country": "NL"}
    path.write_text(json.dumps({"area": area, "businesses": shops}), encoding="utf-8")
    url = f"sqlite:///{tmp_path}/three.db"
    assert concierge("import", str(path), "--format", "catalogue", "--db", url).returncode == 0
    args = ("--near", f"{CENTRE[0]},{CENTRE[1]}", "--at", NOW.isoformat(), "--db", url, "--json")
    short = json.loads(concierge("ask", "havermelk", *args).stdout)["results"]
    assert [r["chain"] for r in short] == [False, False, False]
    longer = json.loads(concierge("ask", "havermelk", "--limit", "5", *args).stdout)["results"]
    assert [r["chain"] for r in longer] == [False, False, False, True, True]


def test_an_independent_that_only_may_have_it_comes_after_a_chain_that_has_it() -> None:
    from tests.search_support import service, shop

    search = service(
        shop("buurtsuper", ("shop=supermarket",), 50),
        shop("bakker-bart", ("shop=bakery",), 400, independent=False, name="Bakker Bart Lindenlaan"),
        shop("warme-bakker", ("shop=bakery",), 900),
    )
    answer = search.ask("brood", near=CENTRE, lang_hint="nl", now=NOW)
    assert [r.id for r in answer.results] == ["warme-bakker", "bakker-bart", "buurtsuper"]
    assert [r.chain for r in answer.results] == [False, True, False]
    assert answer.results[2].why == "Supermarkt · heeft misschien brood"
