"""OpenStreetMap tags → a :class:`Record`, shared by the Overpass, GeoJSON and CSV importers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from catalog import fields as registry
from catalog.chains import CATEGORY_KEYS, is_chain
from catalog.importers.records import Record, Skip, field_text, position, text

SUB_TAG_KEYS = ("vending", "clothes", "cuisine", "organic", "second_hand", "bulk_purchase", "sport")
"""Sub-tags kept as categories besides the main shop-type tags; all tags stay in ``Business.tags``."""
SUB_TAG_PREFIXES = ("service:bicycle:", "service:vehicle:")
NO_VALUES = {"no", "none", ""}
DEFAULT_COUNTRY = "NL"


def _values(raw: Any) -> list[str]:
    return [part.strip() for part in str(raw).split(";") if part.strip()]


def osm_categories(tags: Mapping[str, Any]) -> list[str]:
    """Primary ``key=value`` tags (shop first) then a few telling sub-tags."""
    found: list[str] = []
    for key in CATEGORY_KEYS:
        if key in tags and isinstance(tags[key], (str, int)):
            found.extend(f"{key}={value}" for value in _values(tags[key]) if value.lower() not in NO_VALUES)
    if not found:
        return found
    for key in SUB_TAG_KEYS:
        if isinstance(tags.get(key), str):
            found.extend(f"{key}={value}" for value in _values(tags[key]) if value.lower() not in NO_VALUES)
    for key, value in tags.items():
        if key.startswith(SUB_TAG_PREFIXES) and str(value).strip().lower() in {"yes", "only"}:
            found.append(f"{key}=yes")
    return list(dict.fromkeys(found))


def address(tags: Mapping[str, Any]) -> str:
    """ "street housenumber, postcode city" from ``addr:*`` (or a free ``address`` tag)."""
    street = text(tags.get("addr:street")) or text(tags.get("addr:place"))
    if street and text(tags.get("addr:housenumber")):
        street = f"{street} {text(tags.get('addr:housenumber'))}"
    place = " ".join(text(tags.get(k)) for k in ("addr:postcode", "addr:city") if text(tags.get(k)))
    joined = ", ".join(part for part in (street, place) if part)
    return field_text("address", joined or tags.get("address"))


def _first(tags: Mapping[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        if text(tags.get(key)):
            return tags[key]
    return None


def clean_tags(tags: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(k): text(v) for k, v in tags.items() if isinstance(k, str) and text(v) and not k.startswith("@")
    }


def record_from_tags(tags: Mapping[str, Any], lat: Any, lon: Any, source_id: str | None) -> Record:
    """Raises :class:`Skip` with the reason when the element cannot be a business."""
    name = field_text("name", tags.get("name"))
    if not name:
        raise Skip("no name")
    categories = osm_categories(tags)
    if not categories:
        raise Skip("no shop tag")
    la, lo = position(lat, lon)
    all_tags = clean_tags(tags)
    fields: dict[str, Any] = {
        "name": name,
        "categories": categories,
        "tags": all_tags,
        "lat": la,
        "lon": lo,
        "address": address(tags),
        "opening_hours": field_text("opening_hours", tags.get("opening_hours")),
        "phone": field_text("phone", _first(tags, ("phone", "contact:phone", "contact:mobile"))),
        "website": field_text("website", _first(tags, ("website", "contact:website", "url"))),
        **registry.from_osm_tags(all_tags),
    }
    return Record(name, la, lo, source_id=source_id, fields=fields, country=text(tags.get("addr:country")))


def majority_country(records: Iterable[Record], default: str = DEFAULT_COUNTRY) -> str:
    counts = Counter(r.country.upper() for r in records if len(r.country) == 2 and r.country.isalpha())
    return counts.most_common(1)[0][0] if counts else default


def mark_independence(records: Iterable[Record], country: str) -> None:
    """Set ``independent`` on records that do not state it, from chain detection."""
    for record in records:
        if "independent" not in record.fields:
            tags = record.fields.get("tags") or {}
            record.fields["independent"] = not is_chain(
                record.name, tags, country, record.fields.get("categories") or ()
            )
