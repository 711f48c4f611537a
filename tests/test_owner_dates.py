"""Closure and special-day dates typed in four languages (dateparser), with a frozen "today", and the
owner's card showing them in words; a resident asking during the closure is told it is closed."""

from __future__ import annotations

import datetime as dt

import pytest

from concierge.app import App
from concierge.deeplinks import short_ref
from concierge.owners import checks, dates
from concierge.routing import Conversation
from tests.test_owner_editing import BAKERY, OWNER, give, listing
from tests.test_owner_support import Chat

pytest_plugins = ["tests.test_owner_support"]

TODAY = dt.date(2026, 12, 6)
CHRISTMAS = (dt.date(2026, 12, 24), dt.date(2027, 1, 2))


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("dicht van 24 december t/m 2 januari", "nl", CHRISTMAS),
        ("closed 24 Dec to 2 Jan", "en", CHRISTMAS),
        ("geschlossen vom 24.12. bis 2.1.", "de", CHRISTMAS),
        ("fermé du 24 décembre au 2 janvier", "fr", CHRISTMAS),
        (
            "wegens vakantie gesloten van 27 juli tot en met 16 augustus",
            "nl",
            (dt.date(2027, 7, 27), dt.date(2027, 8, 16)),
        ),
        ("we are closed from 1 to 3 February", "en", (dt.date(2027, 2, 1), dt.date(2027, 2, 3))),
        ("Betriebsferien 3. bis 14. August", "de", (dt.date(2027, 8, 3), dt.date(2027, 8, 14))),
        ("closed until 3 January", "en", (TODAY, dt.date(2027, 1, 3))),
        ("gesloten tot 3 januari", "nl", (TODAY, dt.date(2027, 1, 3))),
        ("geschlossen bis 3. Januar", "de", (TODAY, dt.date(2027, 1, 3))),
        ("fermé jusqu'au 3 janvier", "fr", (TODAY, dt.date(2027, 1, 3))),
        ("closed on 24 December", "en", (dt.date(2026, 12, 24), dt.date(2026, 12, 24))),
        ("morgen dicht", "nl", (dt.date(2026, 12, 7), dt.date(2026, 12, 7))),
        ("2026-12-22 - 2026-12-28", "en", (dt.date(2026, 12, 22), dt.date(2026, 12, 28))),
        ("van 24 dec tot 2 jan", "nl", CHRISTMAS),
    ],
)
def test_closures_in_four_languages(text: str, lang: str, expected: tuple[dt.date, dt.date]) -> None:
    assert dates.closure(text, lang, TODAY) == expected


def test_a_range_typed_while_it_runs_is_the_running_one() -> None:
    assert dates.closure("dicht van 24 december t/m 2 januari", "nl", dt.date(2026, 12, 28)) == CHRISTMAS
    assert dates.closure("closed 24 Dec to 2 Jan", "en", dt.date(2027, 1, 2)) == CHRISTMAS


@pytest.mark.parametrize(
    "text", ["tomorrow maybe", "1 January 2020", "3 Smarch", "1 jan 2026 - 5 jan 2028", "morgen misschien"]
)
def test_closures_that_make_no_sense_are_refused(text: str) -> None:
    with pytest.raises(checks.Invalid):
        dates.closure(text, "en", dt.date(2026, 12, 20))


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("24 December 10:00-14:00", "en", (dt.date(2026, 12, 24), "10:00-14:00")),
        ("24 december 10-14 uur", "nl", (dt.date(2026, 12, 24), "10:00-14:00")),
        ("31 december gesloten", "nl", (dt.date(2026, 12, 31), "off")),
        ("31.12. geschlossen", "de", (dt.date(2026, 12, 31), "off")),
        (
            "le 24 décembre de 10h à 12h et de 14h à 17h",
            "fr",
            (dt.date(2026, 12, 24), "10:00-12:00,14:00-17:00"),
        ),
    ],
)
def test_special_days(text: str, lang: str, expected: tuple[dt.date, str]) -> None:
    assert dates.special_day(text, lang, TODAY) == expected


def test_a_special_day_needs_a_date() -> None:
    with pytest.raises(checks.Invalid):
        dates.special_day("someday", "en", TODAY)


def test_dates_in_words() -> None:
    assert dates.in_words(dt.date(2026, 12, 24), "nl", TODAY) == "24 december"
    assert dates.in_words(dt.date(2027, 1, 2), "nl", TODAY) == "2 januari 2027"
    assert dates.in_words(dt.date(2026, 12, 24), "de", TODAY) == "24. Dezember"
    assert dates.in_words(dt.date(2027, 1, 2), "fr", TODAY) == "2 janvier 2027"


async def test_the_card_shows_the_closure_in_words_and_residents_are_told(app: App) -> None:
    await give(app, OWNER)
    today = dt.datetime(2026, 12, 6, 10, tzinfo=dt.UTC)
    owner = Chat(Conversation(app, clock=lambda: today), OWNER, "nl")
    ref = short_ref(BAKERY)
    await owner.data(f"o:x:{ref}:closed")
    await owner.send("dicht van 24 december t/m 2 januari")
    card = owner.said()
    assert "Opgeslagen." in card
    assert "24 december" in card and "2 januari 2027" in card and "2026-12-24" not in card
    business = await listing(app)
    assert (business.closed_from, business.closed_until) == CHRISTMAS
    await owner.data(f"o:x:{ref}:special")
    await owner.send("31 december 10-14 uur")
    assert "31 december 10:00–14:00" in owner.said()
