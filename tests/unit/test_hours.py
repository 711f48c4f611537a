"""Opening hours: open now, next opening, holidays, time zones, closures and the hours in words.

Every instant is passed in; nothing depends on the real clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.hours import HoursStatus, parse, status, validate
from catalog.typed_hours import compose
from concierge.hours_text import closure_note, describe, format_closes_at, format_opens_at

AMSTERDAM = "Europe/Amsterdam"
HELSINKI = "Europe/Helsinki"


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def at(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A local wall-clock time in ``zone`` as the UTC instant the callers pass in."""
    return local(zone, year, month, day, hour, minute).astimezone(UTC)


WEEKDAYS = "Mo-Fr 09:00-17:00"


def test_open_during_hours_with_closing_time() -> None:
    result = status(WEEKDAYS, at(AMSTERDAM, 2025, 11, 19, 10, 0), AMSTERDAM)  # Wednesday
    assert result.parsed and result.open_now is True
    assert result.closes_at == local(AMSTERDAM, 2025, 11, 19, 17, 0)
    assert result.opens_at is None
    assert result.raw == WEEKDAYS


def test_closed_in_the_evening_opens_next_morning() -> None:
    result = status(WEEKDAYS, at(AMSTERDAM, 2025, 11, 19, 18, 0), AMSTERDAM)
    assert result.open_now is False
    assert result.opens_at == local(AMSTERDAM, 2025, 11, 20, 9, 0)
    assert (
        result.opens_at.tzinfo is not None
        and result.opens_at.utcoffset() == local(AMSTERDAM, 2025, 11, 20, 9, 0).utcoffset()
    )


def test_closed_at_the_weekend_opens_monday() -> None:
    result = status(WEEKDAYS, at(AMSTERDAM, 2025, 11, 22, 12, 0), AMSTERDAM)  # Saturday
    assert result.open_now is False
    assert result.opens_at == local(AMSTERDAM, 2025, 11, 24, 9, 0)


def test_open_past_midnight() -> None:
    late = "Fr-Sa 18:00-02:00"
    saturday_night = status(late, at(AMSTERDAM, 2025, 11, 22, 1, 30), AMSTERDAM)
    assert saturday_night.open_now is True
    assert saturday_night.closes_at == local(AMSTERDAM, 2025, 11, 22, 2, 0)
    after_closing = status(late, at(AMSTERDAM, 2025, 11, 22, 3, 0), AMSTERDAM)
    assert after_closing.open_now is False
    assert after_closing.opens_at == local(AMSTERDAM, 2025, 11, 22, 18, 0)
    thursday_night = status(late, at(AMSTERDAM, 2025, 11, 21, 1, 30), AMSTERDAM)
    assert thursday_night.open_now is False


def test_all_day_every_day() -> None:
    result = status("24/7", at(AMSTERDAM, 2025, 12, 25, 3, 0), AMSTERDAM)
    assert result.open_now is True and result.closes_at is None and result.opens_at is None


HOLIDAY_HOURS = "Mo-Su 09:00-17:00; PH off"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 12, 25), "Christmas Day"),
        (date(2026, 4, 27), "King's Day"),
        (date(2025, 4, 26), "King's Day"),
    ],
)
def test_public_holidays_in_the_netherlands(day: date, name: str) -> None:
    assert holidays.country_holidays("NL", years=day.year).get(day) == name
    result = status(
        HOLIDAY_HOURS, at(AMSTERDAM, day.year, day.month, day.day, 12, 0), AMSTERDAM, country="NL"
    )
    assert result.open_now is False
    assert result.opens_at is not None and result.opens_at.date() > day


def test_an_ordinary_day_is_not_a_holiday() -> None:
    result = status(HOLIDAY_HOURS, at(AMSTERDAM, 2025, 12, 23, 12, 0), AMSTERDAM, country="NL")
    assert result.open_now is True


def test_public_holiday_depends_on_the_country() -> None:
    independence_day = date(2025, 12, 6)
    assert holidays.country_holidays("FI", years=2025).get(independence_day) == "Independence Day"
    in_helsinki = status(HOLIDAY_HOURS, at(HELSINKI, 2025, 12, 6, 12, 0), HELSINKI, country="FI")
    assert in_helsinki.open_now is False
    assert in_helsinki.opens_at == local(HELSINKI, 2025, 12, 7, 9, 0)
    in_amsterdam = status(HOLIDAY_HOURS, at(AMSTERDAM, 2025, 12, 6, 12, 0), AMSTERDAM, country="NL")
    assert in_amsterdam.open_now is True


