"""Opening hours in OpenStreetMap syntax: open now, next opening, closures.

Parsing and evaluation are done by ``opening-hours-py`` (a Rust port of the OSM specification) in the
area's time zone, with the area's public holidays for ``PH`` rules. Owners' temporary closures and
special days are appended to the expression as dated rules (``2025Dec24 10:00-14:00``,
``2025Dec20-2026Jan03 off``): later rules override earlier ones for their days, so the library
computes "opens at" across a closure by itself. Hours that cannot be parsed are kept as typed and
evaluate to "unknown" (``open_now is None``), never to an exception. Saying any of it in words is
the core's part (``concierge.hours_text``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opening_hours import OpeningHours, State

MAX_EXPRESSION_CHARS = 500
HORIZON = timedelta(days=370)
MAX_INTERVALS = 2000
OPEN_ENDED_CLOSURE = timedelta(days=3650)
UNKNOWN = "24/7 unknown"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HoursStatus:
    raw: str
    parsed: bool
    open_now: bool | None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    closed_temporarily: bool = False


def _safely(call: Callable[[], T]) -> T | None:
    """Runs a library call; parser errors and Rust panics (a BaseException in pyo3) become None."""
    try:
        return call()
    except Exception:
        return None
    except BaseException as error:
        if type(error).__name__ == "PanicException":
            return None
        raise


def clean(expr: str) -> str:
    """Surrounding space and a trailing separator ("Mo-Fr 09:00-17:00;") are typing slips, not syntax."""
    return expr.strip().rstrip(";, \t").strip()


@lru_cache(maxsize=4096)
def _compile(expr: str, timezone: str | None, country: str | None) -> OpeningHours | None:
    """``country`` must be one :func:`_library_country` accepted."""
    zone = ZoneInfo(timezone) if timezone else None
    return _safely(lambda: OpeningHours(expr, timezone=zone, country=country))


def parse(expr: object) -> OpeningHours | None:
    """The parsed expression, or None for empty, too long or unparsable input. Never raises."""
    if not isinstance(expr, str):
        return None
    text = clean(expr)
    if not text or len(text) > MAX_EXPRESSION_CHARS:
        return None
    return _compile(text, None, None)


def validate(expr: object) -> str | None:
    """None when ``expr`` is usable opening hours, else a short English reason."""
    if not isinstance(expr, str) or not clean(expr):
        return "empty"
    text = clean(expr)
    if len(text) > MAX_EXPRESSION_CHARS:
        return f"longer than {MAX_EXPRESSION_CHARS} characters"
    try:
        OpeningHours(text)
    except Exception as error:
        match = re.search(r"-->\s*\d+:(\d+)", str(error))
        if match:
            position = int(match.group(1))
            return f"not understood from character {position}: {text[position - 1 : position + 19]!r}"
        return "not valid opening hours syntax"
    except BaseException as error:
        if type(error).__name__ == "PanicException":
            return "not valid opening hours syntax"
        raise
    return None


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=256)
def _library_country(country: str) -> str | None:
    """The ISO code if opening-hours-py knows this country's public holidays, else None."""
    code = country.strip().upper()
    if not code:
        return None
    return code if _safely(lambda: OpeningHours("PH off", country=code)) is not None else None


def _osm_date(day: date) -> str:
    return f"{day.year}{MONTHS[day.month - 1]}{day.day:02d}"


def _day_rule(day: date, hours: str) -> str | None:
    hours = hours.strip()
    if hours.lower() in {"off", "closed", ""}:
        hours = "off"
    rule = f"{_osm_date(day)} {hours}"
    return rule if parse(rule) is not None else None


def _special_rules(special_hours: Mapping[str, str] | None, today: date) -> list[str]:
    rules = []
    for key, hours in sorted((special_hours or {}).items()):
        try:
            day = date.fromisoformat(str(key))
        except ValueError:
            continue
        if day >= today - timedelta(days=1) and isinstance(hours, str):
            rule = _day_rule(day, hours)
            if rule:
                rules.append(rule)
    return rules


