"""What a worker loads at start: only what its work needs (issue 17)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from alembic.script import ScriptDirectory

from catalog.db import (
    alembic_config,
    at_head,
    create_engine,
    head_revisions,
    session_factory,
    upgrade,
    upgrade_sync,
)
from catalog.demo import load_demo
from tests.support import paths

REPO = paths.ROOT

WORKER = """
import asyncio, sys
import handlers.cli.serve, handlers.web
from concierge.app import open_app
from concierge.settings import Settings

async def main():
    app = await open_app(Settings(database_url=sys.argv[1], bot_token="", redis_url=None))
    app.search.ask("waar kan ik brood kopen?")
    app.search.ask("bike repair")
    await app.close()

asyncio.run(main())
heavy = {"alembic", "redis", "geopy", "PIL", "tqdm", "holidays", "phonenumbers", "asyncpg"}
loaded = {m.split(".")[0] for m in sys.modules} | set(sys.modules)
print(",".join(sorted(loaded & (heavy | {"sqlalchemy.dialects.postgresql"}))))
"""


async def _load_demo(url: str) -> None:
    engine = create_engine(url)
    try:
        await load_demo(session_factory(engine))
    finally:
        await engine.dispose()


def test_head_is_the_one_alembic_reads(sqlite_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(sqlite_url))
    assert head_revisions() == frozenset(script.get_heads())


async def test_a_database_behind_is_migrated(sqlite_url: str) -> None:
    assert not await at_head(sqlite_url)  # no database yet
    await upgrade(sqlite_url, "0002")
    assert not await at_head(sqlite_url)
    await upgrade(sqlite_url)
    assert await at_head(sqlite_url)


def test_a_worker_imports_only_what_answering_needs(sqlite_url: str) -> None:
    upgrade_sync(sqlite_url)
    asyncio.run(_load_demo(sqlite_url))  # an empty database would be filled through the importer
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCIERGE_")}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, sqlite_url],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == ""
