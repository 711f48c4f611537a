"""Opening hours typed in words, in four languages, read into OSM syntax (catalog.typed_hours).

Every expected expression here was written by hand from what the owner meant; each is also checked to
be accepted by the opening-hours library and to say the same thing in words again.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opening_hours import OpeningHours, State

from catalog.importers.csv_file import parse as parse_csv
from catalog.typed_hours import Unreadable, compose, read
from concierge.hours_text import describe

CASES: list[tuple[str, str, str]] = [
    # Dutch
    ("nl", "ma-vr 9-18, za 10-17, zondag dicht", "Mo-Fr 09:00-18:00; Sa 10:00-17:00; Su off"),
    ("nl", "ma t/m vr 9.00-12.30 en 13.30-18.00 uur", "Mo-Fr 09:00-12:30,13:30-18:00"),
    ("nl", "di tot en met za 9 tot 17 uur, lunch 12.30-13.30", "Tu-Sa 09:00-12:30,13:30-17:00"),
    ("nl", "doordeweeks 9-18, weekend dicht", "Mo-Fr 09:00-18:00; Sa-Su off"),
    ("nl", "elke dag 7-22", "Mo-Su 07:00-22:00"),
    ("nl", "dagelijks 9-18 behalve maandag", "Tu-Su 09:00-18:00; Mo off"),
    ("nl", "ma-vr 9-18, feestdagen gesloten", "Mo-Fr 09:00-18:00; PH off"),
    ("nl", "zondag en maandag gesloten, di-za 9-18", "Tu-Sa 09:00-18:00; Mo,Su off"),
    ("nl", "van 9 uur 's ochtends tot 6 uur 's avonds", "Mo-Su 09:00-18:00"),
    ("nl", "dinsdag t/m zaterdag van 8.30 tot 17.30, maandag gesloten", "Tu-Sa 08:30-17:30; Mo off"),
    ("nl", "dag en nacht", "24/7"),
    ("nl", "9-17 (ma-vr)", "Mo-Fr 09:00-17:00"),
    ("nl", "dagelijks behalve maandag 9-18", "Tu-Su 09:00-18:00; Mo off"),
    ("nl", "wo, vr en za 10-16", "We,Fr-Sa 10:00-16:00"),
    # English
    ("en", "Mon-Fri 9am-6pm", "Mo-Fr 09:00-18:00"),
    ("en", "Monday to Friday 9 to 5", "Mo-Fr 09:00-17:00"),
    ("en", "daily 8am-8pm", "Mo-Su 08:00-20:00"),
    ("en", "weekdays 9-5:30, Sat 10-4", "Mo-Fr 09:00-17:30; Sa 10:00-16:00"),
    ("en", "noon-midnight", "Mo-Su 12:00-24:00"),
    ("en", "Mon-Sat 10am-6pm, closed Sundays and public holidays", "Mo-Sa 10:00-18:00; Su off; PH off"),
    ("en", "every day 7:30 am to 12 noon", "Mo-Su 07:30-12:00"),
    ("en", "Tue-Sat 9-6, closed for lunch 1-2", "Tu-Sa 09:00-13:00,14:00-18:00"),
    ("en", "Fri-Sat 8pm-2am", "Fr-Sa 20:00-02:00"),
    ("en", "always open", "24/7"),
    ("en", "Thursdays 9-1pm", "Th 09:00-13:00"),
    ("en", "every day except Sunday 8am-6pm", "Mo-Sa 08:00-18:00; Su off"),
    ("en", "Sat 10-4, we are closed Sundays", "Sa 10:00-16:00; Su off"),
    ("en", "Tuesday to Saturday 10am to 6pm", "Tu-Sa 10:00-18:00"),
    ("en", "Mon–Fri: 9am–5pm", "Mo-Fr 09:00-17:00"),
    # German
    ("de", "Mo-Fr 9-18 Uhr", "Mo-Fr 09:00-18:00"),
    ("de", "Di-So 11-22 Uhr, Montag Ruhetag", "Tu-Su 11:00-22:00; Mo off"),
    ("de", "werktags 8-18 Uhr, Sa 8-13 Uhr", "Mo-Fr 08:00-18:00; Sa 08:00-13:00"),
    ("de", "täglich 10-20 Uhr", "Mo-Su 10:00-20:00"),
    (
        "de",
        "Mo.-Fr. 9.00-12.00 und 14.00-18.30 Uhr, Sa. 9.00-13.00 Uhr",
        "Mo-Fr 09:00-12:00,14:00-18:30; Sa 09:00-13:00",
    ),
    ("de", "Montag bis Freitag von 8 bis 17 Uhr, Mittagspause 12-13 Uhr", "Mo-Fr 08:00-12:00,13:00-17:00"),
    ("de", "samstags 9-14 Uhr, sonntags und feiertags geschlossen", "Sa 09:00-14:00; Su off; PH off"),
    ("de", "Mi-Sa 10-18 Uhr, an Feiertagen geschlossen", "We-Sa 10:00-18:00; PH off"),
    ("de", "rund um die Uhr", "24/7"),
    ("de", "täglich außer Mo und Di 11-22 Uhr", "We-Su 11:00-22:00; Mo-Tu off"),
    ("de", "Mo-Fr 7-12 Uhr, außer Mittwoch", "Mo-Tu,Th-Fr 07:00-12:00; We off"),
    # French
    (
        "fr",
        "du lundi au vendredi de 9h à 18h, le samedi de 10h à 17h, fermé le dimanche",
        "Mo-Fr 09:00-18:00; Sa 10:00-17:00; Su off",
    ),
    ("fr", "tous les jours 8h-20h", "Mo-Su 08:00-20:00"),
    ("fr", "en semaine 9h-18h, week-end 10h-17h", "Mo-Fr 09:00-18:00; Sa-Su 10:00-17:00"),
    ("fr", "lun-ven 9h30-18h30, pause déjeuner 12h-14h", "Mo-Fr 09:30-12:00,14:00-18:30"),
    (
        "fr",
        "mardi au samedi de 9h à 12h et de 14h à 19h, fermé le lundi",
        "Tu-Sa 09:00-12:00,14:00-19:00; Mo off",
    ),
    ("fr", "7j/7 24h/24", "24/7"),
    ("fr", "tous les jours sauf le lundi, 10h-19h", "Tu-Su 10:00-19:00; Mo off"),
    ("fr", "du mardi au dimanche de midi à minuit", "Tu-Su 12:00-24:00"),
    ("fr", "lundi, mercredi et vendredi 8h-12h, jours fériés fermé", "Mo,We,Fr 08:00-12:00; PH off"),
]


@pytest.mark.parametrize(("lang", "typed", "expected"), CASES)
def test_typed_hours_read_into_osm(lang: str, typed: str, expected: str) -> None:
    reading = read(typed, lang)
    assert reading.expression == expected
    OpeningHours(reading.expression)


@pytest.mark.parametrize(("lang", "typed", "expected"), CASES)
def test_the_language_is_found_without_a_hint(lang: str, typed: str, expected: str) -> None:
    reading = read(typed)
    assert reading.expression == expected
    assert reading.language in {lang, None}


@pytest.mark.parametrize(
    "typed",
    [
        "hello world",
        "ma-vr",
        "ab 9 Uhr",
        "9",
        "open when we feel like it",
        "ma-vr 9-18 behalve als het regent",
        "Mo-Fr 25-26",
        "2026-12-24",
        "",
        "x" * 600,
    ],
)
def test_unreadable_text_is_refused_not_guessed(typed: str) -> None:
    with pytest.raises(Unreadable):
        read(typed, "nl")


def test_osm_syntax_is_kept_as_typed() -> None:
    typed = "Mo-Fr 08:00-12:00,13:00-17:30; PH off; Dec 24 10:00-14:00"
    assert read(typed, "de").expression == typed
    assert read(typed).language is None


def test_hours_in_words_mean_what_the_owner_said() -> None:
    expression = read("ma-vr 9-18, za 10-17, zondag dicht", "nl").expression
    hours = OpeningHours(expression, timezone=ZoneInfo("Europe/Amsterdam"))
    zone = ZoneInfo("Europe/Amsterdam")
    assert hours.state(datetime(2026, 12, 11, 17, 59, tzinfo=zone))[0] == State.OPEN  # Friday
    assert hours.state(datetime(2026, 12, 12, 17, 30, tzinfo=zone))[0] == State.CLOSED  # Saturday
    assert hours.state(datetime(2026, 12, 13, 12, 0, tzinfo=zone))[0] == State.CLOSED  # Sunday
    assert describe(expression, "en") == "Mon–Fri 9:00–18:00; Sat 10:00–17:00; Sun closed"
    assert describe(expression, "nl") == "ma–vr 9:00–18:00; za 10:00–17:00; zo gesloten"


def test_compose_writes_closed_days_and_holidays() -> None:
    week = {0: [("9:00", "18:00")], 1: [("9:00", "18:00")], 5: [("10:00", "17:00")]}
    assert compose(week, closed_days=[6], holidays=[]) == "Mo-Tu 09:00-18:00; Sa 10:00-17:00; Su off; PH off"
    assert compose({}, holidays=[("10:00", "14:00")]) == "off; PH 10:00-14:00"


def concierge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_the_hours_command_prints_osm_then_words() -> None:
    done = concierge("hours", "ma-vr 9-18, za 10-17, zondag dicht")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Mo-Fr 09:00-18:00; Sa 10:00-17:00; Su off",
        "ma–vr 9:00–18:00; za 10:00–17:00; zo gesloten",
    ]
    done = concierge("hours", "Mon-Fri 9am-6pm", "--lang", "de")
    assert done.stdout.splitlines() == ["Mo-Fr 09:00-18:00", "Mo–Fr 9:00–18:00"]


def test_the_hours_command_refuses_in_one_clear_line() -> None:
    done = concierge("hours", "when the sun shines")
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "could not read" in done.stderr


def test_concierge_import_stores_csv_hours_in_words_as_osm(tmp_path: Path) -> None:
    csv_file = tmp_path / "winkels.csv"
    csv_file.write_text(
        'name,lat,lon,shop,opening_hours\nKaashandel Oost,52.09,5.12,cheese,"ma-vr 9-18, za 10-17, zondag dicht"\n',
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path}/concierge.db"
    done = concierge("import", str(csv_file), "--db", url, "--area", "Oost")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "concierge.db") as connection:
        (stored,) = connection.execute("SELECT opening_hours FROM businesses").fetchone()
    assert stored == "Mo-Fr 09:00-18:00; Sa 10:00-17:00; Su off"


def test_a_csv_import_reads_hours_in_words() -> None:
    content = (
        "name,lat,lon,shop,opening_hours\n"
        'Bakkerij Noord,52.09,5.12,bakery,"di-za 8-17, ma gesloten"\n'
        "Boekhandel Zuid,52.09,5.12,books,Mo-Fr 10:00-18:00\n"
        "Raar,52.09,5.12,books,als de zon schijnt\n"
    )
    records = {r.name: r for r in parse_csv(content, "test.csv", "NL").records}
    assert records["Bakkerij Noord"].fields["opening_hours"] == "Tu-Sa 08:00-17:00; Mo off"
    assert records["Boekhandel Zuid"].fields["opening_hours"] == "Mo-Fr 10:00-18:00"
    assert records["Raar"].fields["opening_hours"] == "als de zon schijnt"


@st.composite
def weeks(draw: st.DrawFn) -> tuple[dict[int, list[tuple[str, str]]], list[int], bool]:
    """A shop's week: some days with one span or two (a lunch break), some said to be closed."""
    week: dict[int, list[tuple[str, str]]] = {}
    for day in draw(st.sets(st.integers(0, 6), min_size=1)):
        start = draw(st.integers(6 * 2, 11 * 2)) * 30
        end = draw(st.integers(14 * 2, 23 * 2)) * 30
        if draw(st.booleans()):
            week[day] = [(f"{start // 60}:{start % 60:02d}", f"{end // 60}:{end % 60:02d}")]
        else:
            week[day] = [
                (f"{start // 60}:{start % 60:02d}", "12:30"),
                ("13:30", f"{end // 60}:{end % 60:02d}"),
            ]
    closed = (
        draw(st.lists(st.sampled_from([d for d in range(7) if d not in week]), unique=True))
        if len(week) < 7
        else []
    )
    return week, closed, draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(week=weeks(), lang=st.sampled_from(["nl", "en", "de", "fr"]))
def test_hours_shown_in_words_read_back_to_the_same_osm(
    week: tuple[dict[int, list[tuple[str, str]]], list[int], bool], lang: str
) -> None:
    """What the bot shows an owner to confirm, typed back, means the same hours."""
    days, closed, holidays_off = week
    expression = compose(days, closed_days=closed, holidays=[] if holidays_off else None)
    words = describe(expression, lang)
    assert read(words, lang).expression == expression, words