def _holiday_rules(expr: str, country: str, today: date) -> list[str]:
    """For a country opening-hours-py has no calendar for: "PH ..." rules as dated rules.

    Only whole rules that start with ``PH`` ("PH off", "PH 10:00-14:00") are carried over; the
    dates come from the ``holidays`` package.
    """
    if "PH" not in expr.upper() or _library_country(country) or not country.strip():
        return []
    import holidays  # only for the few countries opening-hours-py lacks (about 6 MB)

    try:
        calendar = holidays.country_holidays(country.strip().upper(), years=(today.year, today.year + 1))
    except (NotImplementedError, KeyError, ValueError):
        return []
    ph_hours = [
        match.group(1) or "open"
        for rule in expr.split(";")
        if (match := re.fullmatch(r"\s*PH(?:\s+(.+?))?\s*", rule, flags=re.IGNORECASE))
    ]
    if not ph_hours:
        return []
    rules = []
    for day in sorted(calendar):
        if today - timedelta(days=1) <= day <= today + HORIZON:
            rule = _day_rule(day, ph_hours[-1])
            if rule:
                rules.append(rule)
    return rules


def _closure(closed_from: date | None, closed_until: date | None, today: date) -> tuple[date, date] | None:
    if closed_from is None and closed_until is None:
        return None
    start = closed_from or today
    end = closed_until or start + OPEN_ENDED_CLOSURE
    if end < start or end < today:
        return None
    return start, end


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def status(
    expr: str | None,
    now_utc: datetime,
    timezone: str,
    country: str = "NL",
    closed_from: date | None = None,
    closed_until: date | None = None,
    special_hours: Mapping[str, str] | None = None,
) -> HoursStatus:
    """Open or closed at ``now_utc``, evaluated in the local time of ``timezone``.

    ``closed_from``..``closed_until`` (inclusive dates; either may be missing) is a temporary
    closure; ``special_hours`` maps "YYYY-MM-DD" to "off" or hours such as "10:00-14:00" for that
    day. Returned datetimes are local.

    Hours have minute precision, so the answer is the same for a whole minute: it is memoised per
    minute, which makes ranking a dense street (many shops with the same hours) cheap.
    """
    special = tuple(sorted((str(k), v) for k, v in (special_hours or {}).items() if isinstance(v, str)))
    minute = _aware(now_utc).replace(second=0, microsecond=0)
    return _status_at(
        expr if isinstance(expr, str) else "", minute, timezone, country, closed_from, closed_until, special
    )


@lru_cache(maxsize=8192)
def _status_at(
    raw: str,
    now_utc: datetime,
    timezone: str,
    country: str,
    closed_from: date | None,
    closed_until: date | None,
    special_hours: tuple[tuple[str, str], ...],
) -> HoursStatus:
    zone = _zone(timezone)
    now = now_utc.astimezone(zone)
    today = now.date()
    base = clean(raw)
    parsed = parse(base) is not None
    closure = _closure(closed_from, closed_until, today)
    rules = [base if parsed else UNKNOWN]
    rules += _holiday_rules(base, country, today) if parsed else []
    rules += _special_rules(dict(special_hours), today)
    if closure:
        rules.append(f"{_osm_date(closure[0])}-{_osm_date(closure[1])} off")
    hours = _compile("; ".join(rules), zone.key, _library_country(country))
    closed_temporarily = closure is not None and closure[0] <= today <= closure[1]
    if hours is None:
        return HoursStatus(raw, parsed, False if closed_temporarily else None, None, None, closed_temporarily)
    return _evaluate(hours, now, zone, raw, parsed, closed_temporarily)


def _evaluate(
    hours: OpeningHours, now: datetime, zone: ZoneInfo, raw: str, parsed: bool, closed_temporarily: bool
) -> HoursStatus:
    intervals = _safely(lambda: _open_runs(hours, now, zone))
    if intervals is None:
        return HoursStatus(raw, parsed, None)
    state, opens_at, closes_at = intervals
    open_now = {State.OPEN: True, State.CLOSED: False}.get(state)
    return HoursStatus(raw, parsed, open_now, opens_at, closes_at, closed_temporarily)


def _open_runs(
    hours: OpeningHours, now: datetime, zone: ZoneInfo
) -> tuple[State, datetime | None, datetime | None]:
    """The state now, the start of the next open run (when not open) and the end of the current one."""
    state = hours.state(now)[0]
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    for count, (start, _end, interval_state, _comment) in enumerate(hours.intervals(now, now + HORIZON)):
        if count >= MAX_INTERVALS:
            break
        if state == State.OPEN:
            if interval_state != State.OPEN:
                closes_at = start.astimezone(zone)
                break
        elif interval_state == State.OPEN:
            opens_at = start.astimezone(zone)
            break
    return state, opens_at, closes_at
