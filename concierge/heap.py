"""The worker's memory over its life: what the garbage collector need not walk, and what the C heap
can give back.

A worker loads its index, lexicons and libraries once and keeps them until it stops; these functions
are called once it is up (``concierge serve`` and ``run``), and after each index rebuild.
"""

from __future__ import annotations

import ctypes
import gc
import os

M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter for the number of C heaps (``malloc.h``)."""


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim  # noqa: B018  (glibc only)
    except (OSError, AttributeError):
        return None
    return libc


def share_one_arena() -> None:
    """One C heap for all the worker's threads, called before any thread starts.

    glibc gives each thread that allocates a heap ("arena") of its own, up to eight per core, and each
    keeps its own free pages. A worker's threads (one per SQLite connection, the resolver's) allocate
    little and rarely at once, so separate arenas buy no speed here, only about 4 MB of idle resident
    memory (``benchmarks/bench_footprint.py``). ``MALLOC_ARENA_MAX``, when an operator sets it, wins.
    A no-op where the C library is not glibc."""
    libc = _glibc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ:
        return
    libc.mallopt(M_ARENA_MAX, 1)


def freeze_heap() -> None:
    """For a long-running server, once it is up: what is loaded by then (catalogue index, taxonomy,
    lexicons, libraries) lives as long as the process, so the garbage collector stops walking it.
    Otherwise every full collection walks all of it, stalling the event loop for 0.1 to 0.45 s every
    few seconds under load (benchmarks/bench_runtimes.py, bench_api.py). An index replaced after an
    edit is still freed by reference counting (nothing in it forms a cycle); only reference cycles
    among the frozen objects stay, some thousands of objects."""
    gc.collect()
    gc.freeze()
    give_back_free_memory()


def refreeze_heap() -> None:
    """After an index rebuild in a frozen process: the new index joins the frozen heap. Only the young
    generations are collected first (a full collection is the stall freezing avoids), so a few cyclic
    leftovers of older generations may stay frozen, once per edit."""
    gc.collect(1)
    gc.freeze()
    give_back_free_memory()


def give_back_free_memory() -> None:
    """Hands the C heap's free pages back to the system (glibc's ``malloc_trim``).

    Start-up and index builds allocate far more than they keep (database rows, ORM objects, the
    lexicon's pickle, temporary sets); once freed, that memory stays in the process's resident size
    unless the allocator is asked to return it: about 6 to 8 MB after a start. A no-op where the C
    library is not glibc."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
