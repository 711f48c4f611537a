"""Chain detection: brand tags, whole-word brand prefixes, short brands, country buckets."""

from __future__ import annotations

import pytest

from catalog.chains import chain_index, is_chain, load_brands, normalise_name


@pytest.mark.parametrize(
    "name",
    [
        "Albert Heijn",
        "Albert Heijn XL",
        "albert heijn to go Centraal",
        "HEMA Utrecht Centrum",
        "Kruidvat Lindenlaan",
        "KRUIDVAT",
        "Etos",
        "Bakker Bart",
        "Bakker Bart Utrecht",
        "De Echte Bakker Van Dam",
        "DA",
    ],
)
def test_dutch_chains_are_found(name: str) -> None:
    assert is_chain(name, country="NL")


@pytest.mark.parametrize(
    "name",
    [
        "Bakker Bart's Brood",
        "Bakkerij Bartels",
        "Kapsalon Anna",
        "DA Drogist Jansen",  # brands of three letters or less need the whole name
        "Dagwinkeltje",
        "Jumbostraat Fietsen",
        "",
        "!!!",
    ],
)
def test_independents_are_not_chains(name: str) -> None:
    assert not is_chain(name, country="NL")


def test_brand_tags_mark_a_chain_whatever_the_name() -> None:
    assert is_chain("Corner shop", {"brand": "K-Market"}, country="FI")
    assert is_chain("Corner shop", {"brand:wikidata": "Q123"})
    assert not is_chain("Corner shop", {"brand": ""})


def test_accents_and_punctuation_are_folded() -> None:
    assert normalise_name("  Bäckerei  Görtz-Filiale! ") == "backerei gortz filiale"
    assert normalise_name("Boon's Markt") == "boons markt"
    assert is_chain("Backer Gortz Hauptbahnhof", country="DE")  # brand "Bäcker Görtz"
    assert is_chain("Boon's Markt Zuid", country="NL")


def test_country_buckets() -> None:
    # "Paul" is a Belgian bakery chain in the data, not a Dutch one.
    assert is_chain("Paul", country="BE")
    assert not is_chain("Paul", country="NL")
    assert is_chain("Paul")  # unknown country: every bucket


def test_a_one_word_brand_prefix_needs_a_matching_category() -> None:
    # "Wolf" is a German bakery chain; a bike shop called "Wolf Fahrräder" is not a branch of it.
    assert not is_chain("Wolf Fahrräder", {"shop": "bicycle"}, country="DE")
    assert is_chain("Wolf Bäckerei Marktplatz", {"shop": "bakery"}, country="DE")
    assert is_chain("Jumbo Centrum", categories=["shop=supermarket"], country="NL")


def test_the_index_is_built_once_per_country() -> None:
    assert chain_index("nl") is chain_index("NL")
    index = chain_index("NL")
    brands = load_brands()
    assert normalise_name(brands["shop=supermarket"]["nl"][0]) in index.exact
