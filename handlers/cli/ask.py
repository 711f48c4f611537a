"""`concierge ask "QUERY" [--near LAT,LON] [--lang xx] [--limit N] [--at ISO8601] [--json]` and
`concierge ask --batch FILE`.

One question, or a file of JSON lines, through the same search the bot uses. A batch runs in one
process: the catalogue and lexicon are loaded once, and each line gets one JSON answer, in order.
A line that cannot be read gets ``{"error": ...}`` in its place and the command exits with 2 at the end.
``--at`` (a line's ``at``) answers as at that moment: open now and the next opening are evaluated then,
so an answer can be reproduced; a moment without an offset is the area's local time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from concierge.answers import Answer, chain_label
from concierge.app import open_app
from concierge.errors import UserError
from concierge.i18n import LANGUAGES, format_distance, translator
from concierge.search import MAX_RESULTS, SearchService
from concierge.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="?", help="the question, in nl, en, de or fr")
    parser.add_argument("--near", metavar="LAT,LON", help="where the asker is (default: the area's centre)")
    parser.add_argument("--lang", choices=LANGUAGES, help="language hint; the text itself decides")
    parser.add_argument(
        "--limit", type=int, default=3, help=f"how many results, 1 to {MAX_RESULTS} (default 3)"
    )
    parser.add_argument(
        "--at", metavar="ISO8601", help="answer as at this moment, e.g. 2026-12-16T18:30+01:00 (default: now)"
    )
    parser.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    parser.add_argument(
        "--batch", metavar="FILE", help="JSON lines {q, near, lang, at}; '-' reads standard input"
    )


def parse_near(text: str) -> tuple[float, float]:
    parts = text.replace(" ", "").split(",")
    try:
        lat, lon = (float(part) for part in parts)
    except ValueError:
        raise UserError(f"--near takes LAT,LON in degrees, e.g. 52.09,5.11 (got {text!r})") from None
    return check_position(lat, lon)


def check_position(lat: float, lon: float) -> tuple[float, float]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
        raise UserError(f"coordinates out of range: {lat},{lon} (latitude -90..90, longitude -180..180)")
    return lat, lon


EARLIEST_YEAR, LATEST_YEAR = 1970, 2200
"""Moments outside these years are typing slips, and the hours library cannot evaluate them."""


def parse_at(text: str, timezone: str) -> dt.datetime:
    """An ISO 8601 date-time ("2026-12-16T18:30+01:00", "2026-12-16 18:30", "2026-12-16T17:30Z");
    without an offset it is local time in ``timezone``."""
    example = "e.g. 2026-12-16T18:30+01:00"
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"not an ISO 8601 date-time, {example} (got {text!r})") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise UserError(f"the year must be between {EARLIEST_YEAR} and {LATEST_YEAR} (got {text!r})")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(timezone))


def area_timezone(search: SearchService) -> str:
    return search.area.timezone if search.area else "Europe/Amsterdam"


def run(args: argparse.Namespace) -> int:
    if args.batch is None and not args.query:
        raise UserError('give a question, e.g. concierge ask "waar kan ik havermelk kopen?", or --batch FILE')
    if args.batch is not None and args.query:
        raise UserError("give either a question or --batch FILE, not both")
    if not 1 <= args.limit <= MAX_RESULTS:
        raise UserError(f"--limit must be between 1 and {MAX_RESULTS}")
    near = parse_near(args.near) if args.near else None
    settings = Settings(database_url=args.db) if args.db else Settings()
    return asyncio.run(_run(args, settings, near))


async def _run(args: argparse.Namespace, settings: Settings, near: tuple[float, float] | None) -> int:
    app = await open_app(settings)
    try:
        if args.batch is not None:
            return batch(app.search, args.batch, args.limit, sys.stdout)
        try:
            at = parse_at(args.at, area_timezone(app.search)) if args.at is not None else None
        except UserError as exc:
            raise UserError(f"--at: {exc}") from None
        answer = app.search.ask(args.query, near=near, lang_hint=args.lang, limit=args.limit, now=at)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            print(render_text(answer))
        return 0
    finally:
        await app.close()


def _lines(source: str) -> Iterator[str]:
    if source == "-":
        yield from sys.stdin
        return
    path = Path(source)
    if not path.is_file():
        raise UserError(f"no such file: {source}")
    try:
        with path.open(encoding="utf-8") as handle:
            yield from handle
    except UnicodeDecodeError:
        raise UserError(f"{source} is not UTF-8 text") from None


def read_request(line: str, timezone: str = "Europe/Amsterdam") -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"not JSON: {exc.msg}") from None
    if not isinstance(item, dict) or not isinstance(item.get("q"), str):
        raise UserError('each line needs an object with a "q" string')
    near = item.get("near")
    if near is not None:
        if not (isinstance(near, list) and len(near) == 2 and all(isinstance(v, int | float) for v in near)):
            raise UserError('"near" must be [lat, lon]')
        item["near"] = check_position(float(near[0]), float(near[1]))
    lang = item.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise UserError(f'"lang" must be one of {", ".join(LANGUAGES)}')
    at = item.get("at")
    if at is not None:
        if not isinstance(at, str):
            raise UserError('"at" must be an ISO 8601 date-time string, e.g. "2026-12-16T18:30+01:00"')
        try:
            item["at"] = parse_at(at, timezone)
        except UserError as exc:
            raise UserError(f'"at": {exc}') from None
    return item


def batch(search: SearchService, source: str, limit: int, out: TextIO) -> int:
    failures = 0
    for number, line in enumerate(_lines(source), start=1):
        if not line.strip():
            continue
        try:
            item = read_request(line, area_timezone(search))
        except UserError as exc:
            failures += 1
            print(f"concierge ask: line {number}: {exc}", file=sys.stderr)
            out.write(json.dumps({"error": str(exc), "line": number}) + "\n")
            continue
        answer = search.ask(
            item["q"], near=item.get("near"), lang_hint=item.get("lang"), limit=limit, now=item.get("at")
        )
        out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    out.flush()
    return 2 if failures else 0


def render_text(answer: Answer) -> str:
    t = translator(answer.language)
    lines = []
    if answer.near_is_default and answer.results:
        lines.append(t("Searching around the centre of the neighbourhood."))
    if answer.message:
        lines.append(answer.message)
    for number, result in enumerate(answer.results, start=1):
        head = f"{number}. {result.name}{chain_label(result, t)} · {format_distance(result.distance_m, answer.language)}"
        lines.append(f"{head} · {result.opening}" if result.opening else head)
        lines.append(f"   {result.why}")
        if result.story:
            lines.append(f"   “{result.story[:160]}”")
    return "\n".join(lines)
