"""The neutral record every format produces, and the small value checks they share."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from catalog.links import safe_link
from catalog.models import Business, Product

MAX_SLUG = 80


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is one line fit to show as it is."""


class Skip(Exception):
    """One record is skipped; the message is the reason counted in the summary ("no name")."""


@dataclass(frozen=True, slots=True)
class ProductSpec:
    name: str
    kind: str = "product"
    language: str = ""
    sold_out: bool = False


@dataclass
class Record:
    """One business as a file describes it.

    ``fields`` holds only the columns the file states; a column it does not mention is left as it is
    on re-import. ``products`` / ``partners`` are ``None`` when the file says nothing about them.
    """

    name: str
    lat: float
    lon: float
    id: str | None = None
    source_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    products: list[ProductSpec] | None = None
    partners: list[tuple[str, str | None]] | None = None
    """``(partner id, note)`` pairs; a ``None`` note leaves an existing link's note as it is."""
    country: str = ""
    """``addr:country`` of the record, for the area's country."""


@dataclass
class ParsedFile:
    records: list[Record]
    skipped: Counter[str] = field(default_factory=Counter)
    area: dict[str, Any] | None = None
    """The area a catalogue file declares, as raw JSON."""
    other_areas: list[dict[str, Any]] = field(default_factory=list)
    """Further areas of a multi-area catalogue export (``"areas"``), as raw JSON."""


def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """Lowercase ASCII words joined by hyphens: "Café 't Hoekje" → "cafe-t-hoekje"."""
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    ascii_text = folded.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.replace("'", "").replace("’", "")).strip("-")
    return slug[:max_length].rstrip("-")


def _length(column: Any) -> int | None:
    return getattr(column.type, "length", None)


BUSINESS_LIMITS = {c.name: _length(c) for c in Business.__table__.columns if _length(c)}
PRODUCT_NAME_LIMIT = _length(Product.__table__.c.name) or 200


def text(value: Any, limit: int | None = None) -> str:
    """A one-line string from a scalar (numbers allowed), whitespace collapsed, cut to ``limit``."""
    if value is None or isinstance(value, (dict, list, bool)):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    cleaned = " ".join(str(value).replace("\x00", "").split())
    return cleaned[:limit] if limit else cleaned


LINK_FIELDS = frozenset({"website"})


def field_text(name: str, value: Any) -> str:
    """A business field from any source; links are kept only as http(s) (:mod:`catalog.links`)."""
    cleaned = text(value, BUSINESS_LIMITS.get(name))
    return safe_link(cleaned) if name in LINK_FIELDS else cleaned


def coordinate(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise Skip("no coordinates")
    if isinstance(value, str) and "," in value and "." not in value:
        value = value.replace(",", ".")  # a decimal comma, as Dutch spreadsheets write it
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise Skip("bad coordinates") from None
    if not math.isfinite(number):
        raise Skip("bad coordinates")
    return number


def position(lat: Any, lon: Any) -> tuple[float, float]:
    if lat is None or lon is None or lat == "" or lon == "":
        raise Skip("no coordinates")
    la, lo = coordinate(lat), coordinate(lon)
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise Skip("bad coordinates")
    return la, lo


TRUE_WORDS = {"true", "yes", "y", "1", "ja", "j", "oui", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "nee", "nein", "non", "off", ""}


def boolean(value: Any, default: bool | None = None) -> bool | None:
    """``True``/``False`` from JSON booleans, numbers or words; ``default`` when it cannot tell."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return default


LANGUAGE = re.compile(r"^[a-z]{2}$")


def languages(value: Any) -> list[str]:
    """Two-letter language codes from a list or a ``;``/``,``-separated string, in order, no repeats."""
    items = split_list(value)
    found: list[str] = []
    for item in items:
        code = item.strip().casefold()[:2]
        if LANGUAGE.match(code) and code not in found:
            found.append(code)
    return found


def split_list(value: Any, separators: str = ";") -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts: list[str] = [value]
        for separator in separators:
            parts = [piece for part in parts for piece in part.split(separator)]
        return [text(part) for part in parts if text(part)]
    if isinstance(value, list):
        return [text(item) for item in value if text(item)]
    return []


def categories(value: Any) -> list[str]:
    """``key=value`` category strings, in order, no repeats; anything else is dropped."""
    found: list[str] = []
    for item in split_list(value):
        key, sep, val = item.partition("=")
        tag = f"{key.strip().lower()}={val.strip()}"
        if sep and key.strip() and val.strip() and tag not in found:
            found.append(tag)
    return found


def osm_source_id(value: Any) -> str | None:
    """``node/123`` from ``node/123``, ``n123`` or ``https://www.openstreetmap.org/node/123``."""
    if value is None or isinstance(value, bool):
        return None
    raw = str(value).strip().lower()
    match = re.search(r"(node|way|relation)/(\d+)$", raw)
    if match:
        return f"{match.group(1)}/{int(match.group(2))}"
    match = re.fullmatch(r"([nwr])(\d+)", raw)
    if match:
        kind = {"n": "node", "w": "way", "r": "relation"}[match.group(1)]
        return f"{kind}/{int(match.group(2))}"
    return None


def derived_id(name: str, lat: float, lon: float) -> str:
    """A stable id for a record that has neither a business id nor an OSM id."""
    return slugify(f"{slugify(name, 60) or 'business'} {lat:.4f} {lon:.4f}", 120)
