"""Reading a shopping list: "brood, kaas, wijn en bloemen", "bread, cheese, wine, flowers", one item
per line, or "ich brauche Brot, Käse und Blumen".

Items are split at new lines, commas and semicolons, and at the list words "en", "and", "und", "et"
between them; a phrase the lexicon knows as one thing ("fish and chips") is never cut at its "and".
A text is a list when it names at least two things to buy (products, services or kinds of shop);
anything else is one question. The moment a list is for ("zaterdag", "ce soir") is :func:`moment`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from concierge.search import SearchService
from concierge.text import clean, fold
from concierge.understanding import Understanding, understand

MAX_ITEMS = 12
"""Items read from one list; the rest is left out and the answer says so."""
DAYTIME = dt.time(11, 0)
"""A list for a named day is planned for late morning, when nearly every shop is open."""
EVENING = dt.time(19, 30)

LIST_CHARS = 2000
"""A longer text is read only up to here: a list, not a paste."""
LIST_WORDS = frozenset({"en", "and", "und", "et", "&", "+", "plus"})
"""Words that join items of a list in the four languages."""
_SEPARATORS = re.compile(r"[,;\n]+")
_HEADING = re.compile(r"^\s*[^:,;\n]{1,40}:(?:\s+|$)")
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d+[.)]|\[[ xX]?\])\s*")
_CONCEPT_KINDS = frozenset({"product", "shop"})


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    """As the person wrote it (cleaned), which is what is searched."""
    label: str
    """What is shown: the item without list phrasing ("Brot" of "ich brauche Brot")."""
    concepts: tuple[str, ...]
    """Lexicon concepts it names (for counting unmet demand); empty when unknown."""


@dataclass(frozen=True, slots=True)
class RoundRequest:
    language: str
    items: tuple[Item, ...]
    dropped: int = 0
    """Items beyond ``MAX_ITEMS``, left out."""
    filters: tuple[str, ...] = ()
    """The question's time filters for the whole list ("zaterdag", "ce soir"): see :func:`moment`."""

    @property
    def text(self) -> str:
        """The list in one canonical line; reading it again gives the same items."""
        return ", ".join(item.text for item in self.items)


def _pieces(text: str) -> tuple[list[str], bool]:
    """The parts between separators, and whether the text had any separator besides list words.

    A heading before a colon ("Einkaufsliste: Brot, Milch", "boodschappen:" on its own line) is not
    an item; a colon inside a time ("10:00") is not a heading's."""
    text = "\n".join(_HEADING.sub("", line) for line in text.split("\n"))
    lines = [_BULLET.sub("", line).strip() for line in _SEPARATORS.split(text)]
    pieces = [line for line in lines if line]
    return pieces, len(pieces) > 1


def _split_list_words(piece: str) -> list[str]:
    words = piece.split()
    parts: list[list[str]] = [[]]
    for word in words:
        if fold(word) in LIST_WORDS and parts[-1]:
            parts.append([])
        else:
            parts[-1].append(word)
    return [" ".join(part) for part in parts if part]


def _label(piece: str, understanding: Understanding) -> str:
    """The piece from its first word the understanding kept ("ich brauche Brot" → "Brot")."""
    kept = {w for unit in understanding.units for w in unit.text.split()} | set(understanding.rest)
    words = piece.split()
    marks = [i for i, word in enumerate(words) if fold(word.strip(".,!?¿¡:;\"'“”„«»()")) in kept]
    if not marks:
        return piece.strip(" .!?:")
    return " ".join(words[marks[0] : marks[-1] + 1]).strip(" .!?:")


def read_list(
    text: str, search: SearchService, lang_hint: str | None = None, *, strict: bool = True
) -> RoundRequest | None:
    """The items of a shopping list, or None when ``text`` is one question rather than a list.

    ``strict=False`` (the API and MCP, where the caller says it is a list) takes any items, even one.
    """
    raw = "\n".join(clean(line, 1000) for line in text[:LIST_CHARS].replace("\r", "\n").split("\n"))
    pieces, separated = _pieces(raw)
    if strict and not separated and not LIST_WORDS.intersection(fold(word) for word in raw.split()):
        return None  # one line without a list word: a question, read no further
    whole = understand(raw.replace("\n", ", "), search.reader, lang_hint=lang_hint)
    lang = whole.language
    items: list[Item] = []
    for piece in pieces:
        parts = _split_list_words(piece)
        if len(parts) > 1:
            one = understand(piece, search.reader, lang_hint=lang)
            if any(set(unit.text.split()) & LIST_WORDS for unit in one.units):
                parts = [piece]  # "fish and chips": one thing with "and" in its name
        for part in parts:
            read = understand(part, search.reader, lang_hint=lang)
            if not read.units and not read.rest:
                continue  # only phrasing or filters ("nu open")
            concepts = tuple(
                dict.fromkeys(
                    hit.concept
                    for unit in read.units
                    if not unit.context
                    for hit in unit.hits
                    if search.lexicon.concepts[hit.concept].kind in _CONCEPT_KINDS
                )
            )
            if strict and not concepts and any(unit.hits for unit in read.units):
                return None  # a part that only qualifies ("for my cat", "organic"): one question
            items.append(Item(" ".join(part.split()), _label(part, read), concepts))
    unique = list({fold(item.text): item for item in items}.values())
    # The same thing twice ("brood en brood") is one item, and one item is a question, not a list.
    known = sum(1 for item in unique if item.concepts)
    if not unique:
        return None
    if strict and (
        len(unique) < 2 or known < (1 if separated else len(unique)) or (not separated and known < 2)
    ):
        return None
    return RoundRequest(
        lang, tuple(unique[:MAX_ITEMS]), max(0, len(unique) - MAX_ITEMS), tuple(whole.filters)
    )


def moment(request: RoundRequest, now: dt.datetime, timezone: str) -> dt.datetime:
    """When the list is for: a weekday named ("zaterdag", "samstags") is its next occurrence at
    ``DAYTIME`` (today, if it is today), "this evening" is ``EVENING`` today; otherwise now."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    for name in request.filters:
        if name.startswith("open_day:") and name[9:].isdigit():
            ahead = (int(name[9:]) - local.weekday()) % 7
            if ahead == 0:
                return now
            day = local.date() + dt.timedelta(days=ahead)
            return dt.datetime.combine(day, DAYTIME, zone)
        if name == "open_evening":
            evening = dt.datetime.combine(local.date(), EVENING, zone)
            return max(evening, local)
    return now
