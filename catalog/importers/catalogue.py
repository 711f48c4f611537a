"""Catalogue JSON, the native format: ``{"area": {...}, "businesses": [...]}`` (see DESIGN.md).

A multi-area export adds ``"areas": [...]`` and an ``"area": id`` per business.

:func:`record_from_entry` also reads CSV rows, whose columns carry the same names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.core import get_global

from catalog.fields import DELIVERY
from catalog.importers.osm import clean_tags
from catalog.importers.records import (
    PRODUCT_NAME_LIMIT,
    ImportFileError,
    ParsedFile,
    ProductSpec,
    Record,
    Skip,
    boolean,
    categories,
    field_text,
    languages,
    osm_source_id,
    position,
    slugify,
    split_list,
    text,
)
from catalog.models import STATUSES

TEXT_FIELDS = ("address", "opening_hours", "phone", "website", "photo")
STORY_PARTS = ("who", "how", "why")


def country_language(country: str) -> str:
    """The most spoken official language of a country (ISO code), two letters, or ``""``."""
    spoken = get_global("territory_languages").get(country.upper(), {})
    official = [
        (info.get("population_percent", 0), code)
        for code, info in spoken.items()
        if len(code) == 2 and str(info.get("official_status") or "").startswith("official")
    ]
    return max(official)[1] if official else ""


def _products(value: Any, kind: str, language: str, separators: str) -> list[ProductSpec]:
    items = value if isinstance(value, list) else split_list(value, separators)
    found: list[ProductSpec] = []
    for item in items:
        if isinstance(item, dict):
            name = text(item.get("name"), PRODUCT_NAME_LIMIT)
            lang = (languages([item["language"]]) or [""])[0] if "language" in item else language
            sold_out = bool(boolean(item.get("sold_out"), False))
            item_kind = item.get("kind") if item.get("kind") in {"product", "service"} else kind
        else:
            name, lang, sold_out, item_kind = text(item, PRODUCT_NAME_LIMIT), language, False, kind
        if name:
            found.append(ProductSpec(name, str(item_kind), lang, sold_out))
    return found


def _partners(value: Any) -> list[tuple[str, str | None]]:
    """``(id, note)`` pairs; the note is ``None`` when the file gives a bare id (keep any old note)."""
    items = value if isinstance(value, list) else split_list(value, ";,")
    found: dict[str, str | None] = {}
    for item in items:
        ident, note = (
            (item.get("id"), text(item.get("note"), 200)) if isinstance(item, dict) else (item, None)
        )
        slug = slugify(text(ident), 120)
        if slug:
            found.setdefault(slug, note)
    return list(found.items())


def _story(entry: dict[str, Any], fallback_language: str) -> dict[str, Any]:
    story = entry.get("story")
    fields: dict[str, Any] = {}
    if isinstance(story, str):
        story = {"who": story}
    if isinstance(story, dict):
        for part in STORY_PARTS:
            fields[f"story_{part}"] = text(story.get(part))
        if "language" in story:
            fields["story_language"] = (languages([story["language"]]) or [""])[0]
        else:
            fields["story_language"] = fallback_language if any(fields.values()) else ""
    for part in STORY_PARTS:
        if f"story_{part}" in entry:
            fields[f"story_{part}"] = text(entry[f"story_{part}"])
    if "story_language" in entry:
        fields["story_language"] = (languages([entry["story_language"]]) or [""])[0]
    elif fields and "story_language" not in fields:
        fields["story_language"] = fallback_language if any(fields.values()) else ""
    return fields


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text(value)) if text(value) else None
    except ValueError:
        return None


def _extras(entry: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if entry.get("status") in STATUSES:
        fields["status"] = entry["status"]
    if "opt_out" in entry:
        fields["opt_out"] = bool(boolean(entry["opt_out"], False))
    if isinstance(entry.get("tags"), dict):
        fields["tags"] = clean_tags(entry["tags"])
    if isinstance(entry.get("special_hours"), dict):
        fields["special_hours"] = {text(k): text(v) for k, v in entry["special_hours"].items() if text(k)}
    for key in ("closed_from", "closed_until"):
        if key in entry:
            fields[key] = _date(entry[key])
    return fields


def record_from_entry(entry: Any, default_language: str, separators: str = ";") -> Record:
    """A record from a catalogue business (or a CSV row); raises :class:`Skip` with the reason."""
    if not isinstance(entry, dict):
        raise Skip("not an object")
    name = field_text("name", entry.get("name"))
    if not name:
        raise Skip("no name")
    lat, lon = position(entry.get("lat"), entry.get("lon"))
    fields: dict[str, Any] = {"name": name, "lat": lat, "lon": lon}
    if "categories" in entry:
        fields["categories"] = categories(entry["categories"])
    for key in TEXT_FIELDS:
        if key in entry:
            fields[key] = field_text(key, entry[key])
    langs = languages(entry.get("languages"))
    if "languages" in entry:
        fields["languages"] = langs
    language = langs[0] if langs else default_language
    independent = boolean(entry.get("independent"))
    if independent is not None:
        fields["independent"] = independent
    if "pickup" in entry:
        fields["pickup"] = bool(boolean(entry["pickup"], False))
    if "delivery" in entry:
        delivery = text(entry["delivery"]).lower()
        fields["delivery"] = delivery if delivery in DELIVERY else "none"
    if text(entry.get("area")):
        fields["area_id"] = slugify(text(entry["area"]))
    fields.update(_story(entry, language))
    fields.update(_extras(entry))
    products = None
    if "products" in entry or "services" in entry:
        products = _products(entry.get("products"), "product", language, separators)
        products += _products(entry.get("services"), "service", language, separators)
    partners = _partners(entry["partners"]) if "partners" in entry else None
    raw_id = text(entry.get("id"))
    return Record(
        name,
        lat,
        lon,
        id=slugify(raw_id, 120) or None,
        source_id=osm_source_id(entry.get("source_id")),
        fields=fields,
        products=products,
        partners=partners,
        country=text(entry.get("country") or entry.get("addr:country")),
    )


def area_language(area: dict[str, Any] | None, country: str) -> str:
    langs = languages((area or {}).get("languages"))
    return langs[0] if langs else country_language(country)


def parse(data: Any, name: str) -> ParsedFile:
    if not isinstance(data, dict) or not isinstance(data.get("businesses"), list):
        raise ImportFileError(f'{name}: catalogue JSON needs an object with a "businesses" list')
    area = data.get("area")
    if area is not None and not isinstance(area, dict):
        raise ImportFileError(f'{name}: "area" must be an object')
    country = text((area or {}).get("country")).upper() or "NL"
    language = area_language(area, country)
    others = data.get("areas")
    if others is not None and not (isinstance(others, list) and all(isinstance(a, dict) for a in others)):
        raise ImportFileError(f'{name}: "areas" must be a list of objects')
    parsed = ParsedFile([], area=area, other_areas=list(others or []))
    for entry in data["businesses"]:
        try:
            parsed.records.append(record_from_entry(entry, language))
        except Skip as skip:
            parsed.skipped[str(skip)] += 1
    return parsed
