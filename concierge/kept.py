"""Tables built from a data file once per content of the file and kept in the user's cache folder.

Every worker and command would otherwise parse the same files at every start (the word lists, the
lemma tables: a few hundred thousand lines). A kept table is plain bytes read back in a millisecond;
its name holds a digest of the file it was built from, so a changed file builds a new one, and a
cache that cannot be read or written is simply skipped. Words are keyed by a stable hash: Python's
own ``hash`` changes with every process.
"""

from __future__ import annotations

import hashlib
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


def kept(name: str, source: Path, build: Callable[[], bytes], parse: Callable[[bytes], T]) -> T:
    """``parse`` of the bytes kept for ``source``; ``build`` makes them when none are kept yet or
    ``parse`` rejects them (ValueError)."""
    path = cache_folder() / f"{name}-{hashlib.sha256(source.read_bytes()).hexdigest()[:20]}.bin"
    try:
        return parse(path.read_bytes())
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
    return parse(data)
