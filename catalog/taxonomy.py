"""Shop types: the OpenStreetMap presets of the iD editor, with names and synonyms in nl/en/de/fr.

The data is ``catalog/data/osm_shop_taxonomy.json`` (iD tagging schema 6.19.2, ISC), rebuilt by
``python -m catalog.sources.id_presets``. A preset is
identified by its ``tag`` (``"shop=bakery"``, or ``"amenity=cafe;cuisine=coffee_shop"`` for a more
specific preset); a business's ``categories`` are OSM-style ``key=value`` strings resolved with
:meth:`Taxonomy.preset_for`.

:meth:`Taxonomy.suggest` turns what an owner types as their category ("bakker", "Blumenladen",
"bakkerj") into the best presets. Plain fuzzy ratios let short words match everything, so scoring is
per word with explicit rules: exact words, typos of words of four letters or more, prefixes, and
Dutch/German compounds that share a long first part ("fietsenmaker" ~ "fietsenwinkel").
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

LANGUAGES = ("nl", "en", "de", "fr")
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "osm_shop_taxonomy.json"

FACILITIES = frozenset(
    {
        "amenity=vending_machine",
        "amenity=atm",
        "amenity=bicycle_repair_station",
        "amenity=give_box",
        "amenity=parcel_locker",
        "amenity=public_bookcase",
        "amenity=recycling",
    }
)
"""Unattended facilities: real presets, but never what an owner runs, so not suggested by default."""

MIN_SCORE = 75.0
WORD_CUTOFF = 65.0
COMMON_WORD_PRESETS = 5
SPREAD_FACTOR = 0.9
OTHER_LANGUAGE_FACTOR = 0.92
MAX_QUERY_CHARS = 100


@dataclass(frozen=True, slots=True)
class Preset:
    tag: str
    tags: dict[str, str]
    group: str
    names: dict[str, str]
    terms: dict[str, tuple[str, ...]]
    searchable: bool = True
    preset_id: str = ""
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    regional_names: dict[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.tag)

    def __repr__(self) -> str:
        return f"Preset({self.tag!r})"

    @property
    def primary_tag(self) -> str:
        return self.tag.split(";", 1)[0]

    @property
    def generic(self) -> bool:
        """``shop=*`` and ``craft=*``: placeholders for any shop, never a useful answer."""
        return self.primary_tag.endswith("=*")

    @property
    def facility(self) -> bool:
        return self.primary_tag in FACILITIES

    def name(self, lang: str) -> str:
        regional = self.regional_names.get(_regional_key(lang))
        if regional:
            return regional
        return self.names.get(_base_language(lang)) or self.names.get("en") or readable_tag(self.tag)

    def names_in(self, lang: str) -> Iterable[str]:
        """The name, aliases and regional names in ``lang``."""
        if name := self.names.get(lang):
            yield name
        yield from self.aliases.get(lang, ())
        for region, name in self.regional_names.items():
            if region.split("-")[0] == lang:
                yield name

    def search_strings(self, lang: str) -> Iterable[str]:
        """Names and terms an owner might type in ``lang``."""
        yield from self.names_in(lang)
        yield from self.terms.get(lang, ())


def readable_tag(tag: str) -> str:
    """``"shop=bicycle_repair"`` -> ``"Bicycle repair"``: the last resort for a tag without a name."""
    value = tag.split(";", 1)[0].split("=", 1)[-1].replace("_", " ").strip()
    return value[:1].upper() + value[1:]


def normalise_tag(tag: str) -> str:
    key, _, value = tag.partition("=")
    return f"{key.strip().lower()}={value.strip().lower()}" if value.strip() else key.strip().lower()


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: "Bäckerei-Café" -> "backerei cafe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = (char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char))
    return " ".join("".join(letters).split())


def _base_language(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


def _regional_key(lang: str) -> str:
    parts = lang.replace("_", "-").split("-")
    return f"{parts[0].lower()}-{parts[1].upper()}" if len(parts) > 1 else parts[0].lower()


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def word_score(query_word: str, word: str) -> float:
    """How well one typed word matches one word of a name or term, 0-100."""
    if query_word == word:
        return 100.0
    if len(query_word) < 4:
        return 0.0
    score = fuzz.ratio(query_word, word) if len(word) >= 4 else 0.0
    if word.startswith(query_word):
        score = max(score, 75 + 20 * len(query_word) / len(word))
    if len(query_word) >= 5 and word.endswith(query_word):
        score = max(score, 72 + 20 * len(query_word) / len(word))
    prefix = _common_prefix(query_word, word)
    if prefix >= 5 and prefix * 2 >= min(len(query_word), len(word)):
        score = max(score, 60 + 30 * prefix / max(len(query_word), len(word)))
    return score


def _specificity(preset_count: int) -> float:
    """Weight of a word found in the synonyms of ``preset_count`` presets.

    Words such as "winkel", "shop" or "magasin" occur in dozens of presets and say little on their
    own, so typing just "winkel" suggests nothing rather than dozens of arbitrary shop types.
    """
    if preset_count <= COMMON_WORD_PRESETS:
        return 1.0
    return max(0.6, 1.0 - 0.1 * math.log2(preset_count / COMMON_WORD_PRESETS))


@dataclass(frozen=True, slots=True)
class _Entry:
    preset: int
    lang: str
    words: tuple[str, ...]
    text: str
    is_name: bool


class Taxonomy:
    """The presets with lookups by tag and a fuzzy matcher for typed categories."""

    def __init__(self, presets: Sequence[Preset]) -> None:
        self.presets: tuple[Preset, ...] = tuple(presets)
        self._by_tag = {preset.tag: preset for preset in self.presets}
        self._variants: dict[str, list[Preset]] = defaultdict(list)
        for preset in sorted(self.presets, key=lambda p: len(p.tags)):
            if not preset.generic:
                self._variants[preset.primary_tag].append(preset)
        self._entries: list[_Entry] = []
        self._by_word: dict[str, list[int]] = defaultdict(list)
        self._by_text: dict[str, list[int]] = defaultdict(list)
        for index, preset in enumerate(self.presets):
            if not preset.searchable or preset.generic:
                continue
            for lang in LANGUAGES:
                names = {fold(name) for name in preset.names_in(lang)}
                for text in dict.fromkeys(fold(s) for s in preset.search_strings(lang)):
                    if not text:
                        continue
                    entry_index = len(self._entries)
                    self._entries.append(_Entry(index, lang, tuple(text.split()), text, text in names))
                    self._by_text[text].append(entry_index)
                    for word in set(text.split()):
                        self._by_word[word].append(entry_index)
        self._words = list(self._by_word)
        self._weight = {
            word: _specificity(len({self._entries[i].preset for i in entries}))
            for word, entries in self._by_word.items()
        }

    @classmethod
    def from_file(cls, path: Path) -> Taxonomy:
        records = json.loads(path.read_text(encoding="utf-8"))
        return cls([_preset(record) for record in records])

    def by_tag(self, tag: str) -> Preset | None:
        """The preset for ``"shop=bakery"`` (or a full ``"a=b;c=d"`` preset tag); None if unknown."""
        tag = ";".join(normalise_tag(part) for part in tag.split(";") if part.strip())
        found = self._by_tag.get(tag)
        if found is None and self._variants.get(tag):
            found = self._variants[tag][0]
        return None if found is None or found.generic else found

    def preset_for(self, categories: Iterable[str]) -> Preset | None:
        """The most specific preset all of whose tags are among ``categories``.

        Ties go to the preset whose primary tag comes first in ``categories``, so
        ``["shop=bakery", "amenity=cafe"]`` is a bakery.
        """
        tags = [normalise_tag(c) for c in categories if isinstance(c, str) and "=" in c]
        position = {tag: i for i, tag in reversed(list(enumerate(tags)))}
        best: Preset | None = None
        best_key: tuple[int, int] | None = None
        for tag in tags:
            for candidate in self._variants.get(tag, ()):
                needed = [f"{k}={v}" for k, v in candidate.tags.items()]
                if all(t in position for t in needed):
                    key = (len(needed), -position[candidate.primary_tag])
                    if best_key is None or key > best_key:
                        best, best_key = candidate, key
        return best

    def name(self, tag_or_categories: str | Iterable[str], lang: str) -> str:
        """Localised shop type ("Bakkerij"), falling back to English, then to the tag itself."""
        if isinstance(tag_or_categories, str):
            categories = [part for part in tag_or_categories.split(";") if part.strip()]
            preset = self.by_tag(tag_or_categories) or self.preset_for(categories)
        else:
            categories = [c for c in tag_or_categories if isinstance(c, str)]
            preset = self.preset_for(categories)
        if preset is not None:
            return preset.name(lang)
        return readable_tag(categories[0]) if categories else ""

    def suggest(
        self, text: str, lang: str, limit: int = 3, *, include_facilities: bool = False
    ) -> list[tuple[Preset, float]]:
        """Best presets for a typed category, scored 0-100; matches in ``lang`` are preferred.

        Returns [] for empty input, emoji, one- and two-letter words and anything that matches
        nothing well; a word of three letters alone ("bar", "spa") must be a name or term exactly.
        Ties go to the preset matched by its name in ``lang``, then to the one whose name is
        closest to the text, then to the one with most matching synonyms.
        """
        if not isinstance(text, str) or limit <= 0:
            return []
        query = fold(text[:MAX_QUERY_CHARS])
        if not query:
            return []
        lang = _base_language(lang)
        query_words = list(dict.fromkeys(w for w in query.split() if len(w) >= 3))
        if len(query_words) == 1 and len(query_words[0]) < 4:
            query_words = []
        per_word = [self._word_matches(word) for word in query_words]
        entry_scores = {index: self._exact_score(index) for index in self._by_text.get(query, ())}
        for entry_index in set().union(*per_word) if per_word else ():
            entry_scores.setdefault(entry_index, self._entry_score(entry_index, per_word))
        ranking: list[tuple[tuple[float, ...], Preset, float]] = []
        for preset_index, (score, by_name, support) in self._aggregate(entry_scores, per_word, lang).items():
            preset = self.presets[preset_index]
            if score < MIN_SCORE or (preset.facility and not include_facilities):
                continue
            score = round(score, 1)
            closeness = self._closeness(query, preset, lang)
            ranking.append(((score, by_name, closeness, support, -len(preset.tags)), preset, score))
        ranking.sort(key=lambda item: item[0], reverse=True)
        return [(preset, score) for _, preset, score in ranking[:limit]]

    @staticmethod
    def _closeness(query: str, preset: Preset, lang: str) -> float:
        return max(
            fuzz.WRatio(query, fold(name)) * (1.0 if language == lang else OTHER_LANGUAGE_FACTOR)
            for language, name in preset.names.items()
        )

    def _exact_score(self, entry_index: int) -> float:
        """A name typed exactly scores 100; a one-word synonym less the more presets share it."""
        entry = self._entries[entry_index]
        if entry.is_name or len(entry.words) > 1:
            return 100.0
        return 100.0 * self._weight[entry.text] ** 2

    def _word_matches(self, query_word: str) -> dict[int, dict[str, float]]:
        """Entry index -> {entry word: score} for the words ``query_word`` matches well."""
        candidates: dict[str, float] = {}
        if query_word in self._by_word:
            candidates[query_word] = 100.0
        if len(query_word) >= 4:
            for word, score, _ in process.extract(
                query_word, self._words, scorer=fuzz.ratio, score_cutoff=WORD_CUTOFF, limit=None
            ):
                if word[0] == query_word[0]:
                    candidates[word] = max(candidates.get(word, 0.0), score)
            head = query_word[:4]
            for word in self._words:
                if word[:4] == head or (len(query_word) >= 5 and word.endswith(query_word)):
                    score = word_score(query_word, word)
                    if score >= WORD_CUTOFF:
                        candidates[word] = max(candidates.get(word, 0.0), score)
        matches: dict[int, dict[str, float]] = defaultdict(dict)
        query_weight = self._weight.get(query_word, 1.0)
        for word, score in candidates.items():
            weighted = score * min(self._weight[word], query_weight)
            for entry_index in self._by_word[word]:
                matches[entry_index][word] = weighted
        return matches

    def _entry_score(self, entry_index: int, per_word: list[dict[int, dict[str, float]]]) -> float:
        """Mean over typed words of their best match in this entry, less for unmatched entry words."""
        entry = self._entries[entry_index]
        matched: set[str] = set()
        total = 0.0
        for matches in per_word:
            words = matches.get(entry_index, {})
            if words:
                total += max(words.values())
                matched.update(words)
        mean = total / len(per_word)
        return mean * (0.9 + 0.1 * len(matched) / len(entry.words))

    def _aggregate(
        self, entry_scores: dict[int, float], per_word: list[dict[int, dict[str, float]]], lang: str
    ) -> dict[int, tuple[float, bool, int]]:
        """Preset index -> (score, best match was a name in ``lang``, number of matching synonyms).

        The score is the best entry, discounted outside ``lang``; for several typed words, words
        spread over several synonyms of one preset also count ("bike" + "repair"), a little less.
        """
        best: dict[int, float] = {}
        by_name: dict[int, bool] = defaultdict(bool)
        support: dict[int, int] = defaultdict(int)
        for entry_index, score in entry_scores.items():
            entry = self._entries[entry_index]
            weighted = score if entry.lang == lang else score * OTHER_LANGUAGE_FACTOR
            if weighted > best.get(entry.preset, 0.0):
                best[entry.preset] = weighted
                by_name[entry.preset] = entry.is_name and entry.lang == lang
            if weighted >= WORD_CUTOFF:
                support[entry.preset] += 1
        if len(per_word) > 1:
            spread: dict[int, list[float]] = defaultdict(lambda: [0.0] * len(per_word))
            for position, matches in enumerate(per_word):
                for entry_index, words in matches.items():
                    entry = self._entries[entry_index]
                    weighted = max(words.values()) * (1.0 if entry.lang == lang else OTHER_LANGUAGE_FACTOR)
                    row = spread[entry.preset]
                    row[position] = max(row[position], weighted)
            for preset_index, row in spread.items():
                best[preset_index] = max(best.get(preset_index, 0.0), SPREAD_FACTOR * sum(row) / len(row))
        return {index: (score, by_name[index], support[index]) for index, score in best.items()}


def _preset(record: dict[str, object]) -> Preset:
    def strings(value: object) -> dict[str, str]:
        return (
            {k: v for k, v in (value or {}).items() if isinstance(v, str) and v}
            if isinstance(value, dict)
            else {}
        )

    def lists(value: object) -> dict[str, tuple[str, ...]]:
        if not isinstance(value, dict):
            return {}
        return {k: tuple(t for t in v if isinstance(t, str)) for k, v in value.items() if isinstance(v, list)}

    tags = record.get("tags")
    return Preset(
        tag=str(record["tag"]),
        tags={str(k): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {},
        group=str(record.get("group", "")),
        names=strings(record.get("names")),
        terms=lists(record.get("terms")),
        searchable=record.get("searchable", True) is not False,
        preset_id=str(record.get("preset_id", "")),
        aliases=lists(record.get("aliases")),
        regional_names=strings(record.get("regional_names")),
    )


@cache
def load_taxonomy(path: Path = DEFAULT_PATH) -> Taxonomy:
    """The taxonomy, read once per process."""
    return Taxonomy.from_file(path)