def test_public_holiday_rules_with_their_own_hours() -> None:
    hours = "Mo-Su 09:00-17:00; PH 11:00-13:00"
    christmas_morning = status(hours, at(AMSTERDAM, 2025, 12, 25, 10, 0), AMSTERDAM, country="NL")
    assert christmas_morning.open_now is False
    assert christmas_morning.opens_at == local(AMSTERDAM, 2025, 12, 25, 11, 0)
    christmas_noon = status(hours, at(AMSTERDAM, 2025, 12, 25, 12, 0), AMSTERDAM, country="NL")
    assert christmas_noon.closes_at == local(AMSTERDAM, 2025, 12, 25, 13, 0)


def test_holidays_of_a_country_the_parser_has_no_calendar_for() -> None:
    """Kosovo: holidays come from the ``holidays`` package."""
    christmas = date(2025, 12, 25)
    assert christmas in holidays.country_holidays("XK", years=2025)
    zone = "Europe/Belgrade"
    on_holiday = status(HOLIDAY_HOURS, at(zone, 2025, 12, 25, 12, 0), zone, country="XK")
    assert on_holiday.open_now is False
    assert on_holiday.opens_at == local(zone, 2025, 12, 26, 9, 0)
    assert status(HOLIDAY_HOURS, at(zone, 2025, 12, 24, 12, 0), zone, country="XK").open_now is True


def test_unknown_country_still_evaluates_the_hours() -> None:
    result = status(HOLIDAY_HOURS, at(AMSTERDAM, 2025, 12, 23, 12, 0), AMSTERDAM, country="??")
    assert result.open_now is True


def test_same_instant_in_two_time_zones() -> None:
    instant = datetime(2025, 11, 21, 7, 30, tzinfo=UTC)  # 09:30 in Helsinki, 08:30 in Amsterdam
    assert status(WEEKDAYS, instant, HELSINKI, country="FI").open_now is True
    in_amsterdam = status(WEEKDAYS, instant, AMSTERDAM)
    assert in_amsterdam.open_now is False
    assert in_amsterdam.opens_at == local(AMSTERDAM, 2025, 11, 21, 9, 0)


def test_naive_now_is_taken_as_utc_and_bad_zone_as_utc() -> None:
    naive = datetime(2025, 11, 21, 7, 30)
    assert status(WEEKDAYS, naive, HELSINKI).open_now is True
    assert status(WEEKDAYS, naive, "Not/AZone").open_now is False


def test_opening_across_a_daylight_saving_change() -> None:
    result = status("Mo-Su 09:00-17:00", at(AMSTERDAM, 2026, 3, 28, 20, 0), AMSTERDAM)
    assert result.opens_at == local(AMSTERDAM, 2026, 3, 29, 9, 0)
    assert (
        result.opens_at is not None
        and result.opens_at.utcoffset() != local(AMSTERDAM, 2026, 3, 28, 9, 0).utcoffset()
    )


def test_temporary_closure_is_inclusive_and_reopens_after() -> None:
    def closed(when: datetime) -> HoursStatus:
        return status(
            WEEKDAYS, when, AMSTERDAM, closed_from=date(2025, 12, 22), closed_until=date(2026, 1, 2)
        )

    first_day = closed(at(AMSTERDAM, 2025, 12, 22, 10, 0))
    assert first_day.open_now is False and first_day.closed_temporarily
    assert first_day.opens_at == local(AMSTERDAM, 2026, 1, 5, 9, 0)  # 3-4 January is a weekend
    last_day = closed(at(AMSTERDAM, 2026, 1, 2, 10, 0))
    assert last_day.open_now is False and last_day.closed_temporarily
    after = closed(at(AMSTERDAM, 2026, 1, 5, 10, 0))
    assert after.open_now is True and not after.closed_temporarily
    before = closed(at(AMSTERDAM, 2025, 12, 19, 10, 0))
    assert before.open_now is True and not before.closed_temporarily
    assert before.closes_at == local(AMSTERDAM, 2025, 12, 19, 17, 0)


