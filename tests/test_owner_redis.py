"""With Redis configured, a half-finished owner flow lives in Redis: it resumes after a restart and
/forgetme removes it."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from concierge.app import open_app
from concierge.conversation import Conversation
from concierge.flow_store import RedisFlowStore, flow_store
from tests.test_owner_flow import STEPS_EN, run_steps
from tests.test_owner_support import Chat, owner_settings

pytest_plugins = ["tests.test_owner_support"]

OWNER = 1101


async def test_a_flow_in_redis_survives_a_restart_and_forgetme_clears_it(
    owner_demo_database: Path, tmp_path: Path, redis_url: str
) -> None:
    database = tmp_path / "concierge.db"
    shutil.copy(owner_demo_database, database)
    settings = owner_settings(f"sqlite+aiosqlite:///{database}").model_copy(
        update={"redis_url": redis_url, "redis_prefix": f"test-{uuid.uuid4().hex[:8]}:"}
    )
    first = await open_app(settings, migrate=False)
    try:
        assert isinstance(flow_store(first), RedisFlowStore)
        owner = Chat(Conversation(first), OWNER, "en")
        await owner.cmd("mybusiness")
        await owner.press("Create a new listing")
        await run_steps(owner, STEPS_EN[:4])
        assert first.redis is not None
        keys = [key async for key in first.redis.scan_iter(match=f"{settings.redis_prefix}u:{OWNER}:flow:*")]
        assert len(keys) == 1
    finally:
        await first.close()
    second = await open_app(settings, migrate=False)
    try:
        again = Chat(Conversation(second), OWNER, "en")
        await again.cmd("mybusiness")
        assert "Welcome back" in again.said() and "Kastanjeplein 7" in again.said()
        await again.cmd("forgetme")
        assert await flow_store(second).load(OWNER) is None
    finally:
        await second.close()
