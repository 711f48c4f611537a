"""Chain detection: is a business a branch of a chain brand rather than an independent?

Brand names come from the name-suggestion-index (``data/chain_brands.json``, BSD-3-Clause), each with
the countries where it counts (its ``locationSet``, resolved by ``python -m catalog.sources.chains``). Matching is on whole words of
a normalised name so that "Kruidvat Lindenlaan" is the chain Kruidvat, while "Bakker Bart's Brood" is
not the chain "Bakker Bart". The lookup is built once per set of buckets and cached.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from sys import intern
from typing import Any

BRANDS_FILE = Path(__file__).with_name("data") / "chain_brands.json"
SHORT_BRAND = 3
"""Brands this short (letters and digits only) must equal the whole name: "DA", "OK", "C&A"."""
BRAND_TAGS = ("brand", "brand:wikidata")
CATEGORY_KEYS = ("shop", "amenity", "craft", "office", "healthcare", "leisure", "tourism")

_APOSTROPHES = re.compile(r"['’`´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_name(name: str) -> str:
    """Casefold, fold accents, drop apostrophes and collapse other punctuation to single spaces."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = _APOSTROPHES.sub("", folded)
    return _NON_WORD.sub(" ", folded).strip()


@dataclass(frozen=True, slots=True)
class _Brand:
    words: tuple[str, ...]
    tags: frozenset[str]


@dataclass
class ChainIndex:
    """Normalised brand names of some country buckets: full names and brands by their first word."""

    exact: set[str] = field(default_factory=set)
    by_first_word: dict[str, list[_Brand]] = field(default_factory=dict)

    def add(self, name: str, tag: str) -> None:
        normalised = normalise_name(name)
        if not normalised:
            return
        self.exact.add(normalised)
        words = tuple(map(intern, normalised.split()))  # brand words repeat ("de", "shop", "bakker")
        if len("".join(words)) <= SHORT_BRAND:
            return
        brands = self.by_first_word.setdefault(words[0], [])
        for i, brand in enumerate(brands):
            if brand.words == words:
                brands[i] = _Brand(words, brand.tags | {tag})
                return
        brands.append(_Brand(words, _tag_set(tag)))

    def matches(self, name: str, categories: frozenset[str] = frozenset()) -> bool:
        return self.brand(name, categories) is not None

    def brand(self, name: str, categories: frozenset[str] = frozenset()) -> str | None:
        """The normalised brand ``name`` is a branch of ("kruidvat" for "Kruidvat Lindenlaan"), or None."""
        normalised = normalise_name(name)
        if not normalised:
            return None
        if normalised in self.exact:
            return normalised
        words = normalised.split()
        for brand in self.by_first_word.get(words[0], ()):
            size = len(brand.words)
            if len(words) <= size or tuple(words[:size]) != brand.words:
                continue
            # A one-word brand ("Wolf", "Normal") followed by more words is only trusted when the
            # record's own category agrees with the brand's, or when the category is unknown.
            if size > 1 or not categories or brand.tags & categories:
                return " ".join(brand.words)
        return None


@cache
def _tag_set(tag: str) -> frozenset[str]:
    """One set per tag, shared by the brands of that tag: tens of thousands of brands, a few hundred tags."""
    return frozenset({tag})


def load_brands(path: Path = BRANDS_FILE) -> dict[str, list[tuple[str, str]]]:
    """``key=value`` tag to ``(brand name, countries)``: see :func:`counts_in` for ``countries``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {tag: [(name, where) for name, where in pairs] for tag, pairs in data["brands"].items()}


def counts_in(countries: str, country: str) -> bool:
    """Whether a brand whose ``countries`` are ``"*"`` (all), ``"* -US -CA"`` (all but those) or
    ``"BE NL"`` counts as a chain in ``country`` (ISO code, upper case)."""
    codes = countries.split()
    if codes[:1] == ["*"]:
        return f"-{country}" not in codes
    return country in codes


@cache
def _index(country: str | None) -> ChainIndex:
    index = ChainIndex()
    for tag, brands in load_brands().items():
        for name, where in brands:
            if country is None or counts_in(where, country):
                index.add(name, tag)
    return index


def chain_index(country: str | None = None) -> ChainIndex:
    """The cached index of the brands that count in a country (ISO code, any case); all when unknown."""
    return _index(country.strip().upper() or None if country else None)


def _categories(tags: Mapping[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    for key in CATEGORY_KEYS:
        value = tags.get(key)
        if isinstance(value, str) and value:
            found.update(f"{key}={part.strip()}" for part in value.split(";") if part.strip())
    return frozenset(found)


def is_chain(
    name: str,
    tags: Mapping[str, Any] | None = None,
    country: str | None = None,
    categories: Iterable[str] = (),
) -> bool:
    """True when ``tags`` carry a brand, or ``name`` or the ``operator`` tag is (a branch of) a chain
    brand that counts in ``country``.

    ``categories`` (``key=value`` strings) may be given instead of, or besides, OSM ``tags``.
    """
    tags = tags or {}
    if any(str(tags.get(key) or "").strip() for key in BRAND_TAGS):
        return True
    known = _categories(tags) | frozenset(categories)
    index = chain_index(country)
    return index.matches(name or "", known) or index.matches(_operator(tags), known)


def _operator(tags: Mapping[str, Any]) -> str:
    """OSM ``operator``: a branch named after its street is still run by its brand ("Albert Heijn
    B.V."); only an operator that is itself a known brand makes a chain, a person or a town does not."""
    return str(tags.get("operator") or "").strip()


def brand_key(
    name: str,
    tags: Mapping[str, Any] | None = None,
    country: str | None = None,
    categories: Iterable[str] = (),
) -> str:
    """What the branches of one chain share, so fairness can count them as one brand:
    ``brand=<normalised name>`` from the OSM ``brand`` tag, else from the known brand the name (or the
    ``operator``) starts with; else ``brand:wikidata=<id>``; else the business's own name."""
    tags = tags or {}
    tagged = str(tags.get("brand") or "").strip()
    if tagged and normalise_name(tagged):
        return f"brand={normalise_name(tagged)}"
    index, kinds = chain_index(country), _categories(tags) | frozenset(categories)
    known = index.brand(name or "", kinds) or index.brand(_operator(tags), kinds)
    if known:
        return f"brand={known}"
    wikidata = str(tags.get("brand:wikidata") or "").strip()
    if wikidata:
        return f"brand:wikidata={wikidata}"
    return f"brand={normalise_name(name or '')}"