def test_closure_with_only_an_end_or_only_a_start() -> None:
    until = status(WEEKDAYS, at(AMSTERDAM, 2025, 12, 22, 10, 0), AMSTERDAM, closed_until=date(2026, 1, 2))
    assert until.open_now is False and until.opens_at == local(AMSTERDAM, 2026, 1, 5, 9, 0)
    indefinite = status(
        WEEKDAYS, at(AMSTERDAM, 2025, 12, 22, 10, 0), AMSTERDAM, closed_from=date(2025, 12, 1)
    )
    assert indefinite.open_now is False and indefinite.opens_at is None and indefinite.closed_temporarily


def test_past_or_inverted_closures_are_ignored() -> None:
    now = at(AMSTERDAM, 2025, 12, 22, 10, 0)
    past = status(WEEKDAYS, now, AMSTERDAM, closed_from=date(2025, 11, 1), closed_until=date(2025, 11, 5))
    assert past.open_now is True
    inverted = status(WEEKDAYS, now, AMSTERDAM, closed_from=date(2026, 1, 5), closed_until=date(2025, 12, 1))
    assert inverted.open_now is True


def test_closure_of_a_business_with_unreadable_hours() -> None:
    result = status(
        "ring the bell", at(AMSTERDAM, 2025, 12, 22, 10, 0), AMSTERDAM, closed_until=date(2026, 1, 2)
    )
    assert result.open_now is False and result.closed_temporarily and not result.parsed
    assert result.raw == "ring the bell"


def test_special_hours_override_a_day() -> None:
    special = {"2025-12-24": "10:00-14:00", "2025-12-31": "off"}
    christmas_eve = status(WEEKDAYS, at(AMSTERDAM, 2025, 12, 24, 9, 30), AMSTERDAM, special_hours=special)
    assert christmas_eve.open_now is False
    assert christmas_eve.opens_at == local(AMSTERDAM, 2025, 12, 24, 10, 0)
    midday = status(WEEKDAYS, at(AMSTERDAM, 2025, 12, 24, 12, 0), AMSTERDAM, special_hours=special)
    assert midday.closes_at == local(AMSTERDAM, 2025, 12, 24, 14, 0)
    new_years_eve = status(WEEKDAYS, at(AMSTERDAM, 2025, 12, 31, 12, 0), AMSTERDAM, special_hours=special)
    assert new_years_eve.open_now is False
    ordinary = status(WEEKDAYS, at(AMSTERDAM, 2025, 12, 23, 12, 0), AMSTERDAM, special_hours=special)
    assert ordinary.open_now is True


def test_special_hours_open_a_normally_closed_day() -> None:
    sunday = status(
        WEEKDAYS, at(AMSTERDAM, 2025, 12, 21, 13, 0), AMSTERDAM, special_hours={"2025-12-21": "12:00-16:00"}
    )
    assert sunday.open_now is True


def test_bad_special_hours_are_ignored() -> None:
    special = {"not a date": "off", "2025-12-23": "whenever", "2025-13-40": "off"}
    result = status(WEEKDAYS, at(AMSTERDAM, 2025, 12, 23, 12, 0), AMSTERDAM, special_hours=special)
    assert result.open_now is True


def test_closure_wins_over_special_hours() -> None:
    result = status(
        WEEKDAYS,
        at(AMSTERDAM, 2025, 12, 24, 12, 0),
        AMSTERDAM,
        closed_from=date(2025, 12, 22),
        closed_until=date(2025, 12, 26),
        special_hours={"2025-12-24": "10:00-14:00"},
    )
    assert result.open_now is False


GARBAGE = [
    "",
    "   ",
    "garbage",
    "Mo-Fr 25:00-26:00",
    "ma-vr 9-18",
    "Mo-Fr 10:00–18:00",
    "by appointment",
    "😀",
    "<script>alert(1)</script>",
    "'; DROP TABLE businesses; --",
    "\x00\x01\x1b[2J",
    "Mo-Fr " * 400,
    "Mo-Fr 09:00-17:00 # note",
]


@pytest.mark.parametrize("expr", GARBAGE)
def test_unparsable_hours_are_kept_raw_and_unknown(expr: str) -> None:
    assert parse(expr) is None
    result = status(expr, at(AMSTERDAM, 2025, 11, 19, 12, 0), AMSTERDAM)
    assert result.raw == expr and result.parsed is False
    assert result.open_now is None and result.opens_at is None and result.closes_at is None
    assert validate(expr) is not None
    assert describe(expr, "nl") == expr.strip()


