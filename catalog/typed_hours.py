"""Opening hours as owners type them, in Dutch, English, German or French, read into OSM syntax.

"ma-vr 9-18, za 10-17, zondag dicht", "Mon-Fri 9am-6pm", "Mo-Fr 9-18 Uhr", "du lundi au vendredi de 9h
à 18h" and the like become an OpenStreetMap ``opening_hours`` expression ("Mo-Fr 09:00-18:00;
Sa 10:00-17:00; Su off") that the opening-hours library accepts. Text already in OSM syntax is kept as
typed. The same reader serves the owners' flow, ``concierge hours`` and CSV imports.

How it reads: the text is cut into words, numbers and signs; each is looked up in the vocabulary of
one language (day names from Babel's CLDR data, plus range words, closed words, fillers… kept in
``catalog/data/typed_hours.json``). The reader
is strict on purpose: one word it does not know makes the whole reading fail, so that a sentence is
never half-read into wrong hours. It tries the owner's language first, then the other three (owners
mix, and "Mo-Fr 9-18 Uhr" is German to a Dutch bot too).

Choices worth knowing: "werktags" is read as Monday to Friday like "weekdays", "doordeweeks" and "en
semaine", as shop doors use it; "9-5" (an end before the start that makes sense twelve hours later)
means 9:00-17:00; an end before the start otherwise ("20-2") runs past midnight; a lunch break cuts the
hours of the days it is written with, or of every day when written on its own.

This module is pure (no database, no translations): describing the hours in words is done by
:func:`catalog.hours.describe` in the reader's caller.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import get_day_names
from opening_hours import OpeningHours

LANGUAGES = ("nl", "en", "de", "fr")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MAX_TEXT = 500
DAY_MINUTES = 24 * 60
ALL_WEEK = frozenset(range(7))


class Unreadable(ValueError):
    """The text is neither OSM syntax nor hours in words this reader understands."""


@dataclass(frozen=True, slots=True)
class Reading:
    expression: str
    """A valid OSM ``opening_hours`` expression."""
    language: str | None
    """The language the words were read in; None for OSM syntax or when only numbers and OSM day codes
    were used."""


# -- vocabulary -------------------------------------------------------------------------------------

WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})

VOCABULARY_FILE = Path(__file__).with_name("data") / "typed_hours.json"


def _vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    return data


_DATA = _vocabulary()
PHRASES: dict[str, dict[str, str]] = {lang: v["phrases"] for lang, v in _DATA["languages"].items()}
"""Words and phrases of each language, casefolded, with what they mean. Longer phrases win."""
FILLERS: dict[str, frozenset[str]] = {lang: frozenset(v["fillers"]) for lang, v in _DATA["languages"].items()}
"""Words that carry nothing for the hours ("open", "uur", "von", "heures")."""
COMMON: dict[str, str] = _DATA["common"]
"""Signs and OSM words, in every language."""
EXTRA_DAYS: dict[str, dict[str, int]] = {lang: v["extra_days"] for lang, v in _DATA["languages"].items()}
"""Common abbreviations CLDR does not list."""


@cache
def day_names(lang: str) -> dict[str, int]:
    """Day names of ``lang`` (CLDR, every width) and the OSM codes, casefolded, without dots."""
    names = {code.casefold(): i for i, code in enumerate(DAYS)}
    for width in ("wide", "abbreviated", "short"):
        for context in ("format", "stand-alone"):
            for number, name in get_day_names(width, context, locale=lang).items():
                names[name.casefold().rstrip(".")] = number
    names.update(EXTRA_DAYS.get(lang, {}))
    return names


def _day(word: str, lang: str) -> int | None:
    """A day name, also in its plural or adverbial form ("zondags", "samstags", "mondays", "lundis")."""
    names = day_names(lang)
    if word in names:
        return names[word]
    if len(word) > 3 and word.endswith("s") and word[:-1] in names:
        return names[word[:-1]]
    return None


@cache
def _phrase_pattern(lang: str) -> re.Pattern[str]:
    phrases = sorted({*PHRASES[lang], "24/7"}, key=len, reverse=True)
    alternatives = "|".join(re.escape(phrase) for phrase in phrases)
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])")


_TOKEN = re.compile(
    r"(?P<time>\d{1,2}(?:\s?[:.hu]\s?\d{2}(?!\d))?)(?!\d)"
    r"|(?P<marker>\x00\d+\x00)"
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)?\.?)"
    r"|(?P<sign>[-–—,;/&+():'\n.])"
    r"|(?P<space>[ \t\r]+)"
    r"|(?P<other>.)"
)


# -- tokens -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Token:
    kind: str
    """day, days, time, range, sep, and, closed, except, lunch, ph, always, am, pm."""
    days: frozenset[int] = frozenset()
    minutes: int = 0
    twelve_hour: bool = False
    """A time that may be on a 12-hour clock ("5", "5:30"; not "05:30" or "17")."""


def _normalise(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("\u00a0", " ")
    return re.sub(r"[ \t]+", " ", text).strip()


def tokens(text: str, lang: str) -> tuple[list[Token], int]:
    """The tokens of ``text`` in ``lang`` and how many words were that language's own (evidence);
    raises :class:`Unreadable` on the first word the language does not know."""
    phrases = PHRASES[lang]
    found: list[str] = []

    def mark(match: re.Match[str]) -> str:
        found.append(phrases.get(match.group(0), "always"))
        return f" \x00{len(found) - 1}\x00 "

    marked = _phrase_pattern(lang).sub(mark, _normalise(text))
    out: list[Token] = []
    evidence = 0
    for match in _TOKEN.finditer(marked):
        kind = match.lastgroup
        value = match.group(0)
        if kind == "space":
            continue
        if kind == "time":
            minutes = _clock(value)
            out.append(
                Token("time", minutes=minutes, twelve_hour=not value.startswith("0") and minutes <= 720)
            )
        elif kind == "marker":
            meaning = found[int(value.strip("\x00"))]
            evidence += meaning not in {"always"}
            out.append(_meaning_token(meaning))
        elif kind == "word":
            word = value.rstrip(".")
            day = _day(word, lang)
            if day is not None:
                evidence += word not in {code.casefold() for code in DAYS}
                out.append(Token("day", days=frozenset({day})))
            elif word in COMMON:
                out.append(_meaning_token(COMMON[word]))
            elif word in FILLERS[lang]:
                evidence += 1
            elif word in phrases:
                out.append(_meaning_token(phrases[word]))
            else:
                raise Unreadable(word)
        elif kind == "sign":
            meaning = COMMON.get(value, "skip")
            if meaning != "skip":
                out.append(_meaning_token(meaning))
        else:
            raise Unreadable(value)
    return out, evidence


def _meaning_token(meaning: str) -> Token:
    if meaning == "daily":
        return Token("days", days=ALL_WEEK)
    if meaning == "weekdays":
        return Token("days", days=WEEKDAYS)
    if meaning == "weekend":
        return Token("days", days=WEEKEND)
    if meaning == "noon":
        return Token("time", minutes=12 * 60)
    if meaning == "midnight":
        return Token("time", minutes=DAY_MINUTES)
    return Token(meaning)


def _clock(text: str) -> int:
    match = re.fullmatch(r"(\d{1,2})(?:\s?[:.hu]\s?(\d{2}))?", text)
    assert match is not None
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise Unreadable(text)
    return hour * 60 + minute


# -- reading ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Rule:
    days: set[int] = field(default_factory=set)
    holidays: bool = False
    spans: list[tuple[int, int]] = field(default_factory=list)
    breaks: list[tuple[int, int]] = field(default_factory=list)
    closed: bool = False
    excluded: set[int] = field(default_factory=set)
    """Days taken out with "except" ("tous les jours sauf le lundi"): closed."""

    @property
    def has_days(self) -> bool:
        return bool(self.days) or self.holidays

    @property
    def complete(self) -> bool:
        return bool(self.spans) or self.closed


@dataclass(slots=True)
class _Reader:
    items: list[Token]
    position: int = 0
    rules: list[Rule] = field(default_factory=list)
    rule: Rule = field(default_factory=Rule)
    shared_breaks: list[tuple[int, int]] = field(default_factory=list)
    last_day: int | None = None
    ranging: bool = False
    lunch: bool = False
    days_follow: bool = False
    """Days written after their hours ("9-18 ma-vr"): the next hours start a new rule."""
    after_sep: bool = True
    excepting: bool = False
    """Reading the days after "except" that belong to the rule being written."""

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.items[index] if index < len(self.items) else None

    def flush(self) -> None:
        if self.rule.has_days or self.rule.complete:
            if not self.rule.complete:
                raise Unreadable("days without hours")
            excluded = self.rule.excluded
            self.rule.days -= excluded
            self.rules.append(self.rule)
            if excluded:
                self.rules.append(Rule(days=set(excluded), closed=True))
        elif self.rule.breaks:
            self.shared_breaks.extend(self.rule.breaks)
        self.rule = Rule()
        self.last_day = None
        self.ranging = False
        self.days_follow = False
        self.excepting = False

    def read(self) -> list[Rule]:
        while (token := self.peek()) is not None:
            self.position += 1
            self.step(token)
            self.after_sep = token.kind == "sep"
        self.flush()
        if self.lunch:
            raise Unreadable("lunch without a time")
        return self.rules

    def step(self, token: Token) -> None:
        kind = token.kind
        if self.excepting and kind not in {"day", "days", "range", "and", "sep", "skip"}:
            self.excepting = False
        if kind in {"day", "days", "ph"}:
            self.days(token)
        elif kind == "time":
            self.span(token.minutes)
        elif kind == "range":
            if self.last_day is None:
                raise Unreadable("a range without a start")
            self.ranging = True
        elif kind == "closed":
            if self.rule.spans and (nxt := self.peek()) is not None and nxt.kind == "time":
                self.lunch = True
                return
            if self.rule.complete:
                self.flush()
            self.rule.closed = True
        elif kind == "except":
            if self.rule.has_days and not self.rule.complete:
                self.excepting = True  # "daily except Monday, 9-18": the hours still follow
                return
            self.flush()
            self.rule.closed = True
        elif kind == "lunch":
            if self.after_sep and self.rule.complete:
                self.flush()
            self.lunch = True
        elif kind == "always":
            if not self.rule.has_days and self.rule.complete:
                self.flush()
            self.rule.spans.append((0, DAY_MINUTES))
        elif kind == "sep":
            self.ranging = False
        elif kind in {"am", "pm"}:
            raise Unreadable(kind)

    def days(self, token: Token) -> None:
        if self.excepting:
            self.except_days(token)
            return
        listing = (self.days_follow or (self.rule.closed and not self.rule.spans)) and not self.after_sep
        joined = self.ranging or listing
        if self.rule.complete and self.rule.has_days and not joined:
            self.flush()
        self.days_follow = bool(self.rule.spans)
        if token.kind == "ph":
            self.rule.holidays = True
            self.last_day = None
            return
        if token.kind == "days":
            self.rule.days |= token.days
            self.last_day = None
            return
        day = next(iter(token.days))
        if self.ranging and self.last_day is not None:
            start = self.last_day
            self.rule.days |= set(
                range(start, day + 1) if start <= day else [*range(start, 7), *range(day + 1)]
            )
        self.rule.days.add(day)
        self.last_day = day
        self.ranging = False

    def except_days(self, token: Token) -> None:
        if token.kind == "ph":
            raise Unreadable("holidays after except")
        if token.kind == "days":
            self.rule.excluded |= token.days
            self.last_day = None
            return
        day = next(iter(token.days))
        if self.ranging and self.last_day is not None:
            start = self.last_day
            self.rule.excluded |= set(
                range(start, day + 1) if start <= day else [*range(start, 7), *range(day + 1)]
            )
        self.rule.excluded.add(day)
        self.last_day = day
        self.ranging = False

    def meridiem(self) -> str | None:
        token = self.peek()
        if token is not None and token.kind in {"am", "pm"}:
            self.position += 1
            return token.kind
        return None

    def span(self, start: int) -> None:
        if self.days_follow and not self.lunch:
            self.flush()
        start_half = self.meridiem()
        token = self.peek()
        if token is None or token.kind != "range":
            raise Unreadable("a time without an end")
        self.position += 1
        end_token = self.peek()
        if end_token is None or end_token.kind != "time":
            raise Unreadable("a time without an end")
        self.position += 1
        end_half = self.meridiem()
        start, end = (
            _with_meridiem(start, start_half, is_end=False),
            _with_meridiem(end_token.minutes, end_half, is_end=True),
        )
        if start_half is None and end_half == "pm" and start < 12 * 60 and start + 12 * 60 < end:
            start += 12 * 60
        if end <= start and end_half is None and end_token.twelve_hour and start < end + 12 * 60:
            end += 12 * 60
        if start >= DAY_MINUTES or start == end:
            raise Unreadable("an empty time span")
        if self.lunch:
            self.lunch = False
            self.rule.breaks.append((start, end))
            return
        self.ranging = False
        self.rule.spans.append((start, end))


def _with_meridiem(minutes: int, half: str | None, *, is_end: bool) -> int:
    if half is None:
        return minutes
    hour, minute = divmod(minutes, 60)
    if hour == 0 or hour > 12:
        raise Unreadable("am/pm after a 24-hour time")
    if half == "am":
        hour = 0 if hour == 12 else hour
        if hour == 0 and minute == 0 and is_end:
            return DAY_MINUTES
    elif hour != 12:
        hour += 12
    return hour * 60 + minute


def _cut(spans: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]] | None:
    """``spans`` with the break ``cut`` taken out, or None when no span holds it. A break written on
    a 12-hour clock ("lunch 1-2" in 9-6) is read in the afternoon when only that fits."""
    start, end = cut
    tries = [cut] + ([(start + 720, end + 720)] if end <= 720 else [])
    for cut_start, cut_end in tries:
        inside = [span for span in spans if span[0] < cut_start and cut_end < span[1]]
        if inside:
            span = inside[0]
            rest = [other for other in spans if other != span]
            return sorted([*rest, (span[0], cut_start), (cut_end, span[1])])
    return None


def _without_breaks(
    spans: Iterable[tuple[int, int]], own: Sequence[tuple[int, int]], shared: Sequence[tuple[int, int]]
) -> tuple[list[tuple[int, int]], int]:
    """The spans without the rule's own breaks (each must fit) and the shared breaks that fit; also
    how many shared breaks were used."""
    result = sorted(spans)
    for cut in own:
        cut_spans = _cut(result, cut)
        if cut_spans is None:
            raise Unreadable("a break outside the hours")
        result = cut_spans
    used = 0
    for cut in shared:
        cut_spans = _cut(result, cut)
        if cut_spans is not None:
            result, used = cut_spans, used + 1
    return result, used


@dataclass(frozen=True, slots=True)
class Week:
    """Hours read from words: spans in minutes per weekday (0 = Monday), the days said to be closed,
    and the public holidays' spans (None when not mentioned, empty when closed)."""

    days: dict[int, list[tuple[int, int]]]
    closed: frozenset[int]
    holidays: list[tuple[int, int]] | None

    def expression(self) -> str:
        return compose(self.days, closed_days=self.closed, holidays=self.holidays)


