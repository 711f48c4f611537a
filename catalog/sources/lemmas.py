"""Rebuild ``catalog/data/lemmas/<lang>.tsv.gz`` with simplemma (PyPI) for the word forms that matter.

    python -m catalog.sources.lemmas      # needs: pip install "simplemma==2.0.0" (dev)

simplemma's dictionaries cost about 200 MiB and 1.5 s at every start, for four languages of which a
question uses one. The service only lemmatises folded words, and only two kinds matter: the words of
the language (``catalog/data/words``, from wordfreq) and the words of the lexicon's terms
(``locales/lexicon/*.json``, the question phrasing and the OSM taxonomy) with their inflections in
simplemma's dictionary. So this script runs simplemma once over those forms
and keeps only the pairs it changes: ``broden<TAB>brood``, a few hundred kilobytes per language,
read by ``concierge.text`` the first time a language is asked about. Rebuild after updating simplemma,
the word lists or the lexicon.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path

from catalog.sources.word_frequencies import FOLDER as WORDS
from catalog.taxonomy import load_taxonomy

SIMPLEMMA_VERSION = "2.0.0"
LANGS = ("nl", "en", "de", "fr")
FOLDER = Path(__file__).resolve().parents[1] / "data" / "lemmas"
LEXICON = Path(__file__).resolve().parents[2] / "locales" / "lexicon"
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "`": "'", "´": "'", "‘": "'"})


def fold(text: str) -> str:
    """The service's comparison key (``concierge.text.fold``; ``catalog`` may not import it, and
    tests/e2e/test_lemmas.py checks that both agree on every stored form)."""
    text = text.translate(_APOSTROPHES).casefold().replace("ß", "ss").replace("œ", "oe").replace("æ", "ae")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _words(texts: Iterable[str]) -> Iterator[str]:
    """The words ``concierge.text.tokens`` makes of the texts ("children's", "dia's"; "l'huile" is
    "huile"), so that every word the service lemmatises is here."""
    for text in texts:
        for word in _WORD.findall(fold(text)):
            head, sep, rest = word.partition("'")
            if sep and len(head) <= 2 and rest:
                word = rest
            yield from (part for part in word.split("-") if part)


def word_list(lang: str) -> Iterator[str]:
    with gzip.open(WORDS / f"{lang}.tsv.gz", "rt", encoding="utf-8") as handle:
        yield from _words(line.partition("\t")[0] for line in handle)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def lexicon_terms() -> Iterator[str]:
    """Every text of the lexicon documents, the question phrasing and the taxonomy's presets, in
    every language: a question in one language may use another's product names."""
    for path in [*sorted(LEXICON.glob("*.json")), *sorted(LEXICON.parent.glob("*/query.json"))]:
        yield from _words(_strings(json.loads(path.read_text(encoding="utf-8"))))
    for preset in load_taxonomy().presets:
        yield from _words(_strings([preset.names, preset.terms, preset.aliases, preset.regional_names]))


def lemmas(lang: str, terms: set[str]) -> dict[str, str]:
    """Folded form -> simplemma's lemma of it, for the forms simplemma changes."""
    import simplemma
    from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY

    inflected = {  # the dictionary's forms of the lexicon's words, rare ones too ("broodjes")
        fold(form)
        for form, base in DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang).items()
        if fold(base) in terms and _WORD.fullmatch(fold(form))
    }
    out: dict[str, str] = {}
    for form in {*word_list(lang), *terms, *inflected}:
        if len(form) < 4 or form.isdigit():
            continue  # concierge.text.lemma keeps these as they are
        base = simplemma.lemmatize(form, lang=lang)
        if base != form:
            out[form] = base
    return out


def main() -> None:
    found = metadata.version("simplemma")
    if found != SIMPLEMMA_VERSION:
        raise SystemExit(f"simplemma {SIMPLEMMA_VERSION} is pinned; {found} is installed")
    FOLDER.mkdir(parents=True, exist_ok=True)
    terms = set(lexicon_terms())
    for lang in LANGS:
        pairs = lemmas(lang, terms)
        lines = "".join(f"{form}\t{base}\n" for form, base in sorted(pairs.items()))
        with gzip.GzipFile(FOLDER / f"{lang}.tsv.gz", "wb", mtime=0) as handle:
            handle.write(lines.encode("utf-8"))
        print(f"{lang}: {len(pairs)} forms")


if __name__ == "__main__":
    main()
