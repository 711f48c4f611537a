"""The chain data builder: locationSets resolved to countries on a small hand-written borders file
shaped like country-coder's (features with iso1A2, m49, groups, aliases, parent country)."""

from __future__ import annotations

from typing import Any

from catalog.chains import counts_in
from catalog.sources.chains import Countries, _countries_text, _prefix_country, build


def feature(**properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": None}


BORDERS = {
    "type": "FeatureCollection",
    "features": [
        feature(m49="001", wikidata="Q2", nameEn="World", aliases=["Earth"], level="world"),
        feature(m49="150", wikidata="Q46", nameEn="Europe", level="region"),
        feature(m49="155", wikidata="Q27496", nameEn="Western Europe", level="subregion"),
        feature(iso1A2="EU", wikidata="Q458", nameEn="European Union", level="union", groups=["150"]),
        feature(iso1A2="NL", iso1A3="NLD", wikidata="Q29999", nameEn="Kingdom of the Netherlands"),
        feature(wikidata="Q55", nameEn="Netherlands", country="NL", groups=["EU", "155", "150"]),
        feature(iso1A2="AT", iso1A3="AUT", wikidata="Q40", nameEn="Austria", groups=["EU", "155", "150"]),
        feature(iso1A2="LI", iso1A3="LIE", wikidata="Q347", nameEn="Liechtenstein", groups=["155", "150"]),
        feature(iso1A2="GB", iso1A3="GBR", wikidata="Q145", nameEn="United Kingdom", groups=["154", "150"]),
        feature(wikidata="Q21", nameEn="England", aliases=["GB-ENG"], country="GB", groups=["154", "150"]),
        feature(iso1A2="US", iso1A3="USA", wikidata="Q30", nameEn="United States of America"),
    ],
}


def test_codes_regions_and_subterritories_resolve_to_countries() -> None:
    countries = Countries(BORDERS)
    assert countries.all == {"NL", "AT", "LI", "GB", "US"}, "unions and regions are no countries"
    assert countries.of_code("001") == {"NL", "AT", "LI", "GB", "US"}
    assert countries.of_code("150") == {"NL", "AT", "LI", "GB"}
    assert countries.of_code("155") == {"NL", "AT", "LI"}
    assert countries.of_code("eu") == {"NL", "AT"}
    assert countries.of_code("at") == {"AT"}
    assert countries.of_code("gb-eng") == {"GB"}
    assert countries.of_code("Q347") == {"LI"}
    assert countries.of_code("xx") is None


def test_shape_names_with_a_country_prefix() -> None:
    countries = Countries(BORDERS)
    assert _prefix_country("at-9.geojson", countries) == "AT"
    assert _prefix_country("aldi-sued.geojson", countries) is None


def test_countries_are_written_compactly_and_read_back() -> None:
    every = {"NL", "AT", "LI", "GB", "US"}
    assert _countries_text(every, every) == "*"
    assert _countries_text(every - {"US"}, every) == "* -US"
    assert _countries_text({"AT", "LI"}, every) == "AT LI"
    for where in ("*", "* -US", "AT LI"):
        assert [counts_in(where, c) for c in ("AT", "US")] == [True, where == "*"]


def test_build_keeps_brands_of_shop_types_with_include_minus_exclude() -> None:
    nsi = {
        "_meta": {"version": "test"},
        "nsi": {
            "brands/shop/supermarket": {
                "items": [
                    {
                        "displayName": "Billa",
                        "locationSet": {"include": ["155"], "exclude": ["nl"]},
                        "matchNames": ["billa plus"],
                        "tags": {"brand": "Billa", "name": "Billa", "shop": "supermarket"},
                    },
                    {
                        "displayName": "Nowhere",
                        "locationSet": {"include": ["xx"]},
                        "tags": {"name": "Nowhere"},
                    },
                ]
            },
            "transit/route/bus": {
                "items": [{"displayName": "Bus", "locationSet": {"include": ["001"]}, "tags": {}}]
            },
        },
    }
    data = build(nsi, {"features": []}, BORDERS, coder=None)  # type: ignore[arg-type]
    assert data["brands"] == {"shop=supermarket": [["Billa", "AT LI"], ["billa plus", "AT LI"]]}