def _week(rules: Sequence[Rule], shared_breaks: Sequence[tuple[int, int]]) -> Week:
    """Later rules override earlier ones for their days, as in OSM."""
    if not rules:
        raise Unreadable("no hours")
    week: dict[int, list[tuple[int, int]]] = {}
    closed: set[int] = set()
    holidays: list[tuple[int, int]] | None = None
    shared_used = 0
    for rule in rules:
        days = rule.days if rule.has_days else set(ALL_WEEK)
        if rule.closed and rule.spans:
            raise Unreadable("hours and closed together")
        spans: list[tuple[int, int]] = []
        if not rule.closed:
            spans, used = _without_breaks(rule.spans, rule.breaks, shared_breaks)
            shared_used += used
        for day in days:
            if spans:
                week[day] = spans
                closed.discard(day)
            else:
                week.pop(day, None)
                closed.add(day)
        if rule.holidays:
            holidays = spans
    if shared_breaks and not shared_used:
        raise Unreadable("a break outside the hours")
    return Week(week, frozenset(closed), holidays)


def _read(text: str, lang: str) -> tuple[Week, int]:
    items, evidence = tokens(text, lang)
    reader = _Reader(items)
    week = _week(reader.read(), reader.shared_breaks)
    if not valid(week.expression()):
        raise Unreadable("not valid")
    return week, evidence


