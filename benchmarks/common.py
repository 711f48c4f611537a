"""Helpers shared by the benchmark scripts: load a catalogue file into a fresh SQLite database."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from catalog.db import create_engine, session_factory, upgrade
from catalog.importers import import_file
from concierge.search import SearchService, open_search

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


async def load_service(path: Path, area: str | None = None, directory: str | None = None) -> SearchService:
    """Import ``path`` through the real importer into a throw-away SQLite file and build the search."""
    folder = directory or tempfile.mkdtemp(prefix="concierge-bench-")
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    await upgrade(url)
    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        await import_file(sessions, path, area_name=area, progress=False)
        return await open_search(sessions)
    finally:
        await engine.dispose()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)
