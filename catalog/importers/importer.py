"""``import_file``: read, parse, place in an area and store a file, all or nothing."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.importers import catalogue, csv_file, geojson, overpass
from catalog.importers.area import build_area
from catalog.importers.osm import majority_country, mark_independence
from catalog.importers.records import ParsedFile, Record, slugify, text
from catalog.importers.source import FORMATS, load
from catalog.importers.store import store

__all__ = ["FORMATS", "ImportSummary", "import_file"]


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    """Why records were skipped, with counts."""
    area_id: str | None = None
    format: str = ""

    def __str__(self) -> str:
        line = (
            f"imported {self.imported:,}, updated {self.updated:,}, "
            f"unchanged {self.unchanged:,}, skipped {self.skipped:,}"
        )
        if self.reasons:
            line += " (" + ", ".join(f"{why}: {n:,}" for why, n in self.reasons.most_common()) + ")"
        return line


def _parse(kind: str, content: object, name: str) -> ParsedFile:
    if kind == "csv":
        return csv_file.parse(str(content), name)
    if kind == "overpass":
        return overpass.parse(content, name)
    if kind == "geojson":
        return geojson.parse(content, name)
    return catalogue.parse(content, name)


def _majority_city(records: list[Record]) -> str:
    cities = Counter(
        text((r.fields.get("tags") or {}).get("addr:city")) for r in records if r.fields.get("tags")
    )
    cities.pop("", None)
    return cities.most_common(1)[0][0] if cities else ""


async def import_file(
    sessions: async_sessionmaker[AsyncSession],
    path: str | Path,
    fmt: str = "auto",
    area_name: str | None = None,
    progress: bool = True,
) -> ImportSummary:
    """Import one file in one transaction; a broken file raises ``ImportFileError`` and writes nothing.

    Records that cannot be businesses (no name, no shop tag, bad coordinates, duplicates) are skipped
    and counted in the summary. ``progress`` shows a bar on stderr when it is a terminal.
    """
    path = Path(path)
    kind, content = load(path, fmt)
    parsed = _parse(kind, content, path.name)
    declared = parsed.area
    country = text((declared or {}).get("country")).upper()[:2] or majority_country(parsed.records)
    mark_independence(parsed.records, country)
    name = area_name
    if declared is None:
        declared = {"city": _majority_city(parsed.records)}
    if not name and not (text(declared.get("name")) or text(declared.get("id"))):
        name = text(declared.get("city")) or path.stem
    area = build_area(parsed.records, declared, name, country)
    area_id = area["id"] if area else None
    areas = [area] if area else []
    for extra in parsed.other_areas:
        members = [r for r in parsed.records if r.fields.get("area_id") == slugify(text(extra.get("id")))]
        values = build_area(members, extra, None, country)
        if values and values["id"] != area_id:
            areas.append(values)
    show = progress and _is_terminal()
    async with sessions.begin() as session:
        counts = await store(session, parsed.records, area_id, areas, show)
    reasons = parsed.skipped + counts.skipped
    return ImportSummary(
        counts.imported, counts.updated, counts.unchanged, sum(reasons.values()), reasons, area_id, kind
    )


def _is_terminal() -> bool:
    return sys.stderr.isatty()
