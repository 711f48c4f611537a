"""The field registry and the two fields that prove it (payment methods, wheelchair access) on every
surface: OSM import, catalogue JSON and CSV round trips, the public API, JSON-LD, the story card and
the widget. Expected values are written here, from OSM's and schema.org's documentation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import fields as registry
from catalog.db import create_engine, session_factory, upgrade
from catalog.export import export_catalogue, export_csv
from catalog.importers import import_file
from catalog.importers.csv_file import COLUMNS
from catalog.jsonld import business_jsonld
from catalog.models import Business
from catalog.repository import get_business
from catalog.views import BusinessView
from concierge.conversation.render import story_blocks
from concierge.i18n import translator
from handlers.web.api import business_json
from handlers.web.openapi import openapi_document
from handlers.web.widget import widget_js
from tests.test_jsonld import SCHEMA, expand, values
from tests.web_support import running

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    url = f"sqlite+aiosqlite:///{tmp_path}/fields.db"
    await upgrade(url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


def _overpass(tmp_path: Path) -> Path:
    elements = [
        {
            "type": "node",
            "id": 1,
            "lat": 52.09,
            "lon": 5.12,
            "tags": {
                "shop": "bakery",
                "name": "Bakkerij Pin",
                "payment:cash": "yes",
                "payment:debit_cards": "yes",
                "payment:contactless": "yes",
                "payment:credit_cards": "no",
                "wheelchair": "limited",
            },
        },
        {
            "type": "node",
            "id": 2,
            "lat": 52.091,
            "lon": 5.121,
            "tags": {"shop": "florist", "name": "Bloem Contant", "payment:coins": "yes", "wheelchair": "no"},
        },
        {
            "type": "node",
            "id": 3,
            "lat": 52.092,
            "lon": 5.122,
            "tags": {"shop": "books", "name": "Boek Stil", "payment:cards": "no", "wheelchair": "maybe"},
        },
    ]
    path = tmp_path / "shops.overpass.json"
    path.write_text(json.dumps({"elements": elements}), encoding="utf-8")
    return path


def test_osm_tags_say_payment_and_access_only_when_they_do() -> None:
    assert registry.from_osm_tags({"payment:visa": "yes", "payment:notes": "yes"}) == {
        "payment": ["cash", "card"]
    }
    assert registry.from_osm_tags({"payment:cash": "no", "wheelchair": "yes"}) == {"wheelchair": "yes"}
    assert registry.from_osm_tags({"shop": "bakery", "wheelchair": "designated?"}) == {}


async def test_osm_import_reads_payment_and_wheelchair(sessions: Sessions, tmp_path: Path) -> None:
    await import_file(sessions, _overpass(tmp_path), progress=False)
    async with sessions() as session:
        pin = await get_business(session, "bakkerij-pin")
        contant = await get_business(session, "bloem-contant")
        stil = await get_business(session, "boek-stil")
    assert pin is not None and contant is not None and stil is not None
    assert (pin.payment, pin.wheelchair) == (("cash", "card", "contactless"), "limited")
    assert (contant.payment, contant.wheelchair) == (("cash",), "no")
    assert (stil.payment, stil.wheelchair) == ((), "")


async def test_catalogue_and_csv_round_trip_keep_both_fields(sessions: Sessions, tmp_path: Path) -> None:
    await import_file(sessions, _overpass(tmp_path), progress=False)
    exported = await export_catalogue(sessions)
    by_id = {b["id"]: b for b in exported["businesses"]}
    assert by_id["bakkerij-pin"]["payment"] == ["cash", "card", "contactless"]
    assert by_id["bakkerij-pin"]["wheelchair"] == "limited"
    assert by_id["boek-stil"]["payment"] == [] and by_id["boek-stil"]["wheelchair"] == ""

    text = await export_csv(sessions)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert "payment" in COLUMNS and "wheelchair" in COLUMNS
    assert rows["bakkerij-pin"]["payment"] == "cash;card;contactless"
    assert rows["bloem-contant"]["wheelchair"] == "no"

    for name, content in (("again.json", json.dumps(exported)), ("again.csv", text)):
        url = f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
        await upgrade(url)
        engine = create_engine(url)
        other = session_factory(engine)
        (tmp_path / name).write_text(content, encoding="utf-8")
        await import_file(other, tmp_path / name, progress=False)
        async with other() as session:
            pin = await get_business(session, "bakkerij-pin")
        await engine.dispose()
        assert (
            pin is not None and pin.payment == ("cash", "card", "contactless") and pin.wheelchair == "limited"
        )


async def test_a_csv_cell_may_list_methods_in_any_order_and_unknown_words_are_dropped(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = tmp_path / "shops.csv"
    path.write_text(
        "id;name;lat;lon;payment;wheelchair\nkaas;Kaas;52.09;5.12;Card, CASH, cheque;Yes\n"
        "wol;Wol;52.09;5.12;;sometimes\n",
        encoding="utf-8",
    )
    await import_file(sessions, path, progress=False)
    async with sessions() as session:
        kaas = await get_business(session, "kaas")
        wol = await get_business(session, "wol")
    assert kaas is not None and (kaas.payment, kaas.wheelchair) == (("cash", "card"), "yes")
    assert wol is not None and (wol.payment, wol.wheelchair) == ((), "")


def _view(**extra: Any) -> BusinessView:
    return BusinessView(id="kaasje", name="Kaasje", categories=("shop=cheese",), lat=52.09, lon=5.12, **extra)


def test_the_view_reads_every_registry_field_from_the_model() -> None:
    row = Business(
        id="kaasje",
        name="Kaasje",
        categories=["shop=cheese"],
        lat=52.09,
        lon=5.12,
        payment=["card"],
        wheelchair="yes",
        delivery="bike",
        website="javascript:alert(1)",
    )
    row.products = []
    view = BusinessView.from_model(row)
    assert (view.payment, view.wheelchair, view.delivery) == (("card",), "yes", "bike")
    assert view.website == ""  # still made safe


def test_api_record_and_its_schema_carry_both_fields() -> None:
    body = business_json(_view(payment=("cash", "contactless"), wheelchair="no"), "http://concierge.test")
    assert body["payment"] == ["cash", "contactless"] and body["wheelchair"] == "no"
    schemas = openapi_document("http://concierge.test")["components"]["schemas"]
    assert schemas["Business"]["properties"]["payment"]["items"]["enum"] == ["cash", "card", "contactless"]
    assert schemas["Business"]["properties"]["wheelchair"]["enum"] == ["yes", "limited", "no", ""]
    assert set(schemas["Result"]["properties"]) >= {"payment", "wheelchair"}


def test_jsonld_says_payment_accepted_and_wheelchair_access() -> None:
    node = business_jsonld(_view(payment=("cash", "card"), wheelchair="yes"), None, "https://buurt.test", "")
    [expanded] = expand(node)
    assert values(expanded, "paymentAccepted") == ["Cash, Debit or credit card"]
    [feature] = expanded[SCHEMA + "amenityFeature"]
    assert feature["@type"] == [SCHEMA + "LocationFeatureSpecification"]
    assert values(feature, "name") == ["Wheelchair accessible"]
    assert values(feature, "value") == [True]
    limited = business_jsonld(_view(wheelchair="limited"), None, "https://buurt.test", "")
    assert limited["amenityFeature"][0]["value"] is False
    unknown = business_jsonld(_view(), None, "https://buurt.test", "")
    assert "paymentAccepted" not in unknown and "amenityFeature" not in unknown


@pytest.mark.parametrize(
    ("lang", "payment", "wheelchair"),
    [
        ("en", "<b>Pay</b>: cash, card", "<b>Wheelchair</b>: partly accessible"),
        ("nl", "<b>Betalen</b>: contant, pin", "<b>Rolstoel</b>: deels toegankelijk"),
        ("de", "<b>Bezahlen</b>: bar, Karte", "<b>Rollstuhl</b>: eingeschränkt zugänglich"),
        ("fr", "<b>Paiement</b>: espèces, carte", "<b>Fauteuil roulant</b>: partiellement accessible"),
    ],
)
def test_story_card_says_what_is_known(lang: str, payment: str, wheelchair: str) -> None:
    blocks = story_blocks(
        _view(payment=("cash", "card"), wheelchair="limited"), translator(lang), [], lang=lang
    )
    assert payment in blocks and wheelchair in blocks
    silent = story_blocks(_view(), translator(lang), [], lang=lang)
    assert not any(block.startswith((payment[:8], wheelchair[:8])) for block in silent)


def test_widget_script_carries_the_card_texts() -> None:
    script = widget_js().body.decode()
    assert '"wheelchair": {"label": "Rolstoel", "values": {"yes": "toegankelijk"' in script
    assert '"payment": {"label": "Pay", "values": {"cash": "cash", "card": "card"' in script


async def test_public_page_and_api_show_what_the_listing_says(sqlite_url: str) -> None:
    async with running(sqlite_url) as (_, client):
        response = await client.get("/b/bakkerij-de-korenbloem?lang=de")
        page = await response.text()
        assert "<dt>Bezahlen</dt><dd>bar, Karte</dd>" in page
        assert "<dt>Rollstuhl</dt><dd>zugänglich</dd>" in page
        assert '"paymentAccepted": "Cash, Debit or credit card"' in page.replace("\\u0022", '"')
        body = await (await client.get("/api/v1/businesses/bakkerij-de-korenbloem")).json()
        assert (body["payment"], body["wheelchair"]) == (["cash", "card"], "yes")
        other = await (await client.get("/api/v1/businesses/bloemen-bij-bo")).json()
        assert (other["payment"], other["wheelchair"]) == ([], "")
