"""The inbox and outbox tables on SQLite and PostgreSQL, with a frozen clock: record once, lease the
oldest update of each chat, take over after the lease, finish only with the lease, calls in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.db import create_engine
from concierge import inbox, outbox
from concierge.inbox import LEASE, Arrival, Finished
from concierge.outbox import Outgoing

T0 = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


def arrival(update_id: int, chat: int) -> Arrival:
    return Arrival(update_id, chat, {"update_id": update_id, "message": {"chat": {"id": chat}, "text": "x"}})


async def test_an_update_is_recorded_once(engine: AsyncEngine) -> None:
    assert await inbox.record(engine, [arrival(1, 10), arrival(2, 10)], T0) == {1, 2}
    assert await inbox.record(engine, [arrival(2, 10), arrival(3, 11)], T0) == {3}
    assert await inbox.pending_count(engine) == 3


async def test_one_update_per_chat_is_leased_in_order(engine: AsyncEngine) -> None:
    await inbox.record(engine, [arrival(1, 10), arrival(2, 10), arrival(3, 11)], T0)
    first = await inbox.claim(engine, "a", T0)
    assert [a.update_id for a in first] == [1, 3], "the oldest of each chat"
    assert await inbox.claim(engine, "b", T0) == [], "leased, and chat 10's next waits for its first"
    done = await inbox.finish(engine, "a", [Finished(1, [Outgoing(10, "sendMessage", {"chat_id": 10})])], T0)
    assert done[1] is not None and len(done[1]) == 1
    assert [a.update_id for a in await inbox.claim(engine, "b", T0)] == [2]


async def test_a_lapsed_lease_is_taken_over_and_the_old_holder_cannot_finish(engine: AsyncEngine) -> None:
    await inbox.record(engine, [arrival(1, 10)], T0)
    assert [a.update_id for a in await inbox.claim(engine, "dead", T0)] == [1]
    assert await inbox.claim(engine, "alive", T0 + LEASE - dt.timedelta(seconds=1)) == []
    later = T0 + LEASE + dt.timedelta(seconds=1)
    assert [a.update_id for a in await inbox.claim(engine, "alive", later)] == [1]
    assert await inbox.finish(engine, "dead", [Finished(1, [])], later) == {1: None}
    assert await inbox.finish(engine, "alive", [Finished(1, [])], later) == {1: []}
    assert await inbox.record(engine, [arrival(1, 10)], later) == set(), "a late redelivery is known"
    assert await inbox.claim(engine, "alive", later + 2 * LEASE) == [], "done is done"


async def test_a_renewed_lease_holds(engine: AsyncEngine) -> None:
    await inbox.record(engine, [arrival(1, 10)], T0)
    await inbox.claim(engine, "a", T0)
    await inbox.renew(engine, "a", [1], T0 + LEASE * 0.9)
    assert await inbox.claim(engine, "b", T0 + LEASE * 1.5) == []


async def test_calls_of_a_dead_worker_are_taken_over_in_order_and_handed_back_ones_at_once(
    engine: AsyncEngine,
) -> None:
    await inbox.record(engine, [arrival(1, 10), arrival(2, 11)], T0)
    await inbox.claim(engine, "dead", T0)
    calls = [Outgoing(10, "sendMessage", {"chat_id": 10, "text": str(n)}) for n in range(3)]
    await inbox.finish(
        engine, "dead", [Finished(1, calls), Finished(2, [Outgoing(11, "sendMessage", {})])], T0
    )
    assert await outbox.take_over(engine, "alive", T0 + LEASE / 2) == []
    taken = await outbox.take_over(engine, "alive", T0 + LEASE * 2)
    assert [p.call.params.get("text") for p in taken if p.call.chat_key == 10] == ["0", "1", "2"]
    await outbox.remove(engine, [p.id for p in taken[:2]])
    await outbox.hand_back(engine, "alive")
    again = await outbox.take_over(engine, "third", T0 + LEASE * 2)
    assert [p.id for p in again] == [p.id for p in taken[2:]]
    assert await outbox.count(engine) == 2


async def test_recording_claims_what_is_next_in_its_chat_in_the_same_transaction(engine: AsyncEngine) -> None:
    new, claimed = await inbox.record_and_claim(
        engine, [arrival(1, 10), arrival(2, 10), arrival(3, 11)], "a", T0, 10
    )
    assert new == {1, 2, 3} and [a.update_id for a in claimed] == [1, 3]
    new, claimed = await inbox.record_and_claim(engine, [arrival(4, 10), arrival(3, 11)], "a", T0, 10)
    assert new == {4} and claimed == [], "chat 10 still has older updates to answer"
    assert await inbox.record_and_claim(engine, [arrival(5, 12)], "a", T0, 0) == ({5}, []), "no room"