def test_unknown_state_in_a_valid_expression() -> None:
    result = status("Mo-Fr 09:00-17:00 unknown", at(AMSTERDAM, 2025, 11, 19, 12, 0), AMSTERDAM)
    assert result.parsed and result.open_now is None


@settings(max_examples=150, deadline=None)
@given(expr=st.text(max_size=200), hour=st.integers(0, 23))
def test_status_never_raises(expr: str, hour: int) -> None:
    result = status(expr, datetime(2025, 11, 19, hour, tzinfo=UTC), AMSTERDAM)
    assert result.raw == expr
    assert result.parsed == (parse(expr) is not None)
    if not result.parsed:
        assert result.open_now is None
    assert isinstance(describe(expr, "en"), str)
    reason = validate(expr)
    assert reason is None or isinstance(reason, str)


def test_parse_is_cached_and_total() -> None:
    assert parse(WEEKDAYS) is parse(WEEKDAYS)
    assert parse("Mo-Fr 09:00-17:00;") is not None
    assert parse(None) is None
    assert parse(42) is None


def test_validate() -> None:
    assert validate(WEEKDAYS) is None
    assert validate("24/7") is None
    assert validate("") == "empty"
    reason = validate("Mo-Fr 25:00-26:00")
    assert reason is not None and "25:00" in reason
    assert validate("x" * 1000) is not None


EXAMPLE = "Tu-Fr 07:30-18:00; Sa 07:30-16:00; PH off"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Tue–Fri 7:30–18:00; Sat 7:30–16:00; closed on public holidays"),
        ("nl", "di–vr 7:30–18:00; za 7:30–16:00; gesloten op feestdagen"),
        ("de", "Di–Fr 7:30–18:00; Sa 7:30–16:00; an Feiertagen geschlossen"),
        ("fr", "mar.–ven. 7:30–18:00; sam. 7:30–16:00; fermé les jours fériés"),
    ],
)
def test_describe_in_four_languages(lang: str, words: str) -> None:
    assert describe(EXAMPLE, lang) == words


@pytest.mark.parametrize(
    ("expr", "lang", "words"),
    [
        ("Mo-Su 08:00-20:00", "nl", "dagelijks 8:00–20:00"),
        ("10:00-18:00", "de", "täglich 10:00–18:00"),
        ("24/7", "fr", "ouvert 24h/24, 7j/7"),
        (
            "Mo,We,Fr 10:00-12:00,13:00-17:00; Sa off",
            "en",
            "Mon, Wed, Fri 10:00–12:00, 13:00–17:00; Sat closed",
        ),
        ("Mo-Fr 08:00-12:00, Sa 10:00-14:00", "nl", "ma–vr 8:00–12:00; za 10:00–14:00"),
        ("Fr-Sa 18:00-02:00", "en", "Fri–Sat 18:00–2:00"),
        ("mo-fr 09:00-17:00;", "en", "Mon–Fri 9:00–17:00"),
        ("Sa", "en", "Sat open all day"),
        ("Jul-Aug Mo-Fr 10:00-18:00", "en", "Jul–Aug: Mon–Fri 10:00–18:00"),
        ("Jul 14 off", "en", "Jul 14 off"),
        ('Mo-Fr 10:00-18:00 || "by appointment"', "nl", 'Mo-Fr 10:00-18:00 || "by appointment"'),
    ],
)
def test_describe_common_forms_and_falls_back_to_raw(expr: str, lang: str, words: str) -> None:
    assert describe(expr, lang) == words


def test_describe_unknown_language_uses_english() -> None:
    assert describe(EXAMPLE, "xx") == describe(EXAMPLE, "en")


