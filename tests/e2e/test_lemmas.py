"""The precomputed lemma tables (catalog/data/lemmas, built by ``python -m catalog.sources.lemmas``)."""

from __future__ import annotations

import gzip
import subprocess
import sys

import pytest

from catalog.sources import lemmas as source
from concierge.text import LANGS, LEMMAS, fold, lemma, lemma_table


def stored(lang: str) -> dict[str, str]:
    with gzip.open(LEMMAS / f"{lang}.tsv.gz", "rt", encoding="utf-8") as handle:
        return dict(line.rstrip("\n").split("\t") for line in handle)


@pytest.mark.parametrize(
    ("word", "lang", "expected"),
    [
        ("broden", "nl", "brood"),
        ("appels", "nl", "appel"),
        ("fietsbanden", "nl", "fietsband"),  # the plural rule, not the table
        ("brote", "de", "brot"),
        ("schuhe", "de", "schuh"),
        ("strings", "en", "string"),
        ("bananas", "en", "banana"),
        ("fromages", "fr", "fromage"),
        ("gehakt", "nl", "gehakt"),  # "hakken" is another word
        ("brood", "nl", "brood"),
    ],
)
def test_lemmas_of_common_forms(word: str, lang: str, expected: str) -> None:
    assert lemma(word, lang) == expected


@pytest.mark.parametrize("lang", LANGS)
def test_every_stored_form_is_a_folded_word(lang: str) -> None:
    """The script folds with its own copy of ``fold``; a form the service's fold would write otherwise
    could never be looked up."""
    pairs = stored(lang)
    assert len(pairs) > 10_000
    assert all(fold(form) == form and form != base for form, base in pairs.items())


@pytest.mark.parametrize("lang", LANGS)
def test_the_compact_table_holds_every_stored_pair(lang: str) -> None:
    table = lemma_table(lang)
    assert table is not None
    assert all(table.get(form) == base for form, base in stored(lang).items())
    assert table.get("xqzvwkj") is None


def test_the_script_rebuilds_the_stored_table() -> None:
    """The data is what the script makes of today's word lists and lexicon (English: the quickest)."""
    pytest.importorskip("simplemma")
    terms = set(source.lexicon_terms())
    assert source.lemmas("en", terms) == stored("en")


def test_answering_never_loads_simplemma() -> None:
    code = (
        "import sys\n"
        "from concierge.lexicon import load_lexicon\n"
        "from concierge.understanding import Reader, understand\n"
        "print(understand('wo gibt es frische Brote?', Reader(load_lexicon())).language)\n"
        "print('simplemma' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["de", "False"]


def test_the_language_signal_prefers_where_words_are_most_frequent() -> None:
    from concierge.words import known_shares

    assert known_shares(["bike", "repair"], LANGS) == {"nl": 0.0, "en": 1.0, "de": 0.0, "fr": 0.0}
    assert known_shares(["brood", "xqzvw"], LANGS)["nl"] == 0.5
    assert known_shares(["an"], LANGS) == dict.fromkeys(LANGS, 0.0)


def test_every_word_of_the_lexicon_has_simplemmas_lemma() -> None:
    """The table covers what the lexicon lemmatises (words with apostrophes too: "children's")."""
    simplemma = pytest.importorskip("simplemma")
    from concierge.lexicon import load_lexicon

    lexicon = load_lexicon()
    assert "children's" in lexicon.words_by_lang["en"]
    for lang in LANGS:
        table = lemma_table(lang)
        assert table is not None
        for word in lexicon.words_by_lang[lang]:
            if len(word) >= 4 and not word.isdigit():
                expected = simplemma.lemmatize(word, lang=lang)
                assert table.get(word) == (expected if expected != word else None), (word, lang)
