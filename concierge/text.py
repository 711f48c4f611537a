"""Text normalisation shared by the query side and the index side, so both reduce words alike.

``fold`` makes comparison keys (case, accents and apostrophes folded); ``tokens`` splits folded text
into words; ``lemma`` reduces a word to a base form with simplemma's lemmas (a table per language in
``catalog/data/lemmas``, rebuilt by ``python -m catalog.sources.lemmas``), plus the few plural rules that
dictionaries miss in compounds ("fietsbanden" → "fietsband").
"""

from __future__ import annotations

import bisect
import gzip
import re
import unicodedata
from array import array
from collections.abc import Sequence
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path

from concierge.kept import kept, stable_hash

LEMMAS = Path(__file__).resolve().parent.parent / "catalog" / "data" / "lemmas"
LANGS = ("nl", "en", "de", "fr")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "`": "'", "´": "'", "‘": "'"})


def clean(text: str, limit: int = 500) -> str:
    """Drop control and invisible characters, collapse white space, keep at most ``limit`` characters."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())[:limit]


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower case without accents: "Sauerteigbrot" → "sauerteigbrot", "Geöffnet" → "geoffnet"."""
    text = text.translate(_APOSTROPHES).casefold().replace("ß", "ss").replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def marked_words(text: str) -> frozenset[str]:
    """The folded words of ``text`` that were written with accents ("rosé" → {"rose"}): folding
    merges "rosé" (wine) with "rose" (the flower), and the accent is what tells them apart."""
    return frozenset(
        word
        for match in _WORD.finditer(text)
        if any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFKD", match.group()))
        for word in tokens(match.group())
    )


def tokens(text: str) -> list[str]:
    """Folded words; elided articles ("l'esplanade", "d'avoine") lose their article."""
    words: list[str] = []
    for match in _WORD.finditer(fold(text)):
        word = match.group()
        head, sep, rest = word.partition("'")
        if sep and len(head) <= 2 and rest:
            word = rest
        words.extend(part for part in word.split("-") if part) if "-" in word else words.append(word)
    return words


_PLURALS: dict[str, tuple[tuple[str, str], ...]] = {
    "nl": (("ies", "ie"), ("'s", ""), ("en", ""), ("s", "")),
    "en": (("ies", "y"), ("ves", "f"), ("oes", "o"), ("ses", "s"), ("shes", "sh"), ("ches", "ch"), ("s", "")),
    "de": (("innen", "in"), ("nen", "n"), ("en", ""), ("er", ""), ("e", ""), ("n", ""), ("s", "")),
    "fr": (("aux", "al"), ("eaux", "eau"), ("s", ""), ("x", "")),
}


class LemmaTable:
    """simplemma's lemma of each folded word form it changes in one language: forms as a sorted array of
    their stable hashes, each pointing at one of the distinct lemmas. About 4 MB for all four languages
    where a dict of the strings takes 37 MB (and simplemma's own dictionaries about 200 MiB)."""

    def __init__(self, data: memoryview) -> None:
        count = int.from_bytes(data[:8], "little")
        key_end = 8 + count * 8
        end = key_end + count * 4
        if not count or len(data) <= end:
            raise ValueError("not a kept lemma table")
        # Views into the mapped table (``concierge.kept``): only the pages a lookup touches are resident.
        self.keys: Sequence[int] = data[8:key_end].cast("q")
        self.targets: Sequence[int] = data[key_end:end].cast("I")
        # The lemmas stay one block of UTF-8 with the offset of each: tens of thousands of str objects
        # would cost about 2.5 MB a language (``lemma`` caches the ones looked up).
        self.text = data[end:]
        self.starts = array(
            "I", accumulate((len(line) + 1 for line in bytes(self.text).split(b"\n")), initial=0)
        )

    @staticmethod
    def build(path: Path) -> bytes:
        pairs = [
            line.split("\t", 1) for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
        ]
        lemmas = sorted({base for _, base in pairs})
        number = {base: i for i, base in enumerate(lemmas)}
        rows = sorted((stable_hash(form), number[base]) for form, base in pairs)
        keys, targets = array("q", (key for key, _ in rows)), array("I", (target for _, target in rows))
        head = len(rows).to_bytes(8, "little")
        return head + keys.tobytes() + targets.tobytes() + "\n".join(lemmas).encode("utf-8")

    def get(self, form: str) -> str | None:
        key = stable_hash(form)
        i = bisect.bisect_left(self.keys, key)
        if i == len(self.keys) or self.keys[i] != key:
            return None
        target = self.targets[i]
        return str(self.text[self.starts[target] : self.starts[target + 1] - 1], "utf-8")


@cache
def lemma_table(lang: str) -> LemmaTable | None:
    """``lang``'s lemmas, read on first use (and kept, see ``concierge.kept``)."""
    path = LEMMAS / f"{lang}.tsv.gz"
    if not path.exists():
        return None
    return kept(f"lemmas-{lang}", path, lambda: LemmaTable.build(path), LemmaTable)


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str) -> str:
    """A folded base form of a folded word, via simplemma's lemmas for ``lang`` (``lemma_table``).

    Only inflections count: a "lemma" that does not start like the word ("gehakt" → "hakken") is
    another word, and would make minced meat match heel repairs.
    """
    if len(word) < 4 or word.isdigit():
        return word
    table = lemma_table(lang)
    base = fold((table.get(word) if table else None) or word)
    if not base or base[:3] != word[:3]:
        return word
    return base


def forget_words() -> None:
    """Empties the memos of :func:`fold` and :func:`lemma`, once an index is built.

    Building an index folds and lemmatises every name, product and story of the catalogue; the memos
    make that quick (the same words come back in thousands of businesses) but then hold all of it,
    whole stories included: about 7 MB at 10,000 shops that questions never ask for again. Questions
    fill them anew with their own words; a rebuild after an edit analyses only what changed.
    """
    fold.cache_clear()
    lemma.cache_clear()


def variants(word: str, lang: str | None = None) -> list[str]:
    """Candidate base forms of a folded word: itself, its lemma(s) and plural-stripped forms."""
    out = [word]
    for code in (lang,) if lang else LANGS:
        if code is None:
            continue
        base = lemma(word, code)
        if base not in out:
            out.append(base)
        for suffix, replacement in _PLURALS[code]:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: len(word) - len(suffix)] + replacement
                if stem not in out:
                    out.append(stem)
    return out
