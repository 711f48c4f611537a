"""Rebuild ``catalog/data/osm_shop_taxonomy.json`` and ``locales/lexicon/cuisine.json`` from the iD
editor's tagging schema (npm ``@openstreetmap/id-tagging-schema``, ISC licence).

    python -m catalog.sources.id_presets [--version 6.19.2] [--package FILE.tgz]

Without ``--package`` the pinned version is fetched with ``npm pack`` (the npm registry is the only
network this needs). Kept are the presets of places a resident buys from, hires or consults: every
``shop=*`` and ``craft=*`` preset, and the chosen amenity, office, healthcare, leisure and tourism
values below (a bench, a police station or a parking space is never an answer to "where can I get
…"). Names, aliases and search terms come in English, Dutch, German and French, with the British and
Belgian names where they differ. The values of the ``cuisine`` field (pizza, kebab, bubble tea, …)
become lexicon concepts tied to ``cuisine=*``, so a café or take-away tagged with a cuisine is found
by its food in four languages.

The labels, options and search terms of iD's ``payment_multi`` and ``wheelchair`` fields become the
words of the search filters on the listing fields ``payment`` and ``wheelchair``
(``locales/filters.json``: "pay by card", "Kartenzahlung", "accès en fauteuil roulant"), together with
:data:`COLLOQUIAL`, the few everyday forms iD does not list ("pinnen", "barrierefrei"), minus
:data:`NOT_FILTERS`, iD's words that name a thing to buy rather than a way to pay or to get in.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@openstreetmap/id-tagging-schema"
VERSION = "6.19.2"
ROOT = Path(__file__).resolve().parents[2]
TAXONOMY_FILE = ROOT / "catalog" / "data" / "osm_shop_taxonomy.json"
CUISINE_FILE = ROOT / "locales" / "lexicon" / "cuisine.json"
FILTERS_FILE = ROOT / "locales" / "filters.json"
NOTICE_FILE = ROOT / "catalog" / "data" / "NOTICE.md"
LANGS = ("en", "nl", "de", "fr")
REGIONS = ("en-GB", "nl-BE")
ALL_OF = ("shop", "craft")
CHOSEN: dict[str, frozenset[str]] = {
    "amenity": frozenset(
        [
            "animal_boarding",
            "arts_centre",
            "atm",
            "bank",
            "bar",
            "bar/lgbtq",
            "bicycle_rental",
            "bicycle_repair_station",
            "biergarten",
            "boat_rental",
            "bureau_de_change",
            "cafe",
            "cafe/bubble_tea",
            "cafe/coffee_shop",
            "cafe/teahouse",
            "car_rental",
            "car_sharing",
            "car_wash",
            "childcare",
            "cinema",
            "clinic",
            "community_centre",
            "coworking_space",
            "dancing_school",
            "dentist",
            "dive_centre",
            "doctors",
            "driving_school",
            "events_venue",
            "fast_food",
            "fast_food/bagel",
            "fast_food/burger",
            "fast_food/cafeteria",
            "fast_food/chicken",
            "fast_food/chinese",
            "fast_food/donut",
            "fast_food/fish_and_chips",
            "fast_food/hot_dog",
            "fast_food/ice_cream",
            "fast_food/indian",
            "fast_food/juice",
            "fast_food/kebab",
            "fast_food/mexican",
            "fast_food/pizza",
            "fast_food/sandwich",
            "fast_food/sushi",
            "fast_food/wings",
            "food_court",
            "fuel",
            "give_box",
            "ice_cream",
            "ice_cream/frozen_yogurt",
            "internet_cafe",
            "language_school",
            "library",
            "marketplace",
            "money_transfer",
            "motorcycle_rental",
            "music_school",
            "nightclub",
            "parcel_locker",
            "payment_centre",
            "pharmacy",
            "post_office",
            "pub",
            "pub/irish",
            "pub/lgbtq",
            "pub/microbrewery",
            "public_bookcase",
            "recycling",
            "restaurant",
            "restaurant/american",
            "restaurant/asian",
            "restaurant/barbecue",
            "restaurant/chinese",
            "restaurant/french",
            "restaurant/georgian",
            "restaurant/german",
            "restaurant/greek",
            "restaurant/hotpot",
            "restaurant/indian",
            "restaurant/italian",
            "restaurant/japanese",
            "restaurant/korean",
            "restaurant/mexican",
            "restaurant/noodle",
            "restaurant/pizza",
            "restaurant/ramen",
            "restaurant/seafood",
            "restaurant/spanish",
            "restaurant/steakhouse",
            "restaurant/sushi",
            "restaurant/thai",
            "restaurant/turkish",
            "restaurant/ukrainian",
            "restaurant/vietnamese",
            "studio",
            "theatre",
            "toy_library",
            "vending_machine",
            "vending_machine/bicycle_tube",
            "vending_machine/bottle_return",
            "vending_machine/bread",
            "vending_machine/cigarettes",
            "vending_machine/coffee",
            "vending_machine/condoms",
            "vending_machine/drinks",
            "vending_machine/eggs",
            "vending_machine/electronics",
            "vending_machine/elongated_coin",
            "vending_machine/excrement_bags",
            "vending_machine/feminine_hygiene",
            "vending_machine/flowers",
            "vending_machine/food",
            "vending_machine/food/snacks",
            "vending_machine/fuel",
            "vending_machine/ice_cream",
            "vending_machine/ice_cubes",
            "vending_machine/newspapers",
            "vending_machine/parking_tickets",
            "vending_machine/pizza",
            "vending_machine/public_transport_tickets",
            "vending_machine/stamps",
            "vending_machine/sweets",
            "vending_machine/water",
            "veterinary",
            "veterinary_pharmacy",
        ]
    ),
    "office": frozenset(
        [
            "accountant",
            "architect",
            "coworking",
            "employment_agency",
            "estate_agent",
            "financial_advisor",
            "graphic_design",
            "guide",
            "insurance",
            "it",
            "lawyer",
            "moving_company",
            "notary",
            "tax_advisor",
            "therapist",
            "translator",
            "travel_agent",
        ]
    ),
    "healthcare": frozenset(
        [
            "alternative",
            "alternative/acupuncture",
            "alternative/ayurveda",
            "alternative/chiropractic",
            "alternative/homeopathy",
            "alternative/naturopathy",
            "alternative/osteopathy",
            "alternative/traditional_chinese_medicine",
            "audiologist",
            "counselling",
            "dentist/orthodontics",
            "midwife",
            "occupational_therapist",
            "optometrist",
            "physiotherapist",
            "podiatrist",
            "psychotherapist",
            "speech_therapist",
        ]
    ),
    "leisure": frozenset(
        [
            "amusement_arcade",
            "bowling_alley",
            "dance",
            "escape_game",
            "fitness_centre",
            "fitness_centre/yoga",
            "hackerspace",
            "indoor_play",
            "sauna",
            "sports_centre",
        ]
    ),
    "tourism": frozenset(
        [
            "apartment",
            "attraction",
            "gallery",
            "guest_house",
            "hostel",
            "hotel",
            "information/office",
            "museum",
        ]
    ),
}
"""Values of these keys that a resident buys from, hires or consults (by iD preset id after the key)."""


def fetch(version: str, folder: Path) -> Path:
    """The package tarball of ``version``, via ``npm pack`` (checksummed by npm)."""
    subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{version}", "--silent", "--pack-destination", str(folder)],
        check=True,
        capture_output=True,
    )
    return next(folder.glob("*.tgz"))


def read_package(tarball: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, Any]]]:
    """presets.json, fields.json and the translations of the four languages and two regions."""
    with tarfile.open(tarball) as archive:

        def member(name: str) -> Any:
            handle = archive.extractfile(f"package/dist/{name}")
            if handle is None:
                raise FileNotFoundError(name)
            return json.load(handle)

        presets = member("presets.json")
        fields = member("fields.json")
        translations = {
            code: member(f"translations/{code}.json")[code]["presets"] for code in (*LANGS, *REGIONS)
        }
    return presets, fields, translations


def _split(text: object, separators: str) -> list[str]:
    if not isinstance(text, str):
        return []
    for separator in separators[1:]:
        text = text.replace(separator, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip()]


def _reference(name: object) -> str:
    """``"{office/coworking}"``: a preset named as another one."""
    return name[1:-1] if isinstance(name, str) and name.startswith("{") and name.endswith("}") else ""


def _kept(preset_id: str, preset: dict[str, Any]) -> bool:
    key, _, rest = preset_id.partition("/")
    if not isinstance(preset.get("tags"), dict) or key not in preset["tags"]:
        return False
    return key in ALL_OF or rest in CHOSEN.get(key, frozenset())


def taxonomy_records(
    presets: dict[str, Any], translations: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    records = []
    for preset_id in sorted(presets):
        preset = presets[preset_id]
        if not _kept(preset_id, preset):
            continue
        key = preset_id.split("/", 1)[0]
        tags: dict[str, str] = preset["tags"]
        rest = sorted(k for k in tags if k != key)
        record: dict[str, Any] = {
            "tag": ";".join(f"{k}={tags[k]}" for k in (key, *rest)),
            "preset_id": preset_id,
            "group": key,
            "tags": {k: tags[k] for k in (key, *rest)},
            "names": {},
            "terms": {},
        }
        if preset.get("addTags"):
            record["addTags"] = preset["addTags"]
        aliases: dict[str, list[str]] = {}
        named_as = _reference(preset.get("name"))
        for lang in LANGS:
            text = translations[lang]["presets"].get(preset_id, {})
            name = text.get("name") or translations[lang]["presets"].get(named_as, {}).get("name")
            if name:
                record["names"][lang] = name
            terms = _split(text.get("terms"), ",\n")
            if lang == "en":
                terms = list(dict.fromkeys([*terms, *preset.get("terms", [])]))
            if terms:
                record["terms"][lang] = terms
            if found := _split(text.get("aliases"), "\n"):
                aliases[lang] = found
        if aliases:
            record["aliases"] = aliases
        regional = {}
        for region in REGIONS:
            text = translations[region]["presets"]
            name = text.get(preset_id, {}).get("name") or text.get(_reference(preset.get("name")), {}).get(
                "name"
            )
            if name and name != record["names"].get(region.split("-")[0]):
                regional[region] = name
        if regional:
            record["regional_names"] = regional
        if preset.get("locationSet"):
            record["locationSet"] = preset["locationSet"]
        if preset.get("searchable") is False:
            record["searchable"] = False
        records.append(record)
    return records


def cuisine_document(fields: dict[str, Any], translations: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One lexicon concept per value of iD's ``cuisine`` field, named in the four languages."""
    values = fields["cuisine"].get("options") or list(translations["en"]["fields"]["cuisine"]["options"])
    concepts = []
    for value in sorted(values):
        terms = {}
        for lang in LANGS:
            label = translations[lang]["fields"].get("cuisine", {}).get("options", {}).get(value)
            if isinstance(label, dict):
                label = label.get("title")
            if isinstance(label, str) and label.strip():
                terms[lang] = [" ".join(label.lower().split())]
        if len(terms) < len(LANGS):
            continue  # a concept speaks all four languages, or it would answer in some only
        concepts.append({"id": value, "tags": [f"cuisine={value}"], "terms": terms})
    return {
        "domain": "cuisine",
        "note": f"Generated by python -m catalog.sources.id_presets from {PACKAGE} {VERSION} (ISC): "
        "the cuisine=* values of cafés, take-aways and restaurants. Weak: a nationality ('Italiaans') "
        "answers alone, but never outweighs a product named beside it ('Italian coffee').",
        "weak": True,
        "concepts": concepts,
    }


