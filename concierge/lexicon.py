"""The lexicon: what people ask for, mapped to concepts and the shop types that serve them.

Three sources, loaded once at start:

* product, service and need concepts from ``locales/lexicon/*.json`` (terms in nl/en/de/fr, the OSM tags
  of the shops that serve them, optional broader ``family`` concept);
* shop-type concepts from the OSM taxonomy (preset names, aliases and search terms);
* story themes (``"story": true``) matched against owners' stories rather than shop types.

Every term is indexed by its folded form and by its lemma, so "croissants", "Croissant" and
"croissant" reach the same concept, and an English question reaches a Dutch product list through the
shared concept.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from catalog.taxonomy import load_taxonomy
from concierge.kept import cache_folder
from concierge.query_data import language_data
from concierge.text import LANGS, LEMMAS, lemma, marked_words, tokens

LEXICON_DIR = Path(__file__).resolve().parent.parent / "locales" / "lexicon"
ConceptKind = Literal["product", "shop", "story"]
BROAD_SHARE = 0.025
"""A shop type named as "also has it" by more than this share of all product concepts is a broad
family (supermarket, marketplace, department store), not a specific association (spices at a deli)."""

EQUIVALENT_TAGS: dict[str, tuple[str, ...]] = {
    "shop=pharmacy": ("amenity=pharmacy",),
    "amenity=pharmacy": ("healthcare=pharmacy",),
    "shop=post_office": ("amenity=post_office",),
    "shop=cafe": ("amenity=cafe",),
    "shop=restaurant": ("amenity=restaurant",),
    "shop=bank": ("amenity=bank",),
    "shop=veterinary": ("amenity=veterinary",),
    "shop=marketplace": ("amenity=marketplace",),
    "shop=fuel": ("amenity=fuel",),
    "shop=jewellery": ("shop=jewelry",),
    "shop=shoe_repair": ("craft=shoemaker",),
    "craft=shoemaker": ("shop=shoe_repair",),
    "shop=tailor": ("craft=tailor",),
    "craft=tailor": ("shop=tailor",),
    "craft=optician": ("shop=optician",),
    "craft=watchmaker": ("craft=clockmaker", "shop=watches"),
    "craft=clockmaker": ("craft=watchmaker",),
    "shop=locksmith": ("craft=locksmith",),
    "craft=locksmith": ("shop=locksmith",),
    "craft=key_cutter": ("shop=locksmith", "craft=locksmith"),
    "shop=handicrafts": ("shop=craft", "shop=handicraft"),
    "shop=handicraft": ("shop=craft", "shop=handicrafts"),
    "shop=dentist": ("amenity=dentist",),
    "shop=doctors": ("amenity=doctors",),
    "shop=hairdresser_supply": ("shop=beauty",),
    "amenity=bureau_de_change": ("shop=money_transfer",),
    "craft=electronics_repair": ("shop=repair", "shop=mobile_phone_repair"),
    "shop=grocery": ("shop=convenience",),
}
"""Tags OSM mappers use for the same thing; a concept naming one also finds the others."""


def with_equivalents(tags: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in tags:
        for same in (tag, *EQUIVALENT_TAGS.get(tag, ())):
            if same not in out:
                out.append(same)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Concept:
    id: str
    kind: ConceptKind
    tags: tuple[str, ...]
    also: tuple[str, ...] = ()
    family: str | None = None
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    weak: bool = False
    """Matched only through a taxonomy search term, not a name: a hint rather than an intent."""
    primary: str = ""
    """The first, best-fitting tag of ``tags`` (its equivalents count as the same)."""
    purpose: bool = False
    """What a thing is for (a gift), not a thing: next to a thing named, it only sharpens."""

    def is_primary(self, tag: str) -> bool:
        return tag == self.primary or tag in EQUIVALENT_TAGS.get(self.primary, ())

    def label(self, lang: str) -> str:
        for code in (lang, "en", *LANGS):
            if self.terms.get(code):
                return self.terms[code][0]
        return self.id


@dataclass(frozen=True, slots=True)
class Hit:
    concept: str
    lang: str
    weak: bool = False

    def __reduce__(self) -> tuple[type[Hit], tuple[str, str, bool]]:
        """Pickled as a constructor call: the lexicon cache holds some 50,000 hits, and the default
        for frozen slotted dataclasses (``__setstate__`` walking the fields) costs half a second."""
        return Hit, (self.concept, self.lang, self.weak)


@dataclass
class Lexicon:
    concepts: dict[str, Concept]
    phrases: dict[str, tuple[Hit, ...]]
    """Folded phrase (words joined by one space) → concepts it names."""
    max_words: int
    words_by_lang: dict[str, frozenset[str]]
    """Single words of each language's terms, for language detection."""
    children: dict[str, list[str]] = field(default_factory=dict)
    accents: dict[str, dict[str, frozenset[bool]]] = field(default_factory=dict)
    """For folded phrases whose concepts differ in accents ("rose" the flower, "rosé" the wine): per
    concept, whether its terms for the phrase are written with accents, without, or both."""
    broad_tags: frozenset[str] = frozenset()
    """Shop types that "may have" a large share of all products (a supermarket, a market, a
    department store): such a type is a filler after real answers, never a hint of its own."""
    longest_from: dict[str, int] = field(default_factory=dict, repr=False)
    """For each word that begins a phrase of several words, the most words such a phrase has.

    Scanning a text for phrases (``concierge.indexing``) tries the longer ones only from these words:
    most words of a story begin none, and trying each length from every word (with its lemmas) took
    most of an index build. Exact: a phrase is only found from its first word."""
    _related: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def lookup(self, phrase: str, accented: bool | None = None) -> tuple[Hit, ...]:
        """The concepts ``phrase`` names. ``accented`` (the asker wrote accents: "rosé", "canapé",
        "légumes") keeps the concepts with a term written so, when the phrase also names others.
        Words typed without accents are not narrowed (phones make accents a bother), and a shop
        type's loose search term never wins over a real concept (German plural umlauts are inflection)."""
        hits = self.phrases.get(phrase, ())
        table = self.accents.get(phrase) if accented else None
        if table is None:
            return hits
        kept = tuple(h for h in hits if accented in table.get(h.concept, (accented,)))
        if not kept or (all(h.weak for h in kept) and not all(h.weak for h in hits)):
            return hits
        return kept

    def descendants(self, concept_id: str) -> list[str]:
        out, stack = [], [concept_id]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in out:
                    out.append(child)
                    stack.append(child)
        return out

    def ancestors(self, concept_id: str) -> list[str]:
        out = []
        current = self.concepts.get(concept_id)
        while current and current.family and current.family not in out:
            out.append(current.family)
            current = self.concepts.get(current.family)
        return out

    def related_tags(self, concept_id: str) -> frozenset[str]:
        """Shop types where a concept or its broader family is sold, done or found."""
        cached = self._related.get(concept_id)
        if cached is None:
            tags: set[str] = set()
            for cid in (concept_id, *self.ancestors(concept_id)):
                concept = self.concepts.get(cid)
                if concept:
                    tags.update(concept.tags)
                    tags.update(concept.also)
            cached = self._related[concept_id] = frozenset(tags)
        return cached


