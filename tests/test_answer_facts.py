"""What an answer says about time and words: the true next opening (monthly rules too), temporary
closures, the reader's language in "why", and `concierge ask --at` / a batch line's "at".

Every moment is passed in (a frozen clock); expected values are written out here by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.search_support import CENTRE, service, shop

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=AMSTERDAM)


REPAIR_CAFE = shop(
    "repaircafe",
    ("craft=repair",),
    200,
    products=("fietsreparatie",),
    hours="We[3] 19:00-21:30",
    name="Reparatiecafé",
)


@pytest.mark.parametrize(
    ("asked", "opens_at", "words"),
    [
        # Sunday 6 December 2026: the third Wednesday is the 16th, not the coming Wednesday (the 9th).
        (local(2026, 12, 6, 13, 0), "2026-12-16T19:00:00+01:00", "opens on 16 December at 19:00"),
        (local(2026, 12, 13, 13, 0), "2026-12-16T19:00:00+01:00", "opens Wednesday at 19:00"),
        (local(2026, 12, 15, 13, 0), "2026-12-16T19:00:00+01:00", "opens tomorrow at 19:00"),
        (local(2026, 12, 16, 10, 0), "2026-12-16T19:00:00+01:00", "opens today at 19:00"),
        # After the evening of the 16th: the third Wednesday of January (the 20th).
        (local(2026, 12, 16, 22, 0), "2027-01-20T19:00:00+01:00", "opens on 20 January at 19:00"),
    ],
)
def test_monthly_hours_give_the_true_next_opening(asked: dt.datetime, opens_at: str, words: str) -> None:
    search = service(REPAIR_CAFE)
    result = search.ask("fietsreparatie", near=CENTRE, lang_hint="en", now=asked).results[0]
    assert result.open_now is False
    assert result.to_json()["opens_at"] == opens_at
    assert result.opening == words


def test_open_now_has_no_next_opening() -> None:
    search = service(REPAIR_CAFE)
    result = search.ask(
        "fietsreparatie", near=CENTRE, lang_hint="nl", now=local(2026, 12, 16, 20, 0)
    ).results[0]
    assert result.open_now is True
    assert result.to_json()["opens_at"] is None
    assert result.opening == "nu open"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", "opent morgen om 19:00"),
        ("de", "öffnet morgen um 19:00"),
        ("fr", "ouvre demain à 19:00"),
    ],
)
def test_the_next_opening_is_said_in_the_readers_language(lang: str, words: str) -> None:
    search = service(REPAIR_CAFE)
    result = search.ask("fietsreparatie", near=CENTRE, lang_hint=lang, now=local(2026, 12, 15, 9, 0)).results[
        0
    ]
    assert result.opening == words


CLOSED_BAKERY = shop(
    "bakkerij-dicht",
    ("shop=bakery",),
    150,
    products=("croissants",),
    hours="Mo-Fr 09:00-17:00",
    closed_from=dt.date(2026, 12, 1),
    closed_until=dt.date(2027, 1, 5),
)


@pytest.mark.parametrize("day", [dt.date(2026, 12, 1), dt.date(2026, 12, 24), dt.date(2027, 1, 5)])
def test_a_temporary_closure_is_said_on_every_day_inside_it(day: dt.date) -> None:
    search = service(CLOSED_BAKERY)
    asked = dt.datetime.combine(day, dt.time(11, 0), AMSTERDAM)
    result = search.ask("croissants", near=CENTRE, lang_hint="en", now=asked).results[0]
    data = result.to_json()
    assert data["open_now"] is False
    assert data["closed_until"] == "2027-01-05"
    assert data["opens_at"] == "2027-01-06T09:00:00+01:00"
    assert result.opening == "closed until 5 January"


def test_a_closure_that_is_over_or_ahead_does_not_apply() -> None:
    search = service(CLOSED_BAKERY)
    before = search.ask("croissants", near=CENTRE, lang_hint="en", now=local(2026, 11, 30, 11, 0)).results[0]
    after = search.ask("croissants", near=CENTRE, lang_hint="en", now=local(2027, 1, 6, 11, 0)).results[0]
    assert before.open_now is True and before.to_json()["closed_until"] is None
    assert after.open_now is True and after.to_json()["closed_until"] is None


def test_why_names_the_concept_in_the_readers_language_with_the_shops_own_word() -> None:
    search = service(
        shop(
            "natuurwinkel",
            ("shop=health_food",),
            300,
            products=("haverdrink",),
            story="Sinds 1990.",
            story_language="nl",
        )
    )
    now = local(2026, 12, 7, 11, 0)
    english = search.ask("where can I buy oat milk?", near=CENTRE, lang_hint="en", now=now)
    assert english.language == "en"
    assert english.results[0].why == "Sells oat milk (haverdrink)"
    german = search.ask("Hafermilch", near=CENTRE, lang_hint="de", now=now)
    assert german.results[0].why == "Verkauft Hafermilch (haverdrink)"
    data = english.to_json()["results"][0]
    assert data["matched"] == ["haverdrink"]
    assert data["story"] == "Sinds 1990." and data["story_lang"] == "nl"
    assert data["chain"] is False and data["independent"] is True


def test_why_keeps_the_shops_word_alone_when_it_already_says_it() -> None:
    search = service(shop("natuurwinkel", ("shop=health_food",), 300, products=("biologische havermelk",)))
    answer = search.ask("havermelk", near=CENTRE, lang_hint="nl", now=local(2026, 12, 7, 11, 0))
    assert answer.results[0].why == "Verkoopt biologische havermelk"


# `concierge ask --at` and a batch line's "at", through the console command on a real SQLite file.

CATALOGUE = {
    "area": {
        "name": "Testwijk",
        "city": "Utrecht",
        "center": list(CENTRE),
        "radius_m": 1500,
        "country": "NL",
        "languages": ["nl"],
    },
    "businesses": [
        {
            "id": "repaircafe",
            "name": "Reparatiecafé De Werkbank",
            "categories": ["craft=repair"],
            "lat": CENTRE[0] + 0.001,
            "lon": CENTRE[1],
            "opening_hours": "We[3] 19:00-21:30",
            "services": ["fietsreparatie"],
        },
        {
            "id": "bakkerij-dicht",
            "name": "Bakkerij Dicht",
            "categories": ["shop=bakery"],
            "lat": CENTRE[0] - 0.001,
            "lon": CENTRE[1],
            "opening_hours": "Mo-Fr 09:00-17:00",
            "products": ["croissants"],
            "closed_from": "2026-12-01",
            "closed_until": "2027-01-05",
        },
    ],
}


def concierge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args], capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("at")
    path = folder / "catalogue.json"
    path.write_text(json.dumps(CATALOGUE), encoding="utf-8")
    url = f"sqlite:///{folder}/at.db"
    done = concierge("import", str(path), "--format", "catalogue", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


def test_ask_at_answers_as_at_that_moment(db: str) -> None:
    done = concierge("ask", "fietsreparatie", "--at", "2026-12-15T10:00:00+01:00", "--json", "--db", db)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    assert result["id"] == "repaircafe"
    assert result["open_now"] is False
    assert result["opens_at"] == "2026-12-16T19:00:00+01:00"
    # Without an offset the moment is the area's local time: 20:00 on the 16th is inside the session.
    done = concierge("ask", "fietsreparatie", "--at", "2026-12-16T20:00", "--json", "--db", db)
    assert json.loads(done.stdout)["results"][0]["open_now"] is True


def test_ask_at_text_says_tomorrow_and_the_closure(db: str) -> None:
    done = concierge("ask", "fietsreparatie", "--at", "2026-12-15T10:00+01:00", "--lang", "en", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "opens tomorrow at 19:00" in done.stdout
    done = concierge("ask", "croissants", "--at", "2026-12-24T10:00+01:00", "--lang", "nl", "--db", db)
    assert "gesloten tot en met 5 januari" in done.stdout


def test_batch_lines_carry_their_own_moment(db: str, tmp_path: Path) -> None:
    lines = [
        {"q": "croissants", "at": "2026-12-24T10:00:00+01:00"},
        {"q": "croissants", "at": "2027-01-06T10:00:00+01:00"},
        {"q": "croissants", "at": "next tuesday"},
        {"q": "croissants", "at": 1765000000},
        {"q": "croissants", "at": "0001-01-01T00:00:00"},
    ]
    batch = tmp_path / "at.jsonl"
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    done = concierge("ask", "--batch", str(batch), "--db", db)
    assert done.returncode == 2
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 5
    assert out[0]["results"][0]["closed_until"] == "2027-01-05"
    assert out[1]["results"][0]["open_now"] is True and out[1]["results"][0]["closed_until"] is None
    assert all("error" in line and line["error"].startswith('"at"') for line in out[2:])
    assert [line["line"] for line in out[2:]] == [3, 4, 5]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T10:00", "99999-01-01", ""])
def test_a_bad_moment_is_one_line_on_stderr(db: str, value: str) -> None:
    done = concierge("ask", "croissants", "--at", value, "--db", db)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert "--at" in done.stderr and "Traceback" not in done.stderr


# The conversation core (what both Telegram runtimes and the terminal render), with a frozen clock.


async def _conversation(db: str, now: dt.datetime):  # type: ignore[no-untyped-def]
    from concierge.app import open_app
    from concierge.conversation import Conversation
    from concierge.settings import Settings

    app = await open_app(Settings(database_url=db.replace("sqlite:", "sqlite+aiosqlite:")))
    return app, Conversation(app, clock=lambda: now)


async def test_chat_says_tomorrow_and_the_story_card_says_hours_in_words(db: str) -> None:
    from concierge.deeplinks import short_ref
    from concierge.events import Event, SendText

    app, conversation = await _conversation(db, local(2026, 12, 15, 10, 0))
    try:
        replies = await conversation.handle(
            Event("text", user_id=3, chat_id=3, language_code="de", text="Fahrradreparatur")
        )
        listing = next(r for r in replies if isinstance(r, SendText))
        assert "Reparatiecafé De Werkbank" in listing.html and "öffnet morgen um 19:00" in listing.html
        card = await conversation.handle(
            Event("button", user_id=3, chat_id=3, language_code="de", text=f"s:{short_ref('repaircafe')}")
        )
        story = next(r for r in card if isinstance(r, SendText))
        assert "dritter Mittwoch im Monat 19:00–21:30" in story.html
        assert "We[3]" not in story.html
    finally:
        await app.close()


@pytest.mark.parametrize("day", [dt.date(2026, 12, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 5)])
async def test_the_story_card_says_a_closure_on_any_day_inside_it(db: str, day: dt.date) -> None:
    from concierge.deeplinks import short_ref
    from concierge.events import Event, SendText

    app, conversation = await _conversation(db, dt.datetime.combine(day, dt.time(9, 0), AMSTERDAM))
    try:
        card = await conversation.handle(
            Event("button", user_id=4, chat_id=4, language_code="en", text=f"s:{short_ref('bakkerij-dicht')}")
        )
        story = next(r for r in card if isinstance(r, SendText))
        assert "<b>Closed until 5 January</b>" in story.html
        assert "Mon–Fri 9:00–17:00" in story.html
    finally:
        await app.close()