def _best(text: str, lang: str | None) -> tuple[Week, str | None]:
    """The reading in the language with most of its own words in ``text``; ties go to ``lang``."""
    order = [lang] if lang in LANGUAGES else []
    order += [code for code in LANGUAGES if code not in order]
    results: list[tuple[int, int, str]] = []
    weeks: dict[str, Week] = {}
    for rank, code in enumerate(order):
        try:
            weeks[code], evidence = _read(text, code)
        except Unreadable:
            continue
        results.append((-evidence, rank, code))
    if not results:
        raise Unreadable(text)
    evidence, _rank, code = min(results)
    return weeks[code], code if evidence else None


def read_week(text: str, lang: str | None = None) -> Week:
    """Hours in words as a :class:`Week`, for the guided builder that adds them day group by day
    group. Raises :class:`Unreadable`."""
    cleaned = text.strip().rstrip(";, \t").strip()
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise Unreadable("empty or too long")
    return _best(cleaned, lang)[0]


def valid(expression: str) -> bool:
    """Whether the opening-hours library accepts ``expression``."""
    try:
        OpeningHours(expression)
    except Exception:
        return False
    except BaseException as error:  # a Rust panic surfaces as a BaseException in pyo3
        if type(error).__name__ == "PanicException":
            return False
        raise
    return True