def _key(phrase: str) -> str:
    return " ".join(tokens(phrase))


def _lemma_key(phrase: str, lang: str) -> str:
    return " ".join(lemma(word, lang) for word in tokens(phrase))


def build_lexicon(
    documents: Iterable[dict], presets: Iterable, stopwords: dict[str, frozenset[str]] | None = None
) -> Lexicon:
    """``stopwords`` per language add a second key per term without them ("pain au levain" → "pain
    levain"), so a question can put its own small words between the words of a term."""
    stopwords = stopwords or {}
    concepts: dict[str, Concept] = {}
    phrases: dict[str, list[Hit]] = defaultdict(list)
    words: dict[str, set[str]] = {lang: set() for lang in LANGS}
    accents: dict[str, dict[str, set[bool]]] = defaultdict(lambda: defaultdict(set))

    def index(concept: str, lang: str, phrase: str, weak: bool = False) -> None:
        keys = {_key(phrase), _lemma_key(phrase, lang)}
        accented = bool(marked_words(phrase))
        for key in keys:
            accents[key][concept].add(accented)
        small = stopwords.get(lang, frozenset())
        bare = " ".join(w for w in tokens(phrase) if w not in small)
        if bare and len(bare.split()) > 1:
            keys.add(bare)
        for key in keys:
            if key and not any(h.concept == concept and h.lang == lang for h in phrases[key]):
                phrases[key].append(Hit(concept, lang, weak))
        if not weak:
            words[lang].update(tokens(phrase))

    for document in documents:
        domain = document.get("domain", "lexicon")
        weak_document = bool(document.get("weak"))
        for raw in document.get("concepts", []):
            cid = f"{domain}:{raw['id']}"
            family = f"{domain}:{raw['family']}" if raw.get("family") else None
            terms = {lang: tuple(raw.get("terms", {}).get(lang, ())) for lang in LANGS}
            kind: ConceptKind = "story" if raw.get("story") else "product"
            tags = with_equivalents(raw.get("tags", ()))
            also = tuple(t for t in with_equivalents(raw.get("also", ())) if t not in tags)
            concepts[cid] = Concept(
                cid,
                kind,
                tags,
                also,
                family,
                terms,
                primary=(raw.get("tags") or [""])[0],
                purpose=bool(raw.get("purpose")),
            )
            for lang, items in terms.items():
                for term in items:
                    index(cid, lang, term, weak=weak_document)

    for preset in presets:
        if not getattr(preset, "searchable", True) or preset.primary_tag.endswith("=*"):
            continue
        # A specific preset ("amenity=fast_food;cuisine=kebab") is its own concept, found by its
        # specific tags: "kebab" asks for kebab places, not for every take-away.
        cid = f"shop:{preset.tag}"
        tags = tuple(preset.tag.split(";")[1:]) or (preset.primary_tag,)
        names = {lang: tuple(n for n in [preset.names.get(lang, "")] if n) for lang in LANGS}
        for region, name in getattr(preset, "regional_names", {}).items():
            lang = region.split("-")[0]
            if lang in names and name:
                names[lang] = (*names[lang], name)
        for lang, items in getattr(preset, "aliases", {}).items():
            if lang in names:
                names[lang] = (*names[lang], *items)
        if cid in concepts:
            merged = {lang: (*concepts[cid].terms.get(lang, ()), *names[lang]) for lang in LANGS}
            concepts[cid] = Concept(cid, "shop", concepts[cid].tags, (), None, merged)
        else:
            concepts[cid] = Concept(cid, "shop", tags, (), None, names)
        for lang in LANGS:
            for name in names[lang]:
                index(cid, lang, name)
            for term in preset.terms.get(lang, ()):
                index(cid, lang, term, weak=True)

    children: dict[str, list[str]] = defaultdict(list)
    for concept in concepts.values():
        if concept.family and concept.family in concepts:
            children[concept.family].append(concept.id)
    products = [c for c in concepts.values() if c.kind == "product"]
    also_count: dict[str, int] = defaultdict(int)
    for concept in products:
        for tag in concept.also:
            also_count[tag] += 1
    # One object per distinct hit, list of hits and word: a concept's hits repeat under all its
    # phrasings (some 46,000 hits, 9,000 distinct; 37,000 phrases, 11,000 distinct lists of hits), and
    # the pickle keeps each shared object once, so the loaded lexicon holds fewer objects (14 MB less
    # 6 MB, and read twice as fast at every start). Tuples, so that sharing them is safe.
    distinct_hits: dict[Hit, Hit] = {}
    distinct_lists: dict[tuple[Hit, ...], tuple[Hit, ...]] = {}
    shared_words = {key: key for key in phrases}
    longest: dict[str, int] = {}
    for key in phrases:
        first, _, rest = key.partition(" ")
        if rest and rest.count(" ") + 2 > longest.get(first, 1):
            longest[shared_words.setdefault(first, first)] = rest.count(" ") + 2
    return Lexicon(
        concepts=concepts,
        phrases={
            key: _shared(tuple(distinct_hits.setdefault(h, h) for h in found), distinct_lists)
            for key, found in phrases.items()
        },
        max_words=max((len(k.split()) for k in phrases), default=1),
        words_by_lang={
            lang: frozenset(shared_words.setdefault(x, x) for x in w) for lang, w in words.items()
        },
        children=dict(children),
        longest_from=longest,
        broad_tags=frozenset(t for t, n in also_count.items() if n > BROAD_SHARE * len(products)),
        accents={
            key: {concept: frozenset(flags) for concept, flags in table.items()}
            for key, table in accents.items()
            if len({frozenset(flags) for flags in table.values()}) > 1
        },
    )


