"""Generic words: "parts", "accessories", "Zubehör", "accessoires", "pièces" name a kind of thing only
together with another word ("bike parts", "Fahrradzubehör", "pièces de vélo").

Derived from the lexicon, not listed by hand: a generic word is the head of terms of many unrelated
concepts (English, Dutch and German put the head last, French first; Dutch and German also write it
as a compound's tail) that it does not name on its own. A word that names a concept of its own is
never generic: "repair" heads "bike repair" and "shoe repair" too, but it asks for a repair on its
own, and "dishwasher repair" still finds a repair shop; "shoes" next to an unknown brand still
finds a shoe shop. Next to a word nobody here knows ("spaceship parts") a generic
word must not answer alone: a bike shop's "cargo bike parts" are no spaceship's.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from concierge import understanding
from concierge.indexing import HEAD_FIRST
from concierge.kept import cache_folder
from concierge.lexicon import Lexicon, lexicon_sources
from concierge.text import LANGS, tokens, variants
from concierge.understanding import COMPOUNDING
from concierge.words import PLAIN_WORD, WORDS, is_word

UNRELATED_HEADS = 5
"""A word heading terms of this many unrelated concept families (counted by their broadest family)
is generic."""


def kept_generic_words(lexicon: Lexicon) -> frozenset[str]:
    """:func:`generic_words` of the bundled lexicon, kept in the cache folder per content of what
    decides them (the lexicon's sources, the word lists, this code): deriving them costs a quarter of
    a second at every start otherwise."""
    digest = hashlib.sha256()
    for path in (
        *lexicon_sources(),
        *sorted(WORDS.glob("*.tsv.gz")),
        Path(__file__),
        Path(understanding.__file__),
    ):
        digest.update(path.read_bytes())
    path = cache_folder() / f"generic-{digest.hexdigest()[:20]}.txt"
    try:
        return frozenset(path.read_text(encoding="utf-8").split("\n")) - {""}
    except OSError:
        pass
    words = generic_words(lexicon)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text("\n".join(sorted(words)), encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass
    return words


def generic_words(lexicon: Lexicon) -> frozenset[str]:
    """Folded generic words of all four languages, with their inflected forms."""
    headed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for concept in lexicon.concepts.values():
        if concept.kind != "product":
            continue
        root = ([concept.id, *lexicon.ancestors(concept.id)])[-1]
        for lang in LANGS:
            for term in concept.terms.get(lang, ()):
                for head in _heads_of(tokens(term), lang, lexicon):
                    headed[(lang, head)].add(root)
    out: set[str] = set()
    for (lang, head), roots in headed.items():
        if (
            len(roots) >= UNRELATED_HEADS
            and is_word(head, lang)
            and not _names_a_concept(head, lang, lexicon)
        ):
            out.update(variants(head, lang))
    return frozenset(out)


def _heads_of(words: list[str], lang: str, lexicon: Lexicon) -> list[str]:
    """The head of a term of several words, or the tails of a one-word compound made of two words of
    the language ("fiets|onderdelen", "Fahrrad|zubehör")."""
    if len(words) > 1:
        return [words[0] if lang in HEAD_FIRST else words[-1]]
    if len(words) != 1 or lang not in COMPOUNDING:
        return []
    word, own = words[0], lexicon.words_by_lang.get(lang, frozenset())
    tails = []
    for cut in range(3, len(word) - 3):
        head, tail = word[:cut], word[cut:]
        heads = (head, head[:-1], head[:-2]) if len(head) > 4 else (head,)
        if is_word(tail, lang, PLAIN_WORD) and any(h in own or is_word(h, lang, PLAIN_WORD) for h in heads):
            tails.append(tail)
    return tails


def _names_a_concept(word: str, lang: str, lexicon: Lexicon) -> bool:
    """Whether the word alone names something ("shoes", "repair", "onderdelen" for car parts): then it
    is what is asked for, whatever the word next to it."""
    return any(
        not hit.weak and hit.lang == lang for form in variants(word, lang) for hit in lexicon.lookup(form)
    )