def read(text: str, lang: str | None = None) -> Reading:
    """The OSM expression for hours typed in any of the four languages, ``lang`` tried first.

    Raises :class:`Unreadable` when no language reads the whole text.
    """
    cleaned = text.strip().rstrip(";, \t").strip()
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise Unreadable("empty or too long")
    if valid(cleaned):
        return Reading(cleaned, None)
    week, language = _best(cleaned, lang)
    return Reading(week.expression(), language)


def read_span(text: str, lang: str | None = None) -> tuple[str, str]:
    """One time span as typed ("8.30 tot 17.30", "9am-6pm", "midi à minuit") as ("08:30", "17:30").

    Raises :class:`Unreadable` unless the text is exactly one span.
    """
    order = [lang] if lang in LANGUAGES else []
    for code in [*order, *(code for code in LANGUAGES if code not in order)]:
        try:
            rules = _Reader(tokens(text, code)[0]).read()
        except Unreadable:
            continue
        if len(rules) == 1 and not rules[0].has_days and not rules[0].closed and len(rules[0].spans) == 1:
            start, end = rules[0].spans[0]
            return hhmm(start), hhmm(end)
    raise Unreadable(text)


# -- writing OSM ------------------------------------------------------------------------------------


def hhmm(value: time | str | int) -> str:
    """ "HH:MM" for a time, "9:30"-like text or minutes since midnight."""
    if isinstance(value, int):
        return f"{value // 60:02d}:{value % 60:02d}"
    if isinstance(value, time):
        return f"{value.hour:02d}:{value.minute:02d}"
    match = re.fullmatch(r"\s*(\d{1,2})[:.h]?(\d{2})?\s*", value)
    if match is None or int(match.group(1)) > 48 or int(match.group(2) or 0) > 59:
        raise ValueError(f"not a time of day: {value!r}")
    return f"{int(match.group(1)):02d}:{match.group(2) or '00'}"


