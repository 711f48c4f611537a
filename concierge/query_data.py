"""The per-language data that query understanding reads (``locales/<lang>/query.json``): question
phrasing, stop words, filter phrases, place markers.

Its own module because both the lexicon (stop words, when it is built) and understanding read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from concierge.text import fold, tokens

LOCALES = Path(__file__).resolve().parent.parent / "locales"


@dataclass(frozen=True)
class LanguageData:
    lang: str
    question_phrases: tuple[tuple[str, ...], ...]
    stopwords: frozenset[str]
    shop_words: frozenset[str]
    filters: dict[str, tuple[tuple[str, ...], ...]]
    filter_context: frozenset[str]
    near_markers: tuple[tuple[str, ...], ...]
    for_words: frozenset[str]
    possessives: frozenset[str]
    use_times: tuple[tuple[str, ...], ...] = ()
    """"for tonight", "für heute Abend": when the thing will be used, not when the shop must be open."""

    @property
    def phrase_set(self) -> frozenset[tuple[str, ...]]:
        return _phrase_sets(self.lang)


def _phrases(items: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    seqs = {
        tuple(w for w in tokens(item) if len(w) > 1 or (w.isalpha() and item.strip() == w)) for item in items
    }
    return tuple(sorted((s for s in seqs if s), key=len, reverse=True))


@cache
def language_data(lang: str) -> LanguageData:
    raw = json.loads((LOCALES / lang / "query.json").read_text(encoding="utf-8"))
    return LanguageData(
        lang=lang,
        question_phrases=_phrases(raw["question_phrases"]),
        stopwords=frozenset(w for s in raw["stopwords"] for w in tokens(s)),
        shop_words=frozenset(w for s in raw["shop_words"] for w in tokens(s)),
        filters={name: _phrases(items) for name, items in raw["filters"].items()},
        filter_context=frozenset(w for s in raw["filter_context"] for w in tokens(s)),
        near_markers=_phrases(raw["near_markers"]),
        for_words=frozenset(fold(w) for w in raw.get("for_words", ())),
        possessives=frozenset(w for s in raw.get("possessives", ()) for w in tokens(s)),
        use_times=_phrases(raw.get("use_times", ())),
    )


@cache
def _phrase_sets(lang: str) -> frozenset[tuple[str, ...]]:
    return frozenset(p for p in language_data(lang).question_phrases if len(p) > 1)
