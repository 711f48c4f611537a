"""The bundled demo neighbourhood: a fictional, clearly labelled area every new user sees first."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.importers import ImportSummary, import_file

DEMO_FILE = Path(__file__).with_name("data") / "demo_neighbourhood.json"


async def load_demo(sessions: async_sessionmaker[AsyncSession]) -> ImportSummary:
    """Import (or refresh) the demo neighbourhood; safe to call on every start."""
    return await import_file(sessions, DEMO_FILE, fmt="catalogue", progress=False)
