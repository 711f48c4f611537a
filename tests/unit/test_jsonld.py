"""schema.org JSON-LD, read back by a real JSON-LD processor (pyld) with an offline copy of the context."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pyld import jsonld

from catalog.jsonld import (
    ODBL_URL,
    business_jsonld,
    catalogue_jsonld,
    founders,
    opening_hours_spans,
    schema_type,
    split_address,
)
from catalog.models import Business
from catalog.views import AreaView, BusinessView, ProductView
from tests.support import paths
from tests.support.web_support import neighbourhood

SCHEMA = "https://schema.org/"
CONTEXT = json.loads((paths.DATA / "schemaorg_context.jsonld").read_text())
LOADED: list[str] = []


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Serves the local schema.org context; any other URL fails, so nothing is fetched from the network."""
    LOADED.append(url)
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": CONTEXT}
    raise jsonld.JsonLdError("offline", "jsonld.LoadDocumentError", code="loading document failed")


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    expanded: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": offline_loader})
    return expanded


def values(node: dict[str, Any], prop: str) -> list[Any]:
    return [v.get("@value", v.get("@id", v)) for v in node.get(SCHEMA + prop, [])]


AREA = AreaView("lindenhof", "Lindenhof", "Utrecht", (52.09, 5.12), 1500)


def _views() -> dict[str, BusinessView]:
    rows = [row for row in neighbourhood() if isinstance(row, Business)]
    views = {}
    for row in rows:
        products = tuple(ProductView(p.name, p.kind or "product") for p in row.products)
        views[row.id] = BusinessView(
            id=row.id,
            name=row.name,
            categories=tuple(row.categories),
            lat=row.lat,
            lon=row.lon,
            area_id=row.area_id,
            source_id=row.source_id,
            address=row.address or "",
            opening_hours=row.opening_hours or "",
            phone=row.phone or "",
            website=row.website or "",
            story_who=row.story_who or "",
            story_how=row.story_how or "",
            story_why=row.story_why or "",
            story_language=row.story_language or "",
            status=row.status or "published",
            opt_out=bool(row.opt_out),
            independent=row.independent is not False,
            products=products,
        )
    return views


def test_business_expands_with_required_fields() -> None:
    bakery = _views()["bakkerij-de-korenbloem"]
    document = business_jsonld(bakery, AREA, "https://lindenhof.example/", "lindenhof_bot")
    [node] = expand(document)
    assert node["@id"] == "https://lindenhof.example/b/bakkerij-de-korenbloem"
    assert node["@type"] == [SCHEMA + "Bakery"]
    assert values(node, "name") == ["Bakkerij de Korenbloem"]
    assert "bakers since 1998" in values(node, "description")[0]
    assert values(node, "telephone") == ["+31 30 123 4567"]
    assert values(node, "sameAs") == ["https://korenbloem.example"]
    [address] = node[SCHEMA + "address"]
    assert address["@type"] == [SCHEMA + "PostalAddress"]
    assert values(address, "streetAddress") == ["Lindenstraat 12"]
    assert values(address, "postalCode") == ["3512 AB"]
    assert values(address, "addressLocality") == ["Utrecht"]
    [geo] = node[SCHEMA + "geo"]
    assert values(geo, "latitude") == [52.0907] and values(geo, "longitude") == [5.1214]
    specs = node[SCHEMA + "openingHoursSpecification"]
    weekdays = next(s for s in specs if SCHEMA + "Monday" in values(s, "dayOfWeek"))
    assert set(values(weekdays, "dayOfWeek")) == {
        SCHEMA + d for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    }
    assert values(weekdays, "opens") == ["08:00"] and values(weekdays, "closes") == ["18:00"]
    saturday = next(s for s in specs if SCHEMA + "Saturday" in values(s, "dayOfWeek"))
    assert values(saturday, "closes") == ["16:00"]
    offers = node[SCHEMA + "hasOfferCatalog"][0][SCHEMA + "itemListElement"]
    offered = [values(offer[SCHEMA + "itemOffered"][0], "name")[0] for offer in offers]
    assert offered == ["oat milk", "sourdough bread"]
    assert SCHEMA + "license" not in node  # the owner's own record, not OSM-derived
    rdf = jsonld.to_rdf(document, {"documentLoader": offline_loader, "format": "application/n-quads"})
    assert "<https://schema.org/openingHoursSpecification>" in rdf
    assert all(url.startswith(("https://schema.org", "http://schema.org")) for url in LOADED)


def test_osm_derived_record_carries_the_odbl_attribution() -> None:
    bikes = _views()["fietsmaker-rijn"]
    [node] = expand(business_jsonld(bikes, AREA, "https://lindenhof.example", "lindenhof_bot"))
    assert node["@type"] == [SCHEMA + "BikeStore"]
    assert values(node, "license") == [ODBL_URL]
    assert "OpenStreetMap contributors" in values(node, "creditText")[0]
    assert values(node, "isBasedOn") == ["https://www.openstreetmap.org/node/123456"]
    assert "https://www.openstreetmap.org/node/123456" in values(node, "sameAs")
    offered = node[SCHEMA + "hasOfferCatalog"][0][SCHEMA + "itemListElement"][0][SCHEMA + "itemOffered"][0]
    assert offered["@type"] == [SCHEMA + "Service"]


