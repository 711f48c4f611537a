"""Opening hours in words, in the reader's language: "opens tomorrow at 09:00", "closed until
5 January", "Tue–Fri 7:30–18:00".

``catalog.hours`` evaluates the hours (open now, next opening, closures); saying them to a person is
the core's part, so the words and their translations live here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache

from babel.dates import format_date, format_skeleton, format_time, get_day_names, get_month_names

from catalog.hours import DAYS, MONTHS, clean, parse
from concierge.i18n import normalise_language, translator

TIME_LOCALES = {"en": "en_GB"}
"""English times as in Europe (07:30, not 7:30 AM): the bot serves European neighbourhoods."""


def _times_locale(lang: str) -> str:
    lang = normalise_language(lang, default="en")
    return TIME_LOCALES.get(lang, lang)


def format_opens_at(opens_at: datetime, now_local: datetime, lang: str) -> str:
    """ "opens today at 19:00", "opens tomorrow at 07:30", "opens Tuesday at 07:30" within the week,
    "opens on 16 December at 19:00" further out; days are counted in the shop's local time."""
    t = translator(lang)
    locale = _times_locale(lang)
    zone = opens_at.tzinfo
    now = now_local.astimezone(zone) if now_local.tzinfo and zone else now_local
    clock = format_time(opens_at, "short", tzinfo=zone, locale=locale)
    days = (opens_at.date() - now.date()).days
    if days <= 0:
        return t("opens today at {time}", time=clock)
    if days == 1:
        return t("opens tomorrow at {time}", time=clock)
    if days < 7:
        return t("opens {day} at {time}", day=format_date(opens_at, "EEEE", locale=locale), time=clock)
    when = format_skeleton("MMMMd", opens_at, tzinfo=zone, locale=locale)
    return t("opens on {date} at {time}", date=when, time=clock)


def format_closes_at(closes_at: datetime, lang: str) -> str:
    """ "open until 18:00"."""
    clock = format_time(closes_at, "short", tzinfo=closes_at.tzinfo, locale=_times_locale(lang))
    return translator(lang)("open until {time}", time=clock)


_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_NTH = r"\[-?[1-5]\]"
"""A day of the month's nth week: ``We[3]`` is the third Wednesday, ``Fr[-1]`` the last Friday."""
_DAY_SELECTOR = rf"(?:{_DAY}{_NTH}|{_DAY}(?:\s*-\s*{_DAY})?|PH|SH)"
_TIME = r"\d{1,2}:\d{2}"
_SPAN = rf"{_TIME}\s*-\s*{_TIME}"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MONTHS = rf"{_MONTH}(?:\s*-\s*{_MONTH})?(?:\s*,\s*{_MONTH}(?:\s*-\s*{_MONTH})?)*"
_RULE = re.compile(
    rf"(?:(?P<months>{_MONTHS})\s*:?\s*)?"
    rf"(?P<days>{_DAY_SELECTOR}(?:\s*,\s*{_DAY_SELECTOR})*)?\s*"
    rf"(?P<times>{_SPAN}(?:\s*,\s*{_SPAN})*)?\s*"
    r"(?P<modifier>off|closed|open)?",
    flags=re.IGNORECASE,
)
_RULE_SEPARATOR = re.compile(
    rf";|(?<=\d)\s*,\s*(?={_DAY_SELECTOR}\b)|(?<=off|sed|pen)\s*,\s*(?={_DAY_SELECTOR}\b)",
    flags=re.IGNORECASE,
)


def _short_time(text: str) -> str:
    hour, minute = text.split(":")
    return f"{int(hour) % 24 if int(hour) > 24 else int(hour)}:{minute}"


@cache
def day_names(lang: str) -> tuple[str, ...]:
    """Full weekday names, Monday first (Babel parses its locale data on every call)."""
    names = get_day_names("wide", context="stand-alone", locale=lang)
    return tuple(names[day] for day in range(7))


def _nth_weekday(nth: int, day: str, lang: str) -> str:
    t = translator(lang)
    if nth == 1:
        return t("first {day} of the month", day=day)
    if nth == 2:
        return t("second {day} of the month", day=day)
    if nth == 3:
        return t("third {day} of the month", day=day)
    if nth == 4:
        return t("fourth {day} of the month", day=day)
    if nth == 5:
        return t("fifth {day} of the month", day=day)
    return t("last {day} of the month", day=day)


def _describe_days(selectors: Iterable[str], lang: str) -> str:
    t = translator(lang)
    names = get_day_names("abbreviated", context="stand-alone", locale=lang)
    parts: list[str] = []
    weekdays: set[int] = set()
    for selector in selectors:
        token = selector.replace(" ", "")
        if token.upper() == "PH":
            parts.append(t("public holidays"))
        elif token.upper() == "SH":
            parts.append(t("school holidays"))
        elif "[" in token:
            day, _, nth = token.rstrip("]").partition("[")
            wide = day_names(lang)[DAYS.index(day.capitalize())]
            parts.append(_nth_weekday(int(nth), wide, lang))
        else:
            first, _, last = token.partition("-")
            start = DAYS.index(first.capitalize())
            end = DAYS.index(last.capitalize()) if last else start
            weekdays.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
            parts.append(f"{names[start]}–{names[end]}" if last else names[start])
    if len(weekdays) == 7 and len(parts) == 1:
        return t("daily")
    return ", ".join(parts)


