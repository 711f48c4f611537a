"""Scanning a text for the lexicon's phrases (issue 17): longer phrases are tried only from words that
begin one (``Lexicon.longest_from``), which must find exactly what trying every length from every word
finds. The reference below is that plain scan, written out here."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from concierge.lexicon import Hit
from concierge.search import default_parts
from concierge.text import LANGS, lemma, variants

PARTS = default_parts()
LEXICON = PARTS.lexicon
PHRASE_WORDS = sorted({word for phrase in LEXICON.phrases if " " in phrase for word in phrase.split()})
OTHER_WORDS = ["de", "het", "und", "the", "la", "met", "avec", "mit", "qzx", "123", "huis", "maison"]


def every_length(words: list[str], lang: str, kinds: tuple[str, ...]) -> frozenset[str]:
    """Every phrase length up to the lexicon's longest, from every word, with the words' lemmas."""
    found: set[str] = set()
    i = 0
    while i < len(words):
        for n in range(min(LEXICON.max_words, len(words) - i), 0, -1):
            key = " ".join(words[i : i + n])
            hits: Sequence[Hit] = LEXICON.lookup(key)
            if not hits and n > 1:
                hits = LEXICON.lookup(" ".join(lemma(w, lang) for w in words[i : i + n]))
            if not hits and n == 1:
                for variant in variants(key, lang)[1:]:
                    hits = LEXICON.lookup(variant)
                    if hits:
                        break
            hits = [h for h in hits if not h.weak and LEXICON.concepts[h.concept].kind in kinds]
            if hits:
                found.update(h.concept for h in [h for h in hits if h.lang == lang] or hits)
                i += n
                break
        else:
            i += 1
    return frozenset(found)


def test_every_word_that_begins_a_longer_phrase_is_known_with_its_longest() -> None:
    for phrase in LEXICON.phrases:
        words = phrase.split()
        if len(words) > 1:
            assert LEXICON.longest_from[words[0]] >= len(words), phrase
    assert max(LEXICON.longest_from.values()) == LEXICON.max_words


@settings(max_examples=400, deadline=None)
@given(
    words=st.lists(st.sampled_from(PHRASE_WORDS) | st.sampled_from(OTHER_WORDS), min_size=1, max_size=9),
    lang=st.sampled_from(LANGS),
    kinds=st.sampled_from([("product",), ("story",), ("product", "service")]),
)
def test_scanning_finds_what_every_length_from_every_word_finds(
    words: list[str], lang: str, kinds: tuple[str, ...]
) -> None:
    assert PARTS.analyser._concepts(words, lang, kinds=kinds) == every_length(words, lang, kinds)


def test_whole_phrases_of_the_lexicon_are_found_in_running_text() -> None:
    """Every phrase of three or more words, between ordinary words, in the language of its concept."""
    checked = 0
    for phrase, hits in LEXICON.phrases.items():
        if phrase.count(" ") < 2 or not hits:
            continue
        hit = hits[0]
        kind = LEXICON.concepts[hit.concept].kind
        words = ["de", *phrase.split(), "huis"]
        assert PARTS.analyser._concepts(words, hit.lang, kinds=(kind,)) == every_length(
            words, hit.lang, (kind,)
        ), phrase
        checked += 1
    assert checked > 100