@pytest.mark.parametrize(
    ("lang", "same_day", "tomorrow", "this_week", "later"),
    [
        (
            "en",
            "opens today at 07:30",
            "opens tomorrow at 07:30",
            "opens Tuesday at 07:30",
            "opens on 25 November at 07:30",
        ),
        (
            "nl",
            "opent vandaag om 07:30",
            "opent morgen om 07:30",
            "opent dinsdag om 07:30",
            "opent op 25 november om 07:30",
        ),
        (
            "de",
            "öffnet heute um 07:30",
            "öffnet morgen um 07:30",
            "öffnet Dienstag um 07:30",
            "öffnet am 25. November um 07:30",
        ),
        (
            "fr",
            "ouvre aujourd’hui à 07:30",
            "ouvre demain à 07:30",
            "ouvre mardi à 07:30",
            "ouvre le 25 novembre à 07:30",
        ),
    ],
)
def test_format_opens_at(lang: str, same_day: str, tomorrow: str, this_week: str, later: str) -> None:
    result = status("Tu-Fr 07:30-18:00", at(AMSTERDAM, 2025, 11, 22, 13, 0), AMSTERDAM)
    opens_at = result.opens_at
    assert opens_at == local(AMSTERDAM, 2025, 11, 25, 7, 30)
    assert format_opens_at(opens_at, local(AMSTERDAM, 2025, 11, 25, 5, 0), lang) == same_day
    assert format_opens_at(opens_at, local(AMSTERDAM, 2025, 11, 24, 20, 0), lang) == tomorrow
    assert format_opens_at(opens_at, local(AMSTERDAM, 2025, 11, 22, 13, 0), lang) == this_week
    assert format_opens_at(opens_at, local(AMSTERDAM, 2025, 11, 2, 13, 0), lang) == later


def test_format_opens_at_compares_local_dates() -> None:
    opens_at = local(HELSINKI, 2025, 11, 25, 7, 30)
    just_after_midnight_in_helsinki = datetime(2025, 11, 24, 22, 30, tzinfo=UTC)
    assert format_opens_at(opens_at, just_after_midnight_in_helsinki, "en") == "opens today at 07:30"


def test_format_closes_at() -> None:
    closes_at = local(AMSTERDAM, 2025, 11, 25, 18, 0)
    assert format_closes_at(closes_at, "en") == "open until 18:00"
    assert format_closes_at(closes_at, "nl") == "open tot 18:00"


def test_compose_groups_days_with_the_same_hours() -> None:
    bakery = {day: [("7:30", "18:00")] for day in (1, 2, 3, 4)} | {5: [("7:30", "16:00")]}
    expression = compose(bakery, closed_on_public_holidays=True)
    assert expression == "Tu-Fr 07:30-18:00; Sa 07:30-16:00; PH off"
    assert validate(expression) is None
    assert describe(expression, "en") == "Tue–Fri 7:30–18:00; Sat 7:30–16:00; closed on public holidays"


def test_compose_with_a_lunch_break_evaluates_as_picked() -> None:
    expression = compose(
        {day: [(time(13, 30), time(17, 0)), (time(9, 0), time(12, 30))] for day in (0, 2, 4)}
    )
    assert expression == "Mo,We,Fr 09:00-12:30,13:30-17:00"
    lunch = status(expression, at(AMSTERDAM, 2025, 11, 19, 13, 0), AMSTERDAM)  # Wednesday
    assert lunch.open_now is False and lunch.opens_at == local(AMSTERDAM, 2025, 11, 19, 13, 30)
    assert status(expression, at(AMSTERDAM, 2025, 11, 18, 10, 0), AMSTERDAM).open_now is False  # Tuesday


def test_compose_edge_cases() -> None:
    assert compose({day: [("0:00", "24:00")] for day in range(7)}) == "24/7"
    assert compose({}) == "off"
    assert compose({5: [("22:00", "2:00")], 6: []}) == "Sa 22:00-02:00"
    with pytest.raises(ValueError):
        compose({7: [("9:00", "17:00")]})
    with pytest.raises(ValueError):
        compose({0: [("nine", "17:00")]})