FILTER_SOURCES: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "payment:cash": ("payment_multi", ("cash",), False),
    "payment:card": (
        "payment_multi",
        ("cards", "debit_cards", "credit_cards", "account_cards", "maestro", "mastercard", "girocard"),
        False,
    ),
    "payment:contactless": ("payment_multi", ("contactless", "apple_pay", "google_pay"), False),
    "wheelchair:yes": ("wheelchair", (), True),
}
"""Search filter (``<field>:<value>`` of :mod:`catalog.fields`) → the iD field, the options whose names
say it, and whether the field's own label and search terms say it too (wheelchair's do; payment's
label, "Payment Types", names no method)."""
COLLOQUIAL: dict[str, dict[str, list[str]]] = {
    "payment:cash": {
        "nl": ["contant", "contant betalen", "cash betalen", "alleen contant"],
        "en": ["pay cash", "pay in cash", "cash only", "cash payment", "pays cash"],
        "de": ["bar zahlen", "bar bezahlen", "barzahlung", "nur bar"],
        "fr": ["espèces", "en espèces", "payer en espèces", "paiement en espèces"],
    },
    "payment:card": {
        "nl": ["pinnen", "pinpas", "met pin", "met pin betalen", "pinbetaling", "kan ik pinnen"],
        "en": ["pay by card", "card payment", "card payments", "pay with card", "accepts cards"],
        "de": ["mit karte zahlen", "mit karte bezahlen", "ec karte", "kartenzahlung möglich"],
        "fr": ["payer par carte", "paiement par carte", "payer avec une carte", "carte bancaire"],
    },
    "payment:contactless": {
        "nl": ["contactloos", "contactloos betalen"],
        "en": ["contactless", "tap to pay"],
        "de": ["kontaktlos", "kontaktlos bezahlen"],
        "fr": ["sans contact", "paiement sans contact"],
    },
    "wheelchair:yes": {
        "nl": ["rolstoeltoegankelijk", "rolstoelvriendelijk", "toegankelijk voor rolstoelen", "drempelvrij"],
        "en": ["wheelchair accessible", "wheelchair friendly", "step free", "accessible for wheelchairs"],
        "de": ["rollstuhlgerecht", "barrierefrei", "rollstuhlzugänglich", "rollstuhlfreundlich", "stufenlos"],
        "fr": [
            "accessible en fauteuil roulant",
            "accès pmr",
            "accessible pmr",
            "accessible aux fauteuils roulants",
        ],
    },
}
"""Everyday forms people type that iD does not list (checked with native usage: Dutch "pinnen" is
paying by debit card, French "PMR" is "personnes à mobilité réduite")."""
NOT_FILTERS = frozenset({"rolstoel", "fauteuil roulant", "handicapé", "liquide", "cash", "cheque"})
"""iD words that alone name something to buy or withdraw ("rolstoel kopen", "where can I get cash",
"liquide vaisselle"), so they never act as a filter."""


