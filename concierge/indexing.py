"""How a business is found: the index keys derived from its products, tags, name and story.

Keys are short strings with a one-letter kind:

* ``c:<concept>`` a lexicon concept named by the main part of one of its products or services;
* ``h:<word>`` the head word of a product ("zuurdesembrood met walnoot" → zuurdesembrood, "fromage de
  chèvre" → fromage), so a word the lexicon does not know still finds the product;
* ``x:<word>`` any other product word (weaker: "walnoot" in that bread);
* ``t:<key=value>`` its OSM tags; ``k:<key>`` the specific keys it has a value for (``cuisine``);
* ``n:<word>`` distinctive words of its name; ``s:<theme>`` story themes;
* ``m:<concept>`` a product or service its name names ("Reparatiecafé …" a repair café).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from catalog.taxonomy import load_taxonomy
from catalog.views import BusinessView
from concierge.lexicon import Hit, Lexicon
from concierge.text import LANGS, lemma, marked_words, tokens, variants

TAG_KEYS = (
    "shop",
    "amenity",
    "craft",
    "office",
    "healthcare",
    "leisure",
    "tourism",
    "vending",
    "clothes",
    "cuisine",
    "organic",
    "bulk_purchase",
    "second_hand",
    "outdoor_seating",
    "microbrewery",
    "social_facility",
    "theme",
    "hairdresser",
    "sport",
    "lgbtq",
    "fast_food",
    "food",
    "information",
    "beauty",
    "healthcare:speciality",
    "self_service",
)
"""Keys whose values say what a business is or sells (the specific tags of the iD presets among them)."""
SUB_TAG_PREFIXES = ("service:", "diet:")
BREAKS = frozenset(
    [
        "met",
        "with",
        "mit",
        "for",
        "voor",
        "fur",
        "van",
        "aus",
        "of",
        "de",
        "du",
        "des",
        "a",
        "au",
        "aux",
        "avec",
        "sans",
        "zonder",
        "ohne",
        "without",
        "op",
        "on",
        "in",
        "im",
        "en",
        "und",
        "and",
        "et",
        "und",
        "oder",
        "or",
        "of",
        "ou",
        "per",
    ]
)
NOTE = re.compile(r"[(\[].*?([)\]]|$)")
HEAD_FIRST = frozenset({"fr"})
PRIMARY_KEYS = frozenset({"shop", "amenity", "craft", "office", "healthcare"})
SPECIFIC_KEYS = frozenset({"cuisine", "vending", "clothes", "hairdresser", "sport", "healthcare:speciality"})
"""Keys that say which kind a business is (``k:<key>``): a sushi bar is not a kebab place that
"may have" kebab."""
CLEAR_CATEGORY = 90.0
"""Taxonomy suggestion score from which a mapper's own value is read as that shop type."""


@dataclass(frozen=True, slots=True)
class ProductAnalysis:
    concepts: frozenset[str]
    heads: frozenset[str]
    words: frozenset[str]
    guessed: frozenset[str] = frozenset()
    """Concepts read from one word of a longer name or from a compound's tail: plausible only where
    the business is of a kind that sells them ("nagels knippen" at a pet shop is not a haircut)."""


