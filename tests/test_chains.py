"""Chain detection: brand tags, whole-word brand prefixes, short brands, country buckets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.chains import chain_index, counts_in, is_chain, load_brands, normalise_name


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
        "DA Jansen Fietsen",  # brands of three letters or less need the whole name
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
    dutch = [name for name, where in load_brands()["shop=supermarket"] if counts_in(where, "NL")]
    assert "Albert Heijn" in dutch and "Jumbo" in dutch
    # Names in other scripts ("家乐福", Carrefour) fold to nothing: Latin-script names are matched.
    assert all(normalise_name(name) in index.exact for name in dutch if normalise_name(name))


@pytest.mark.parametrize(
    ("name", "country", "category"),
    [
        ("Billa Wien Mitte", "AT", "shop=supermarket"),
        ("Hofer", "AT", "shop=supermarket"),
        ("dm drogerie markt", "AT", "shop=chemist"),
        ("Anker Brot", "AT", "shop=bakery"),
        ("Spar Vaduz", "LI", "shop=supermarket"),
        ("Denner", "LI", "shop=supermarket"),
        ("K-Market Kamppi", "FI", "shop=supermarket"),
        ("Carrefour Market", "FR", "shop=supermarket"),
    ],
)
def test_chains_abroad_are_found_from_the_name_suggestion_index(
    name: str, country: str, category: str
) -> None:
    assert is_chain(name, country=country, categories=[category])


def test_a_brand_counts_only_where_its_location_set_says() -> None:
    # Albert Heijn is a Dutch and Belgian chain; Billa an Austrian and Central European one.
    assert is_chain("Albert Heijn", country="BE") and not is_chain("Albert Heijn", country="AT")
    assert is_chain("Billa", country="CZ") and not is_chain("Billa", country="NL")


@pytest.mark.parametrize(
    ("where", "country", "expected"),
    [
        ("*", "NL", True),
        ("* -US -CA", "US", False),
        ("* -US -CA", "AT", True),
        ("BE NL", "NL", True),
        ("BE NL", "DE", False),
    ],
)
def test_counts_in(where: str, country: str, expected: bool) -> None:
    assert counts_in(where, country) is expected


def test_an_operator_that_is_a_known_brand_makes_a_chain() -> None:
    assert is_chain(
        "Supermarkt Lindenlaan", {"shop": "supermarket", "operator": "Albert Heijn"}, country="NL"
    )
    assert not is_chain(
        "Supermarkt Lindenlaan", {"shop": "supermarket", "operator": "Jan de Vries"}, country="NL"
    )
    assert not is_chain("Bibliotheek", {"amenity": "library", "operator": "Gemeente Utrecht"}, country="NL")


def test_import_marks_chains_abroad_by_name_brand_tags_and_operator(tmp_path: Path) -> None:
    """An Austrian neighbourhood from Overpass: chains known only to the name-suggestion-index for
    Austria, a brand tag, an operator, and independents."""

    def element(n: int, name: str, **tags: str) -> dict[str, object]:
        base = {"name": name, "addr:country": "AT", "shop": "supermarket"}
        return {"type": "node", "id": n, "lat": 48.2 + n / 10_000, "lon": 16.37, "tags": base | tags}

    elements = [
        element(1, "Billa Mariahilfer Straße"),
        element(2, "Hofer"),
        element(3, "Merkur Markt", **{"brand:wikidata": "Q1921857"}),
        element(4, "Nahversorger Wieden", operator="Spar"),
        element(5, "Greißlerei Huber"),
        element(6, "Bäckerei Hubinger", shop="bakery", operator="Familie Hubinger"),
    ]
    path = tmp_path / "wien.overpass.json"
    path.write_text(json.dumps({"elements": elements}), encoding="utf-8")
    db = f"sqlite:///{tmp_path}/wien.db"
    run = [sys.executable, "-m", "handlers.cli"]
    done = subprocess.run(
        [*run, "import", str(path), "--db", db], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [*run, "export", "--format", "catalogue", "--db", db], capture_output=True, text=True, timeout=180
    )
    independent = {b["name"]: b["independent"] for b in json.loads(done.stdout)["businesses"]}
    assert independent == {
        "Billa Mariahilfer Straße": False,
        "Hofer": False,
        "Merkur Markt": False,
        "Nahversorger Wieden": False,
        "Greißlerei Huber": True,
        "Bäckerei Hubinger": True,
    }
