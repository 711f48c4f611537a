"""How common a word is in Dutch, English, German or French (wordfreq's Zipf scale, 0 to about 8).

Read from ``catalog/data/words/<lang>.tsv.gz`` (rebuilt by ``python -m catalog.sources.word_frequencies``)
once per language, the first time that language is asked about (the table built from it is kept in
the cache folder). A language's words are kept as a sorted array of their string hashes plus one byte
of frequency each: about 9 bytes a word instead of the hundred a set or dict entry costs, so all four
languages fit in a few megabytes.
"""

from __future__ import annotations

import bisect
import gzip
from array import array
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from concierge.kept import kept, stable_hash
from concierge.text import fold

WORDS = Path(__file__).resolve().parent.parent / "catalog" / "data" / "words"
REAL_WORD = 3.0
"""From about once in a million words: a real word of the language, never "corrected"."""
PLAIN_WORD = 2.0
"""The rarest words listed: enough to be a part of a compound ("branderij", "drogerie")."""
KEY_SIZE = array("q").itemsize


@cache
def _table(lang: str) -> tuple[Sequence[int], Sequence[int]]:
    """The keys and frequencies of ``lang``'s words, built from the word list once per content of the
    list and kept (``concierge.kept``): building parses and hashes some 100,000 lines per language
    (about 0.15 s each), reading the kept table takes a millisecond."""
    path = WORDS / f"{lang}.tsv.gz"
    if not path.exists():
        return (), b""
    return kept(f"words-{lang}", path, lambda: _build_table(path), _parse_table)


def _parse_table(data: memoryview) -> tuple[Sequence[int], Sequence[int]]:
    """Views into the kept table (see ``concierge.kept``): sorted 8-byte keys, then a byte each."""
    count, rest = divmod(len(data), KEY_SIZE + 1)
    if rest or not count:
        raise ValueError("not a kept word table")
    return data[: count * KEY_SIZE].cast("q"), data[count * KEY_SIZE :]


def _build_table(path: Path) -> bytes:
    slow_fold = fold.__wrapped__  # not through fold's cache: these words are read once
    packed: list[int] = []  # hash and frequency in one int: a third of the memory of pairs
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            word, _, zipf = line.partition("\t")
            key = stable_hash(word if word.isascii() and word.isalpha() else slow_fold(word))
            packed.append(key << 7 | int(zipf))
    packed.sort()
    keys, values = array("q"), bytearray()
    for item in packed:
        key = item >> 7
        if keys and keys[-1] == key:
            values[-1] = item & 127  # spellings folded alike: the most frequent one, sorted last
        else:
            keys.append(key)
            values.append(item & 127)
    del packed
    return keys.tobytes() + bytes(values)


def zipf(word: str, lang: str) -> float:
    """The Zipf frequency of a folded word in ``lang``; 0.0 for a word too rare to be listed."""
    keys, values = _table(lang)
    key = stable_hash(word)
    i = bisect.bisect_left(keys, key)
    return values[i] / 10 if i < len(keys) and keys[i] == key else 0.0


def is_word(word: str, lang: str, at_least: float = REAL_WORD) -> bool:
    return zipf(word, lang) >= at_least


def known_shares(words: list[str], langs: tuple[str, ...]) -> dict[str, float]:
    """For each language, the share of the words of three letters or more that are most frequent in
    it: a plain guess at the language when grammar and lexicon terms do not tell ("bike" and "repair"
    are listed in Dutch too, but far more frequent in English)."""
    sample = [word for word in words if len(word) >= 3 and word.isalpha()]
    shares = dict.fromkeys(langs, 0.0)
    for word in sample:
        frequencies = {lang: zipf(word, lang) for lang in langs}
        top = max(frequencies.values())
        for lang, frequency in frequencies.items():
            if top > 0 and frequency == top:
                shares[lang] += 1 / len(sample)
    return shares
