"""Text normalisation shared by the query side and the index side, so both reduce words alike.

``fold`` makes comparison keys (case, accents and apostrophes folded); ``tokens`` splits folded text
into words; ``lemma`` reduces a word to a base form with simplemma's lemmas (a table per language in
``catalog/data/lemmas``, rebuilt by ``python -m catalog.sources.lemmas``), plus the few plural rules that
dictionaries miss in compounds ("fietsbanden" → "fietsband").
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

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


@cache
def lemma_table(lang: str) -> dict[str, str]:
    """simplemma's lemma of each folded word form it changes in ``lang``, read once per language on
    first use: a few megabytes, where simplemma's own dictionaries hold about 200 MiB for all four."""
    path = LEMMAS / f"{lang}.tsv.gz"
    if not path.exists():
        return {}
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines)


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str) -> str:
    """A folded base form of a folded word, via simplemma's lemmas for ``lang`` (``lemma_table``).

    Only inflections count: a "lemma" that does not start like the word ("gehakt" → "hakken") is
    another word, and would make minced meat match heel repairs.
    """
    if len(word) < 4 or word.isdigit():
        return word
    base = fold(lemma_table(lang).get(word, word))
    if not base or base[:3] != word[:3]:
        return word
    return base


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
