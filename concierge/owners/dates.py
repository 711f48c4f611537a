"""Closure and special-day dates as owners type them, in four languages, and dates back in words.

Each date is read by dateparser ("24 december", "24 Dec", "24.12.", "2 janvier", "3. Januar",
"2026-12-24", "morgen", "demain"), relative to a ``today`` the caller passes in (the conversation's
clock, so tests freeze it). What lies around the dates is read here: closed words ("dicht",
"geschlossen", "fermé"…), range words ("t/m", "bis", "au", "to"…) and "until" ("tot", "bis",
"jusqu'au") which means "from today". A date written without a year is the next one from today, and a
range is placed so that it is upcoming or running: "24 December to 2 January" typed on 28 December
is the closure that is running now, not one a year later.

Dates are shown back in words in the reader's language with Babel ("24 december", "2. Januar 2027").
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

from babel.dates import format_skeleton

from catalog.typed_hours import Unreadable, read_span
from concierge.i18n import LANGUAGES, normalise_language
from concierge.owners.checks import Invalid

MAX_CLOSURE_DAYS = 366

_UNTIL = r"t/m|t\.e\.m\.|tot en met|tot|until|till|to|through|thru|bis|bis zum|bis einschließlich|jusqu'au|jusqu'à|jusqu'a"
_RANGE = re.compile(
    rf"\s+(?:{_UNTIL}|au|à|a)\s+|\s*[–—]\s*|\s+-\s+",
    flags=re.IGNORECASE,
)
_STARTS_WITH_UNTIL = re.compile(rf"^(?:{_UNTIL})\s+", flags=re.IGNORECASE)
_NOISE = re.compile(
    r"(?<![\w'])(?:"
    r"wegens vakantie|vanwege vakantie|op vakantie|vakantie|wij zijn|we zijn|zijn we|zijn|dicht|gesloten|"
    r"van|vanaf|op|de|het|"
    r"closed for holidays|on holiday|holidays?|we are|we're|closed|shut|from|on|the|"
    r"wegen urlaub|betriebsferien|urlaub|wir haben|haben wir|geschlossen|zu|vom|von|ab|am|an|den|"
    r"en congés|congés|vacances|nous sommes|fermeture|fermée?s?|du|le|la|les|l'"
    r")(?![\w'])",
    flags=re.IGNORECASE,
)
_OFF = re.compile(
    r"(?<!\w)(?:dicht|gesloten|closed|shut|off|geschlossen|zu|ruhetag|fermée?s?|fermeture)(?!\w)",
    flags=re.IGNORECASE,
)
_SPAN = re.compile(
    r"(?<![\d.:/-])\d{1,2}(?:[:.h]\d{2})?\s*(?:uur|uhr|h)?\s*(?:-|–|tot|to|until|bis|à|a)\s*"
    r"\d{1,2}(?:[:.h]\d{2})?(?!\d)\s*(?:uur|uhr|h)?",
    flags=re.IGNORECASE,
)
_LEADING_DAY = re.compile(r"^\s*\d{1,2}\.?")
_EXPLICIT_YEAR = re.compile(r"\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")


@cache
def _dateparser() -> Any:
    """dateparser loads its language data on first use (about 0.3 s): only when an owner types a date."""
    import dateparser

    return dateparser


def _languages(lang: str) -> list[str]:
    first = normalise_language(lang, default="en")
    return [first, *(code for code in LANGUAGES if code != first)]


def _clean(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("\u00a0", " ")
    return " ".join(text.split()).strip(" .,:;!")


def one_date(text: str, lang: str, today: dt.date) -> dt.date:
    """A single date; without a year, the next one from ``today`` (today included)."""
    part = _NOISE.sub(" ", _clean(text)).strip(" ,:;")
    if not part:
        raise Invalid("dates")
    settings = {
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
        "REQUIRE_PARTS": ["day", "month"],
    }
    found = _dateparser().parse(part, languages=_languages(lang), settings=settings)
    if found is None:
        raise Invalid("dates")
    day: dt.date = found.date()
    if not _EXPLICIT_YEAR.search(part) and re.search(r"\d", part) is not None:
        try:
            day = day.replace(year=today.year)
            if day < today:
                day = day.replace(year=today.year + 1)
        except ValueError:
            day = found.date()
    return day


def closure(text: str, lang: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """ "dicht van 24 december t/m 2 januari", "closed 24 Dec to 2 Jan", "geschlossen vom 24.12. bis
    2.1.", "fermé jusqu'au 3 janvier" (from today), "closed on 24 December" (that day) → first and
    last closed day. Raises :class:`Invalid` ("dates") for anything else, a range in the past or one
    longer than a year."""
    cleaned = _NOISE.sub(" ", _clean(text))
    cleaned = " ".join(cleaned.split())
    if _STARTS_WITH_UNTIL.match(cleaned):
        start, end = today, one_date(_STARTS_WITH_UNTIL.sub("", cleaned), lang, today)
    else:
        parts = _RANGE.split(cleaned, maxsplit=1)
        if len(parts) == 1:
            start = end = one_date(parts[0], lang, today)
        else:
            first = parts[0].strip()
            if re.fullmatch(r"\d{1,2}\.?", first):  # "1 to 3 February", "3. bis 14. August"
                first = first + " " + _LEADING_DAY.sub("", parts[1])
            start, end = one_date(first, lang, today), one_date(parts[1], lang, today)
            if end < start and not _EXPLICIT_YEAR.search(parts[0]):
                earlier = _year_before(start)
                start = earlier if earlier is not None and earlier <= end else start
            if end < start and not _EXPLICIT_YEAR.search(parts[1]):
                later = _year_after(end)
                end = later if later is not None else end
    if end < start or end < today or (end - start).days > MAX_CLOSURE_DAYS:
        raise Invalid("dates")
    return start, end


def _year_before(day: dt.date) -> dt.date | None:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return None


def _year_after(day: dt.date) -> dt.date | None:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return None


def special_day(text: str, lang: str, today: dt.date) -> tuple[dt.date, str]:
    """ "24 december 10-14 uur", "24 December 10:00-14:00", "31.12. geschlossen" → (the day,
    "10:00-14:00" or "off"). Several spans ("10-12 en 14-17") are kept."""
    spans = []
    for match in _SPAN.finditer(text):
        try:
            spans.append("-".join(read_span(match.group(0), lang)))
        except Unreadable as problem:
            raise Invalid("special") from problem
    date_text = _OFF.sub(" ", _SPAN.sub(" ", text))
    date_text = re.sub(
        r"(?<!\w)(?:en|and|und|et|open|geopend|geöffnet|ouvert)(?!\w)", " ", date_text, flags=re.I
    )
    try:
        day = one_date(date_text, lang, today)
    except Invalid as problem:
        raise Invalid("special") from problem
    if day < today:
        raise Invalid("special")
    return day, ",".join(spans) if spans else "off"


def in_words(day: dt.date, lang: str, today: dt.date | None = None) -> str:
    """ "24 december", "24. Dezember", "24 décembre"; the year is added when it is not ``today``'s."""
    locale = normalise_language(lang, default="en")
    skeleton = "MMMMd" if today is not None and day.year == today.year else "yMMMMd"
    return str(format_skeleton(skeleton, day, locale=locale))


def iso_in_words(key: str, lang: str, today: dt.date | None = None) -> str:
    """A stored ISO date in words; anything else as it is."""
    try:
        return in_words(dt.date.fromisoformat(key), lang, today)
    except ValueError:
        return key


def hours_in_words(hours: str) -> str:
    """A special day's stored hours ("10:00-14:00,15:00-17:00") with en dashes, for reading."""
    return ", ".join(span.replace("-", "–") for span in hours.split(","))
