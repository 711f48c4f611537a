"""Tables built from a data file once per content of the file and kept in the user's cache folder.

Every worker and command would otherwise parse the same files at every start (the word lists, the
lemma tables: a few hundred thousand lines). A kept table is plain bytes read back in a millisecond;
its name holds a digest of the file it was built from, so a changed file builds a new one, and a
cache that cannot be read or written is simply skipped. Words are keyed by a stable hash: Python's
own ``hash`` changes with every process.

A kept table is mapped, not read: its parser gets a ``memoryview`` of the mapped file and keeps views
into it. Only the pages a lookup touches (a binary search touches a few dozen) become resident, and
the workers of one machine share them through the page cache, where reading would give each worker
its own copy of every table (about 10 MB for the word lists and lemmas of four languages). A new
version is written beside the file and renamed over it, so a mapping never sees a file change.
"""

from __future__ import annotations

import hashlib
import mmap
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_folder() -> Path:
    """Where built data is kept between runs (the user's cache folder)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "concierge"


def stable_hash(word: str) -> int:
    """A 64-bit hash of ``word`` that is the same in every process."""
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def kept(name: str, source: Path, build: Callable[[], bytes], parse: Callable[[memoryview], T]) -> T:
    """``parse`` of the bytes kept for ``source``, mapped; ``build`` makes them when none are kept yet
    or ``parse`` rejects them (ValueError)."""
    path = cache_folder() / f"{name}-{hashlib.sha256(source.read_bytes()).hexdigest()[:20]}.bin"
    try:
        with path.open("rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return parse(memoryview(mapped))
    except (OSError, ValueError):
        pass
    data = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(path)
    except OSError:
        pass
    return parse(memoryview(data))