def test_catalogue_graph_leaves_out_opted_out_and_unpublished_businesses() -> None:
    views = _views()
    document = catalogue_jsonld(views.values(), [AREA], "https://lindenhof.example", "lindenhof_bot")
    nodes = expand(document)
    ids = {node["@id"] for node in nodes}
    assert "https://lindenhof.example/b/bakkerij-de-korenbloem" in ids
    assert "https://lindenhof.example/b/geheime-kaasboer" not in ids
    assert "https://lindenhof.example/b/nog-niet-open" not in ids
    [dataset] = [node for node in nodes if SCHEMA + "Dataset" in node["@type"]]
    assert values(dataset, "license") == [ODBL_URL]
    assert "OpenStreetMap contributors" in values(dataset, "creditText")[0]
    parts = {part["@id"] for part in dataset[SCHEMA + "hasPart"]}
    assert parts == ids - {dataset["@id"]}


def test_catalogue_without_osm_records_claims_no_odbl() -> None:
    views = [v for v in _views().values() if not v.source_id]
    [dataset] = [
        n
        for n in expand(catalogue_jsonld(views, [AREA], "https://x.example", "bot"))
        if "@type" in n and SCHEMA + "Dataset" in n["@type"]
    ]
    assert SCHEMA + "license" not in dataset


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            "Mo-Fr 09:00-18:00; Sa 10:00-16:00",
            [(["Mo", "Tu", "We", "Th", "Fr"], "09:00", "18:00"), (["Sa"], "10:00", "16:00")],
        ),
        (
            "Mo,We 9:00-12:00,13:00-17:00",
            [(["Mo", "We"], "09:00", "12:00"), (["Mo", "We"], "13:00", "17:00")],
        ),
        ("Mo-Sa 08:00-18:00; We off", [(["Mo", "Tu", "Th", "Fr", "Sa"], "08:00", "18:00")]),
        ("Fr-Mo 10:00-24:00", [(["Mo", "Fr", "Sa", "Su"], "10:00", "23:59")]),
        ("24/7", [(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"], "00:00", "23:59")]),
        ("Mo-Fr 09:00-18:00; PH off", None),
        ("sunrise-sunset", None),
        ("", None),
    ],
)
def test_opening_hours_spans(expression: str, expected: object) -> None:
    assert opening_hours_spans(expression) == expected


def test_unreadable_hours_keep_the_raw_expression_only() -> None:
    view = BusinessView("x", "X", ("amenity=cafe",), 52.0, 5.0, opening_hours="Mo-Fr 09:00-17:00; PH off")
    document = business_jsonld(view, None, "https://x.example", "bot")
    assert document["openingHours"] == "Mo-Fr 09:00-17:00; PH off"
    assert "openingHoursSpecification" not in document
    assert document["@type"] == "CafeOrCoffeeShop"


def test_schema_types() -> None:
    assert schema_type(["shop=florist"]) == "Florist"
    assert schema_type(["amenity=pharmacy"]) == "Pharmacy"
    assert schema_type(["shop=something_rare"]) == "Store"
    assert schema_type(["craft=shoemaker"]) == "LocalBusiness"


@pytest.mark.parametrize(
    ("address", "country", "expected"),
    [
        ("Lindenstraat 12, 3512 AB Utrecht", "NL", ("Lindenstraat 12", "3512 AB", "Utrecht")),
        ("Lindenstraat 12 3512AB Utrecht", "NL", ("Lindenstraat 12", "3512AB", "Utrecht")),
        ("Hauptstraße 5, 10115 Berlin", "DE", ("Hauptstraße 5", "10115", "Berlin")),
        ("12 rue de la Paix, 75002 Paris", "FR", ("12 rue de la Paix", "75002", "Paris")),
        ("Rue Neuve 3, 1000 Bruxelles", "BE", ("Rue Neuve 3", "1000", "Bruxelles")),
        ("Mannerheimintie 5, Helsinki", "FI", ("Mannerheimintie 5", None, "Helsinki")),
        ("Lindenstraat 12", "NL", ("Lindenstraat 12", None, None)),
    ],
)
def test_addresses_are_split_into_postal_fields(
    address: str, country: str, expected: tuple[str, str | None, str | None]
) -> None:
    fields = split_address(address, country)
    assert (fields.get("streetAddress"), fields.get("postalCode"), fields.get("addressLocality")) == expected


@pytest.mark.parametrize(
    ("who", "names"),
    [
        ("Anna and Piet Visser, bakers since 1998.", ["Anna Visser", "Piet Visser"]),
        ("Bo, florist.", ["Bo"]),
        ("Jean-Luc et Marie Dupont, fromagers", ["Jean-Luc Dupont", "Marie Dupont"]),
        ("Anna van der Berg – since 2001", ["Anna van der Berg"]),
        ("We are two sisters who love cheese.", []),
        ("Repairs while you wait.", []),
        ("I am Marie and I bake.", []),
        ("", []),
    ],
)
def test_founders_only_with_a_name(who: str, names: list[str]) -> None:
    assert founders(who) == names