def _describe_rule(rule: str, lang: str) -> str | None:
    t = translator(lang)
    if rule.replace(" ", "").lower() in {"24/7", "24/7open"}:
        return t("open 24/7")
    match = _RULE.fullmatch(rule.strip())
    if match is None or not any(match.groupdict().values()):
        return None
    months = _describe_months(match["months"], lang) if match["months"] else ""
    said = _describe_week(match, lang)
    if said is None or (months and not said):
        return None
    return f"{months}: {said}" if months else said


def _describe_week(match: re.Match[str], lang: str) -> str | None:
    t = translator(lang)
    selectors = re.split(r"\s*,\s*", match["days"]) if match["days"] else []
    days = _describe_days(selectors, lang) if selectors else ""
    modifier = (match["modifier"] or "").lower()
    if modifier in {"off", "closed"}:
        if match["times"]:
            return None
        if [s.upper() for s in selectors] == ["PH"]:
            return t("closed on public holidays")
        return f"{days} {t('closed')}" if days else t("closed")
    if match["times"]:
        spans = []
        for span in re.split(r"\s*,\s*", match["times"]):
            start, end = (part.strip() for part in span.split("-"))
            spans.append(f"{_short_time(start)}–{_short_time(end)}")
        return f"{days or t('daily')} {', '.join(spans)}"
    if days:
        return f"{days} {t('open all day')}"
    return "" if match["months"] and not modifier else None


def _describe_months(text: str, lang: str) -> str:
    """ "Apr-Oct" as "Apr–Oct" in the reader's language ("avr.–oct.")."""
    names = get_month_names("abbreviated", context="stand-alone", locale=lang)
    parts = []
    for part in re.split(r"\s*,\s*", text.strip()):
        first, _, last = (piece.strip() for piece in part.partition("-"))
        start = names[MONTHS.index(first.capitalize()) + 1]
        parts.append(f"{start}–{names[MONTHS.index(last.capitalize()) + 1]}" if last else start)
    return ", ".join(parts)


def describe(expr: str | None, lang: str) -> str:
    """The hours in words for a preview: "Tue–Fri 7:30–18:00; Sat 7:30–16:00; closed on public holidays".

    Forms this does not put in words (dates, sunrise, comments, fallbacks) are returned as typed.
    """
    raw = expr if isinstance(expr, str) else ""
    text = clean(raw)
    if not text or parse(text) is None:
        return raw.strip()
    lang = normalise_language(lang, default="en")
    described = [_describe_rule(rule, lang) for rule in _RULE_SEPARATOR.split(text) if rule.strip()]
    if not described or any(part is None for part in described):
        return text
    return "; ".join(part for part in described if part)


def format_closed_until(last_day: date, lang: str) -> str:
    """ "closed until 5 January": the last day of an owner's temporary closure."""
    when = format_skeleton("MMMMd", last_day, locale=_times_locale(lang))
    return translator(lang)("closed until {date}", date=when)


def opening_state(
    open_now: bool | None,
    opens_at: datetime | None,
    closed_until: date | None,
    closed_temporarily: bool,
    now: datetime,
    lang: str,
) -> str:
    """One line on whether a place can be visited now, for every surface that lists it.

    A temporary closure says until when; otherwise the next opening is said relative to ``now``
    (today, tomorrow, a weekday, a date); unknown hours say nothing.
    """
    t = translator(lang)
    if open_now is True:
        return t("open now")
    if closed_temporarily:
        return format_closed_until(closed_until, lang) if closed_until else t("closed for now")
    if open_now is False:
        return format_opens_at(opens_at, now, lang) if opens_at else t("closed now")
    return ""


def closure_note(closed_from: date | None, closed_until: date | None, today: date, lang: str) -> str:
    """The owner's temporary closure as a reader needs it on ``today`` (the shop's local date):
    "closed until 5 January" on any day inside it, "closed from 20 December until 5 January" before
    it, nothing once it is over."""
    if closed_from is None and closed_until is None:
        return ""
    if closed_until is not None and closed_until < today:
        return ""
    t = translator(lang)
    if closed_from is not None and closed_from > today:
        start = format_skeleton("MMMMd", closed_from, locale=_times_locale(lang))
        if closed_until is None:
            return t("closed from {date}", date=start)
        end = format_skeleton("MMMMd", closed_until, locale=_times_locale(lang))
        return t("closed from {start} until {end}", start=start, end=end)
    return format_closed_until(closed_until, lang) if closed_until else t("closed for now")
