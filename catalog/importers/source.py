"""Reading a file and telling its format, with one-line errors for broken files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from catalog.importers.records import ImportFileError

FORMATS = ("auto", "catalogue", "overpass", "geojson", "csv")


def read_text(path: Path) -> str:
    if not path.exists():
        raise ImportFileError(f"no such file: {path}")
    if not path.is_file():
        raise ImportFileError(f"not a file: {path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path.name} is not UTF-8 text (byte {exc.start})") from exc
    if not content.strip():
        raise ImportFileError(f"{path.name} is empty")
    return content


def parse_json(content: str, name: str) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError as exc:
        raise ImportFileError(f"{name} is not usable JSON: nested too deeply") from exc


def detect(data: Any, name: str) -> str:
    """The format of parsed JSON: ``overpass``, ``geojson`` or ``catalogue``."""
    if isinstance(data, dict):
        if "elements" in data:
            return "overpass"
        if data.get("type") == "FeatureCollection":
            return "geojson"
        if "businesses" in data:
            return "catalogue"
    raise ImportFileError(
        f"cannot tell the format of {name}: expected a JSON object with "
        '"elements" (Overpass), "type": "FeatureCollection" (GeoJSON) or "businesses" (catalogue); '
        "use --format"
    )


def load(path: Path, fmt: str) -> tuple[str, Any]:
    """``(format, content)``: parsed JSON for the JSON formats, the text for CSV."""
    if fmt not in FORMATS:
        raise ImportFileError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    content = read_text(path)
    if fmt == "csv" or (fmt == "auto" and path.suffix.lower() in {".csv", ".tsv"}):
        return "csv", content
    data = parse_json(content, path.name)
    return (detect(data, path.name) if fmt == "auto" else fmt), data
