"""CSV with a header row named like the catalogue fields; list fields separated by ``;``.

Columns: ``id``, ``source_id``, every listing field of :mod:`catalog.fields` that fits a cell (``name``,
``categories``, ``lat``, ``lon``, ``address``, ..., ``payment`` as ``cash;card``, ``wheelchair``), then
``products``, ``services`` and ``partners``; only ``name``, ``lat`` and ``lon`` are required. Without a ``categories``
column, OSM tag columns (``shop``, ``amenity``, ...) are read instead. The delimiter (``,`` or ``;``)
is sniffed from the header. An ``opening_hours`` column may hold OSM syntax or hours in words in
Dutch, English, German or French ("ma-vr 9-18, za 10-17"), read by :mod:`catalog.typed_hours`;
hours it cannot read are kept as typed (they show as "hours unknown").
"""

from __future__ import annotations

import contextlib
import csv
import io
from typing import Any

from catalog import fields as registry
from catalog.importers.catalogue import country_language, record_from_entry
from catalog.importers.osm import osm_categories
from catalog.importers.records import ImportFileError, ParsedFile, Skip
from catalog.typed_hours import Unreadable, read

COLUMNS = ("id", "source_id", *registry.csv_columns(), "products", "services", "partners")
"""The fields of :mod:`catalog.fields` that fit a cell, between the record's ids and its lists."""
ALIASES = {
    "latitude": "lat",
    "longitude": "lon",
    "lng": "lon",
    "osm_id": "source_id",
    "@id": "source_id",
    "osm": "source_id",
}
MAX_FIELD = 1_000_000


def _delimiter(header: str) -> str:
    try:
        return csv.Sniffer().sniff(header, delimiters=",;").delimiter
    except csv.Error:
        return ","


def parse(content: str, name: str, country: str = "NL") -> ParsedFile:
    header_line = content.lstrip().splitlines()[0]
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(content.lstrip()), delimiter=_delimiter(header_line))
    try:
        header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
        missing = [column for column in ("name", "lat", "lon") if column not in header]
        if missing:
            raise ImportFileError(
                f"{name}: CSV needs a header row with the columns name, lat and lon "
                f"(missing: {', '.join(missing)})"
            )
        parsed = ParsedFile([])
        language = country_language(country)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            try:
                parsed.records.append(record_from_entry(_entry(header, row, language), language))
            except Skip as skip:
                parsed.skipped[str(skip)] += 1
    except csv.Error as exc:
        raise ImportFileError(f"{name}: not readable as CSV (line {reader.line_num}: {exc})") from exc
    return parsed


def _entry(header: list[str], row: list[str], language: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {key: value.strip() for key, value in zip(header, row, strict=False) if key}
    if entry.get("opening_hours"):
        with contextlib.suppress(Unreadable):
            entry["opening_hours"] = read(entry["opening_hours"], language or None).expression
    if "categories" not in entry:
        tags = osm_categories(entry)
        if tags:
            entry["categories"] = ";".join(tags)
    for key in ("independent", "languages"):
        if key in entry and not entry[key]:
            del entry[key]
    return entry
