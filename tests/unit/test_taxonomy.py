"""The OSM shop-type taxonomy: names per language, tag lookups and typed-category suggestions."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.taxonomy import DEFAULT_PATH, MIN_SCORE, Taxonomy, load_taxonomy, readable_tag


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


def test_loads_every_preset_once(taxonomy: Taxonomy) -> None:
    records = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert len(taxonomy.presets) == len(records)
    assert {p.tag for p in taxonomy.presets} == {r["tag"] for r in records}
    assert load_taxonomy() is load_taxonomy()


@pytest.mark.parametrize(
    ("tag", "lang", "name"),
    [
        ("shop=bakery", "nl", "Bakkerij"),
        ("shop=bakery", "de", "Bäckerei"),
        ("shop=bakery", "fr", "Boulangerie"),
        ("shop=bakery", "en", "Bakery"),
        ("shop=bakery", "nl-BE", "Bakker"),
        ("shop=florist", "de", "Blumenhändler"),
        ("shop=hairdresser", "nl", "Kapper"),
        ("shop=bicycle", "fr", "Magasin de vélos"),
    ],
)
def test_names_in_each_language(taxonomy: Taxonomy, tag: str, lang: str, name: str) -> None:
    assert taxonomy.name(tag, lang) == name


def test_name_falls_back_to_english_then_to_the_tag(taxonomy: Taxonomy) -> None:
    bag = taxonomy.by_tag("shop=bag")
    assert bag is not None and "nl" not in bag.names
    assert taxonomy.name("shop=bag", "nl") == bag.names["en"]
    assert taxonomy.name("shop=bakery", "it") == "Bakery"
    assert taxonomy.name("shop=bicycle_repair_cafe", "nl") == "Bicycle repair cafe"
    assert taxonomy.name([], "nl") == ""
    assert readable_tag("craft=stone_mason") == "Stone mason"


def test_name_of_categories_uses_the_most_specific_preset(taxonomy: Taxonomy) -> None:
    coffee = taxonomy.name(["amenity=cafe", "cuisine=coffee_shop"], "nl")
    assert coffee == taxonomy.name("amenity=cafe;cuisine=coffee_shop", "nl")
    assert coffee != taxonomy.name(["amenity=cafe"], "nl")


def test_by_tag(taxonomy: Taxonomy) -> None:
    bakery = taxonomy.by_tag("shop=bakery")
    assert bakery is not None and bakery.tags == {"shop": "bakery"} and bakery.group == "shop"
    assert taxonomy.by_tag(" Shop = Bakery ") is bakery
    bar = taxonomy.by_tag("amenity=bar")
    assert bar is not None and bar.tags == {"amenity": "bar"}
    assert taxonomy.by_tag("shop=*") is None
    assert taxonomy.by_tag("shop=no_such_thing") is None
    assert taxonomy.by_tag("") is None
    assert taxonomy.by_tag("garbage") is None


def test_preset_for_categories(taxonomy: Taxonomy) -> None:
    tea = taxonomy.preset_for(["amenity=cafe", "cuisine=tea"])
    assert tea is not None and tea.tags == {"amenity": "cafe", "cuisine": "tea"}
    first = taxonomy.preset_for(["shop=bakery", "amenity=cafe"])
    assert first is not None and first.tag == "shop=bakery"
    reversed_order = taxonomy.preset_for(["amenity=cafe", "shop=bakery"])
    assert reversed_order is not None and reversed_order.tag == "amenity=cafe"
    assert taxonomy.preset_for(["shop=no_such_thing"]) is None
    assert taxonomy.preset_for([]) is None
    assert taxonomy.preset_for(["no equals sign", 42, None]) is None  # type: ignore[list-item]


def _tags(taxonomy: Taxonomy, text: str, lang: str) -> list[str]:
    return [preset.tag for preset, _ in taxonomy.suggest(text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "tag"),
    [
        ("bakker", "nl", "shop=bakery"),
        ("bakkerij", "nl", "shop=bakery"),
        ("bakkerj", "nl", "shop=bakery"),
        ("fietsenmaker", "nl", "shop=bicycle"),
        ("fietsenwinkel", "nl", "shop=bicycle"),
        ("kapper", "nl", "shop=hairdresser"),
        ("slager", "nl", "shop=butcher"),
        ("bakery", "en", "shop=bakery"),
        ("bakkery", "en", "shop=bakery"),
        ("florist", "en", "shop=florist"),
        ("Hairdresser", "en", "shop=hairdresser"),
        ("bicycle shop", "en", "shop=bicycle"),
        ("Blumenladen", "de", "shop=florist"),
        ("Blumenlade", "de", "shop=florist"),
        ("Bäckerei", "de", "shop=bakery"),
        ("Backerei", "de", "shop=bakery"),
        ("Friseur", "de", "shop=hairdresser"),
        ("Metzgerei", "de", "shop=butcher"),
        ("coiffeur", "fr", "shop=hairdresser"),
        ("boulangerie", "fr", "shop=bakery"),
        ("boulangrie", "fr", "shop=bakery"),
        ("fleuriste", "fr", "shop=florist"),
        ("magasin de vélos", "fr", "shop=bicycle"),
    ],
)
def test_suggest_puts_the_right_shop_type_first(taxonomy: Taxonomy, text: str, lang: str, tag: str) -> None:
    assert _tags(taxonomy, text, lang)[:1] == [tag]


@pytest.mark.parametrize(
    ("text", "lang", "tag"),
    [
        ("bike repair", "en", "shop=bicycle"),
        ("apotheek", "nl", "amenity=pharmacy"),
        ("opticien", "nl", "shop=optician"),
    ],
)
def test_suggest_offers_the_right_shop_type(taxonomy: Taxonomy, text: str, lang: str, tag: str) -> None:
    assert tag in _tags(taxonomy, text, lang)


def test_suggest_prefers_the_owners_language(taxonomy: Taxonomy) -> None:
    (in_french, french_score), *_ = taxonomy.suggest("coiffeur", "fr")
    (in_dutch, dutch_score), *_ = taxonomy.suggest("coiffeur", "nl")
    assert in_french.tag == in_dutch.tag == "shop=hairdresser"
    assert french_score > dutch_score >= MIN_SCORE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "a",
        "x",
        "de",
        "😀",
        "😀😀😀",
        "!!!",
        "\x00\x01\x1b",
        "asdfgh",
        "qwertyuiop",
        "shop",
        "winkel",
        "zzz",
    ],
)
def test_suggest_has_no_garbage_matches(taxonomy: Taxonomy, text: str) -> None:
    for lang in ("nl", "en", "de", "fr"):
        assert taxonomy.suggest(text, lang) == []


def test_suggest_scores_limit_and_order(taxonomy: Taxonomy) -> None:
    suggestions = taxonomy.suggest("kapper", "nl", limit=5)
    assert 1 < len(suggestions) <= 5
    scores = [score for _, score in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(MIN_SCORE <= score <= 100 for score in scores)
    assert taxonomy.suggest("kapper", "nl", limit=0) == []


def test_suggest_skips_facilities_and_unsearchable_presets(taxonomy: Taxonomy) -> None:
    assert all(not preset.facility for preset, _ in taxonomy.suggest("Blumenautomat", "de"))
    with_facilities = [p.tag for p, _ in taxonomy.suggest("Blumenautomat", "de", include_facilities=True)]
    assert "amenity=vending_machine;vending=flowers" in with_facilities
    hidden = [p for p in taxonomy.presets if not p.searchable]
    assert hidden
    for preset in hidden:
        for lang, name in preset.names.items():
            assert preset not in [p for p, _ in taxonomy.suggest(name, lang, limit=10)]


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300), lang=st.sampled_from(["nl", "en", "de", "fr", "xx", ""]))
def test_suggest_never_raises(text: str, lang: str) -> None:
    suggestions = load_taxonomy().suggest(text, lang)
    assert len(suggestions) <= 3