QUARTERS = st.integers(0, 96).map(lambda q: time(q // 4, q % 4 * 15) if q < 96 else "24:00")


def _minutes(value: time | str) -> int:
    return 24 * 60 if value == "24:00" else value.hour * 60 + value.minute  # type: ignore[union-attr]


@st.composite
def weeks(draw: st.DrawFn) -> dict[int, list[tuple[time | str, time | str]]]:
    week: dict[int, list[tuple[time | str, time | str]]] = {}
    for day in draw(st.sets(st.integers(0, 6))):
        bounds = sorted(draw(st.sets(QUARTERS, min_size=2, max_size=4)), key=_minutes)
        pairs = list(zip(bounds[::2], bounds[1::2], strict=False))
        week[day] = [(start, end) for start, end in pairs if _minutes(start) < _minutes(end)]
    return week


@settings(max_examples=100, deadline=None)
@given(week=weeks(), day=st.integers(0, 6), minute=st.integers(0, 24 * 60 - 1))
def test_composed_hours_are_described_and_evaluate_as_picked(
    week: dict[int, list[tuple[time | str, time | str]]], day: int, minute: int
) -> None:
    expression = compose(week)
    assert validate(expression) is None
    assert describe(expression, "de") != expression
    monday = datetime(2025, 11, 17, tzinfo=ZoneInfo(AMSTERDAM))  # a week without public holidays
    moment = monday.replace(day=17 + day, hour=minute // 60, minute=minute % 60)
    expected = any(_minutes(start) <= minute < _minutes(end) for start, end in week.get(day, []))
    assert status(expression, moment.astimezone(UTC), AMSTERDAM).open_now is expected


OSM_TOKENS = [
    "Mo", "Tu-Fr", "Sa,Su", "Su-Tu", "PH", "SH", "off", "closed", "open", "unknown", "09:00-17:00",
    "18:00-02:00", "07:30-12:00,13:00-18:00", "10:00+", ",", ";", "24/7", "Jan", "Dec 25", "Jul-Aug",
    "sunrise-sunset", '"by appointment"', "||", "week 1-53/2", "easter", "2025", "-", ":",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(st.sampled_from(OSM_TOKENS), min_size=1, max_size=8),
    lang=st.sampled_from(["nl", "en", "de", "fr"]),
)
def test_osm_like_expressions_never_break_describe_or_status(tokens: list[str], lang: str) -> None:
    expression = " ".join(tokens)
    words = describe(expression, lang)
    assert isinstance(words, str) and words
    result = status(
        expression, datetime(2025, 12, 24, 12, tzinfo=UTC), AMSTERDAM, special_hours={"2025-12-24": "off"}
    )
    assert result.parsed == (validate(expression) is None)
    if result.parsed:
        assert result.open_now is False


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "third Wednesday of the month 19:00–21:30; last Friday of the month 10:00–12:00"),
        ("nl", "derde woensdag van de maand 19:00–21:30; laatste vrijdag van de maand 10:00–12:00"),
        ("de", "dritter Mittwoch im Monat 19:00–21:30; letzter Freitag im Monat 10:00–12:00"),
        ("fr", "troisième mercredi du mois 19:00–21:30; dernier vendredi du mois 10:00–12:00"),
    ],
)
def test_describe_names_monthly_weekdays(lang: str, words: str) -> None:
    assert describe("We[3] 19:00-21:30; Fr[-1] 10:00-12:00", lang) == words


def test_closure_note_on_every_day_of_the_closure_and_before_it() -> None:
    start, end = date(2025, 12, 20), date(2026, 1, 5)
    assert closure_note(start, end, date(2025, 12, 10), "en") == "closed from 20 December until 5 January"
    for day in (date(2025, 12, 20), date(2025, 12, 31), date(2026, 1, 5)):
        assert closure_note(start, end, day, "en") == "closed until 5 January"
        assert closure_note(start, end, day, "nl") == "gesloten tot en met 5 januari"
    assert closure_note(start, end, date(2026, 1, 6), "en") == ""
    assert closure_note(None, None, date(2026, 1, 6), "en") == ""
    assert closure_note(date(2025, 12, 1), None, date(2025, 12, 2), "de") == "vorübergehend geschlossen"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Apr–Oct: daily 10:00–18:00; Nov–Mar: closed"),
        ("nl", "apr–okt: dagelijks 10:00–18:00; nov–mrt: gesloten"),
        ("de", "Apr–Okt: täglich 10:00–18:00; Nov–Mär: geschlossen"),
        ("fr", "avr.–oct.: tous les jours 10:00–18:00; nov.–mars: fermé"),
    ],
)
def test_describe_names_seasons(lang: str, words: str) -> None:
    assert describe("Apr-Oct: Mo-Su 10:00-18:00; Nov-Mar off", lang) == words
    assert describe("Dec 24 off", lang) == "Dec 24 off", "a dated rule is kept as typed"
