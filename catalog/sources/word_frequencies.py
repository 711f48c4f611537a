"""Rebuild ``catalog/data/words/<lang>.tsv.gz`` from the word frequencies of ``wordfreq`` (PyPI).

    python -m catalog.sources.word_frequencies      # needs: pip install "wordfreq==3.1.1"

One line per word of Dutch, English, German and French that is at least as frequent as
``MIN_ZIPF`` (a Zipf value of 2 is about once in ten million words), with its Zipf value times ten:
``koffie<TAB>50``. Query understanding uses it to tell a real word from a typo, to prefer the
correction that is frequent in the question's language ("chesse" is cheese, not chess) and to accept
a compound split only when both parts are words. The service reads these small files, never wordfreq
itself: its full lists cost hundreds of megabytes in memory.
"""

from __future__ import annotations

import gzip
import math
from importlib import metadata
from pathlib import Path

WORDFREQ_VERSION = "3.1.1"
LANGS = ("nl", "en", "de", "fr")
MIN_ZIPF = 2.0
FOLDER = Path(__file__).resolve().parents[1] / "data" / "words"


def frequencies(lang: str) -> dict[str, int]:
    """Word -> Zipf value times ten, for alphabetic words of two letters or more."""
    from wordfreq import get_frequency_dict

    out: dict[str, int] = {}
    for word, share in get_frequency_dict(lang, "large").items():
        zipf = math.log10(share * 1e9)
        if zipf < MIN_ZIPF or len(word) < 2 or not word.replace("-", "").replace("'", "").isalpha():
            continue
        out[word] = round(zipf * 10)
    return out


def main() -> None:
    found = metadata.version("wordfreq")
    if found != WORDFREQ_VERSION:
        raise SystemExit(f"wordfreq {WORDFREQ_VERSION} is pinned; {found} is installed")
    FOLDER.mkdir(parents=True, exist_ok=True)
    for lang in LANGS:
        words = frequencies(lang)
        lines = "".join(f"{w}\t{z}\n" for w, z in sorted(words.items(), key=lambda item: (-item[1], item[0])))
        with gzip.GzipFile(FOLDER / f"{lang}.tsv.gz", "wb", mtime=0) as handle:
            handle.write(lines.encode("utf-8"))
        print(f"{lang}: {len(words)} words")


if __name__ == "__main__":
    main()
