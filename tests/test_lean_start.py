"""What a worker loads at start: only what its work needs (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from catalog.db import alembic_config, at_head, head_revisions, upgrade, upgrade_sync

REPO = Path(__file__).resolve().parent.parent

WORKER = """
import asyncio, sys
import handlers.web
from concierge.app import open_app
from concierge.settings import Settings

async def main():
    app = await open_app(Settings(database_url=sys.argv[1], bot_token="", redis_url=None))
    app.search.ask("waar kan ik brood kopen?")
    app.search.ask("bike repair")
    await app.close()

asyncio.run(main())
print(",".join(sorted({m.split(".")[0] for m in sys.modules} & {"alembic", "redis", "geopy"})))
"""


def test_head_is_the_one_alembic_reads(sqlite_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(sqlite_url))
    assert head_revisions() == frozenset(script.get_heads())


async def test_a_database_behind_is_migrated(sqlite_url: str) -> None:
    assert not await at_head(sqlite_url)  # no database yet
    await upgrade(sqlite_url, "0002")
    assert not await at_head(sqlite_url)
    await upgrade(sqlite_url)
    assert await at_head(sqlite_url)


def test_a_worker_without_redis_imports_no_alembic_redis_or_geopy(sqlite_url: str) -> None:
    upgrade_sync(sqlite_url)
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