def _said(label: object) -> str:
    if isinstance(label, dict):
        label = label.get("title")
    return " ".join(label.lower().split()) if isinstance(label, str) else ""


def filters_document(translations: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The words of each listing-field filter in the four languages (iD's, then the colloquial ones)."""
    filters: dict[str, dict[str, list[str]]] = {}
    for name, (field, options, own_words) in FILTER_SOURCES.items():
        filters[name] = {}
        for lang in LANGS:
            text = translations[lang]["fields"].get(field, {})
            words = [_said(text.get("options", {}).get(option)) for option in options]
            if own_words:
                words += [_said(text.get("label")), *(_said(w) for w in _split(text.get("terms"), ",\n"))]
            words += COLLOQUIAL.get(name, {}).get(lang, [])
            kept = [w for w in dict.fromkeys(words) if w and w not in NOT_FILTERS]
            filters[name][lang] = kept
    return {
        "note": f"Generated by python -m catalog.sources.id_presets from {PACKAGE} {VERSION} (ISC): the "
        "payment_multi and wheelchair fields' labels, options and terms, plus the script's COLLOQUIAL "
        "forms. Each key is a search filter <field>:<value> of catalog/fields.py.",
        "filters": filters,
    }


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_lexicon(path: Path, document: dict[str, Any]) -> None:
    """One concept a line, as the hand-kept lexicon files."""
    head = {k: v for k, v in document.items() if k != "concepts"}
    lines = [json.dumps(c, ensure_ascii=False) for c in document["concepts"]]
    body = json.dumps(head, ensure_ascii=False)[:-1]
    path.write_text(body + ',\n "concepts": [\n  ' + ",\n  ".join(lines) + "\n ]}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--package", type=Path, help="a downloaded tarball instead of npm pack")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tarball = args.package or fetch(args.version, Path(folder))
        presets, fields, translations = read_package(tarball)
    records = taxonomy_records(presets, translations)
    write_json(TAXONOMY_FILE, records)
    write_lexicon(CUISINE_FILE, cuisine_document(fields, translations))
    write_json(FILTERS_FILE, filters_document(translations))
    print(
        f"{len(records)} presets -> {TAXONOMY_FILE.relative_to(ROOT)}; cuisines -> {CUISINE_FILE.relative_to(ROOT)}; "
        f"filter words -> {FILTERS_FILE.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
