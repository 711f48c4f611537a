"""The word tables kept in the cache folder between runs (concierge/words.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge import words


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    words._table.cache_clear()
    yield tmp_path / "concierge"
    words._table.cache_clear()


def _frequencies() -> tuple[float, float, float]:
    return words.zipf("brood", "nl"), words.zipf("geoffnet", "de"), words.zipf("xqzvwk", "nl")


def test_a_kept_table_reads_back_the_same_words(cache_home: Path) -> None:
    built = _frequencies()
    assert built[0] >= 4.0 and built[1] >= 3.0 and built[2] == 0.0
    kept = list(cache_home.glob("words-nl-*.bin"))
    assert len(kept) == 1
    words._table.cache_clear()
    assert _frequencies() == built


def test_a_damaged_kept_table_is_built_again(cache_home: Path) -> None:
    built = _frequencies()
    (kept,) = cache_home.glob("words-nl-*.bin")
    kept.write_bytes(kept.read_bytes()[:-3])
    words._table.cache_clear()
    assert _frequencies() == built
    assert len(kept.read_bytes()) % 9 == 0