def day_ranges(days: Iterable[int]) -> str:
    """OSM day selectors: [0, 1, 2, 4] → "Mo-We,Fr"."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(DAYS[run[0]] if len(run) == 1 else f"{DAYS[run[0]]}-{DAYS[run[-1]]}" for run in runs)


Span = tuple[time | str | int, time | str | int]


def _spans(spans: Sequence[Span]) -> str:
    return ",".join(f"{hhmm(start)}-{hhmm(end)}" for start, end in sorted(spans, key=lambda s: hhmm(s[0])))


def compose(
    week: Mapping[int, Sequence[Span]],
    *,
    closed_on_public_holidays: bool = False,
    closed_days: Iterable[int] = (),
    holidays: Sequence[Span] | None = None,
) -> str:
    """The OSM expression for a weekly schedule.

    ``week`` maps a weekday (0 = Monday) to its opening spans, e.g. a lunch break as two spans;
    days with the same spans are grouped: ``{1: [("7:30", "18:00")], 2: ..., 5: [("7:30", "16:00")]}``
    gives ``"Tu-Fr 07:30-18:00; Sa 07:30-16:00"``. Days left out are closed; ``closed_days`` are
    written as closed ("Su off") because the owner said so. ``holidays`` are the public holidays'
    spans (empty: closed). Raises ValueError for a weekday outside 0-6 or a malformed time.
    """
    groups: dict[str, list[int]] = {}
    for day, spans in sorted(week.items()):
        if day not in range(7):
            raise ValueError(f"not a weekday: {day!r}")
        if spans:
            groups.setdefault(_spans(spans), []).append(day)
    closed = sorted(set(closed_days) - {day for days in groups.values() for day in days})
    if list(groups) == ["00:00-24:00"] and len(groups["00:00-24:00"]) == 7:
        rules = ["24/7"]
    else:
        rules = [f"{day_ranges(days)} {spans}" for spans, days in groups.items()]
        if closed:
            rules.append(f"{day_ranges(closed)} off")
        rules = rules or ["off"]
    if closed_on_public_holidays or (holidays is not None and not holidays):
        rules.append("PH off")
    elif holidays:
        rules.append(f"PH {_spans(holidays)}")
    return "; ".join(rules)