def _shared(hits: tuple[Hit, ...], seen: dict[tuple[Hit, ...], tuple[Hit, ...]]) -> tuple[Hit, ...]:
    return seen.setdefault(hits, hits)


def read_documents(directory: Path = LEXICON_DIR) -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]


def _sources() -> list[Path]:
    from catalog import taxonomy

    here = Path(__file__)
    code = [here, here.with_name("text.py"), here.with_name("query_data.py"), Path(taxonomy.__file__)]
    data = sorted(LEXICON_DIR.glob("*.json")) + sorted(LEXICON_DIR.parent.glob("*/query.json"))
    data += sorted(LEMMAS.glob("*.tsv.gz"))
    return [*code, *data, taxonomy.DEFAULT_PATH]


def lexicon_sources() -> list[Path]:
    """The data and code the bundled lexicon is built from (what its cache, and caches derived
    from it, are keyed by)."""
    return _sources()


def _cache_file() -> Path:
    digest = hashlib.sha256()
    for path in _sources():
        digest.update(path.read_bytes())
    return cache_folder() / f"lexicon-{digest.hexdigest()[:20]}.pickle"


@cache
def load_lexicon() -> Lexicon:
    """The lexicon, built once per content of its sources and kept in the user's cache folder.

    Building it lemmatises some 40,000 terms (about three seconds); every command and worker would
    pay that at start. The cache file's name is a digest of the data and of the code that builds it,
    so any change rebuilds it, and a cache that cannot be read or written is simply skipped.
    """
    path = _cache_file()
    try:
        with path.open("rb") as handle:
            cached = pickle.load(handle)
        if isinstance(cached, Lexicon):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    stopwords = {lang: language_data(lang).stopwords for lang in LANGS}
    lexicon = build_lexicon(read_documents(), load_taxonomy().presets, stopwords)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(lexicon, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError:
        pass
    return lexicon