class Analyser:
    """Turns businesses into index keys; shares the lexicon with query understanding."""

    def __init__(self, lexicon: Lexicon, generic_words: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self.generic = frozenset(generic_words)

    @lru_cache(maxsize=100_000)  # noqa: B019 - one analyser per process, products repeat a lot
    def product(self, name: str, lang: str) -> ProductAnalysis:
        words = tokens(NOTE.sub(" ", name))
        if not words:
            return ProductAnalysis(frozenset(), frozenset(), frozenset())
        main_end = next((i for i, w in enumerate(words) if i and w in BREAKS), len(words))
        main = [w for w in words[:main_end] if w not in BREAKS] or words[:1]
        guessed: set[str] = set()
        concepts = self._concepts(
            words, lang, starts_before=main_end, guessed=guessed, marked=marked_words(name)
        )
        head = main[0] if lang in HEAD_FIRST else main[-1]
        heads = frozenset(variants(head, lang))
        if not concepts and len(head) >= 7:
            concepts = self._compound(head, lang)
            guessed |= concepts
        every = frozenset(form for word in words if len(word) >= 3 for form in variants(word, lang))
        return ProductAnalysis(concepts, heads, every - heads, frozenset(guessed))

    def _concepts(
        self,
        words: list[str],
        lang: str,
        kinds: tuple[str, ...] = ("product",),
        starts_before: int | None = None,
        guessed: set[str] | None = None,
        marked: frozenset[str] | None = None,
    ) -> frozenset[str]:
        """Concepts named by the longest phrases; with ``starts_before``, only phrases that begin in
        the main part of a product name ("noix de cajou" is cashews, "pain met walnoot" is bread)."""
        found: set[str] = set()
        i = 0
        lexicon = self.lexicon
        longest = lexicon.longest_from
        lemmas: list[str] | None = None  # each word's lemma, made once the first longer phrase is tried
        limit = len(words) if starts_before is None else starts_before
        while i < limit:
            most = longest.get(words[i], 1)
            if len(words) - i > 1:
                lemmas = lemmas or [lemma(w, lang) for w in words]
                most = max(most, longest.get(lemmas[i], 1))
            for n in range(min(most, len(words) - i), 0, -1):
                key = " ".join(words[i : i + n])
                accented = None if marked is None else any(w in marked for w in words[i : i + n])
                hits: Sequence[Hit] = lexicon.lookup(key, accented)
                if not hits and n > 1 and lemmas is not None:
                    hits = lexicon.lookup(" ".join(lemmas[i : i + n]), accented)
                if not hits and n == 1:
                    for variant in variants(key, lang)[1:]:
                        hits = lexicon.lookup(variant, accented)
                        if hits:
                            break
                hits = [h for h in hits if not h.weak and lexicon.concepts[h.concept].kind in kinds]
                if hits:
                    own = [h for h in hits if h.lang == lang] or hits
                    found.update(h.concept for h in own)
                    if guessed is not None and n == 1 and limit > 1:
                        guessed.update(h.concept for h in own)
                    i += n
                    break
            else:
                i += 1
        return frozenset(found)

    def _compound(self, word: str, lang: str) -> frozenset[str]:
        for cut in range(3, len(word) - 3):
            found = self._concepts([word[cut:]], lang)
            if found:
                return found
        return frozenset()

    def story_themes(self, business: BusinessView) -> frozenset[str]:
        text = " ".join((business.story_who, business.story_how, business.story_why))
        if not text.strip():
            return frozenset()
        lang = business.story_language or (business.languages[0] if business.languages else "nl")
        words = tokens(text)
        return self._concepts(words, lang, kinds=("story",)) | self._concepts(
            [w for word in words for w in variants(word, lang)[1:2]], lang, kinds=("story",)
        )

    def product_language(self, name: str, declared: str, business: BusinessView) -> str:
        if declared in LANGS:
            return declared
        return self._guess_language(name, business.languages)

    @lru_cache(maxsize=100_000)  # noqa: B019 - one analyser per process
    def _guess_language(self, name: str, languages: tuple[str, ...]) -> str:
        words = tokens(name)
        best, score = "", 0
        for lang in languages or LANGS:
            if lang not in LANGS:
                continue
            hits = sum(1 for w in words if w in self.lexicon.words_by_lang[lang])
            if hits > score:
                best, score = lang, hits
        return best or (languages[0] if languages and languages[0] in LANGS else "nl")

    @cached_property
    def known_tags(self) -> frozenset[str]:
        """Every tag some concept names: a shop type outside them is read from its words."""
        return frozenset(t for c in self.lexicon.concepts.values() for t in (*c.tags, *c.also))

    @lru_cache(maxsize=10_000)  # noqa: B019 - one analyser per process, few distinct values
    def tag_keys(self, tag: str) -> frozenset[str]:
        """Keys for a mapper-made value ("shop=fahrradladen", "shop=Fresh_juice") read from its words.

        First as an owner's typed category (the iD presets, in any language) when one preset clearly
        fits; else, for a value of two words or more, as a product name ("fresh juice"); a single
        word only when it names one concept ("printing"), never when it could be several ("nails":
        a manicure or a hardware shop?).
        """
        key, _, value = tag.partition("=")
        if key not in PRIMARY_KEYS or not value or tag in self.known_tags:
            return frozenset()
        words = " ".join(value.replace("_", " ").replace("-", " ").split())
        suggested = load_taxonomy().suggest(words, "en", 2)
        if (
            suggested
            and suggested[0][1] >= CLEAR_CATEGORY
            and (len(suggested) == 1 or suggested[1][1] < suggested[0][1])
        ):
            return frozenset(f"t:{t}" for t in suggested[0][0].tag.split(";"))
        if len(words.split()) < 2:
            word = tokens(words)[0]
            named = {h.concept for h in self.lexicon.lookup(word) if not h.weak} or {
                h.concept for form in variants(word) for h in self.lexicon.lookup(form) if not h.weak
            }
            if len(named) == 1 and self.lexicon.concepts[next(iter(named))].kind == "product":
                return frozenset({f"c:{next(iter(named))}"})
            return frozenset()
        for lang in LANGS:
            analysis = self.product(words, lang)
            if analysis.concepts:
                return frozenset(
                    {*(f"c:{c}" for c in analysis.concepts), *(f"h:{w}" for w in analysis.heads)}
                )
        return frozenset()

    def name_concepts(self, business: BusinessView, tags: set[str]) -> frozenset[str]:
        """Products and services the name itself names, in whatever language it is written
        ("Reparatiecafé Lombok" is a repair café), so a question in any language finds it.

        Only where the business is of a kind that sells or does it (``tags``): a clothes brand
        called "Diesel" sells no fuel."""
        words = tokens(business.name)
        if not words:
            return frozenset()
        named = self._concepts(words, self._guess_language(business.name, business.languages))
        return frozenset(c for c in named if self.lexicon.related_tags(c) & tags)

    def name_words(self, business: BusinessView) -> set[str]:
        return {w for w in tokens(business.name) if len(w) >= 3 and w not in self.generic}

    def keys(self, business: BusinessView) -> set[str]:
        tags = business_tags(business)
        keys = {f"t:{tag}" for tag in tags}
        keys.update(f"k:{key}" for key in {t.partition("=")[0] for t in tags} if key in SPECIFIC_KEYS)
        for tag in business.categories:
            keys |= self.tag_keys(tag)
        for product in business.products:
            if product.sold_out:
                continue
            analysis = self.product(
                product.name, self.product_language(product.name, product.language, business)
            )
            keys.update(
                f"c:{c}"
                for c in analysis.concepts
                if c not in analysis.guessed or self.lexicon.related_tags(c) & tags
            )
            keys.update(f"h:{w}" for w in analysis.heads)
            keys.update(f"x:{w}" for w in analysis.words)
        keys.update(f"n:{w}" for w in self.name_words(business))
        keys.update(f"m:{c}" for c in self.name_concepts(business, tags))
        keys.update(f"s:{theme}" for theme in self.story_themes(business))
        return keys


def business_tags(business: BusinessView) -> set[str]:
    """Its categories plus the shop-type and service tags among its OSM tags."""
    tags = set(business.categories)
    for key, value in business.tags.items():
        if key in TAG_KEYS or key.startswith(SUB_TAG_PREFIXES):
            for part in str(value).split(";"):
                if part.strip():
                    tags.add(f"{key}={part.strip()}")
    return tags
