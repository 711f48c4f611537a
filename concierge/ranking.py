"""Ranking: relevance first, then distance; fair rotation among equals; chains never crowd out independents.

Relevance levels (higher is better; ``int(level)`` is the tier shown in results):

====== =====================================================================
4.05   named shop type: the question names the kind of shop ("kapper")
4.0    exact product: a listed product or service names what was asked
3.2    lexicon: the shop type that usually has it (a bakery for sourdough)
3.0    product family: a listed product of the broader kind (bread for sourdough)
2.2    also: a shop type that often has it too (a supermarket for bread)
2.0    story: the owner's story speaks of the asked-for theme
1.0    name only
====== =====================================================================

Businesses of one level whose distances fall in the same band are equally good answers. Among them an
open shop goes first (a tie-breaker only), then a rotation that is fixed for a question and a day but
different across days, so that over time each of them is shown first.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

EXACT, LEXICON, FAMILY, ALSO, STORY, NAME = 4.0, 3.2, 3.0, 2.2, 2.0, 1.0
SPECIFIC_TAG = 0.1
"""A sub-tag match (``clothes=wedding``, ``service:bicycle:repair=yes``) is more specific than a shop type."""
SECONDARY_TAG = -0.1
"""A concept's later tags fit less well than its first ("bank" after "bureau de change")."""
PHRASE = 0.05
"""A question phrase of several words ("schoenen laten maken") says more than a single word."""
SHOWN_LEVEL = 2.0
"""Below this a match is a hint (a word in a name, a word beside the main product), not an answer."""
BANDS_M = (250, 500, 800, 1200, 1700, 2500, 4000, 7000)


@dataclass(slots=True)
class Match:
    level: float
    reason: str
    """``product``, ``family``, ``lexicon``, ``category``, ``also``, ``story``, ``name`` or ``partner``."""
    detail: str = ""
    """What matched: a concept id, a literal word or a tag."""
    bonus: float = 0.0

    @property
    def score(self) -> float:
        return self.level + self.bonus


def band(distance_m: float) -> int:
    return bisect.bisect_left(BANDS_M, distance_m)


def rotation(question_key: str, day: dt.date, business_id: str) -> bytes:
    """A stable, unpredictable order among equals for one question on one day."""
    return hashlib.blake2b(f"{question_key}|{day.isoformat()}|{business_id}".encode(), digest_size=8).digest()


def order(
    candidates: Sequence[int],
    matches: dict[int, Match],
    distances: dict[int, float],
    ids: Callable[[int], str],
    independent: Callable[[int], bool],
    open_rank: Callable[[int], int],
    question_key: str,
    day: dt.date,
) -> list[int]:
    """Candidates in display order. ``open_rank`` is 0 open, 1 unknown, 2 closed (called lazily)."""

    keys = {
        i: (-round(matches[i].score, 2), band(distances[i]), rotation(question_key, day, ids(i)))
        for i in candidates
    }
    ranked = sorted(candidates, key=keys.__getitem__)
    ranked = _open_first_among_equals(ranked, keys.__getitem__, open_rank)
    shown = [i for i in ranked if matches[i].score >= SHOWN_LEVEL]
    rest = [i for i in ranked if matches[i].score < SHOWN_LEVEL]
    independents = [i for i in shown if independent(i)]
    chains = [i for i in shown if not independent(i)]
    return independents + chains + rest


def _open_first_among_equals(
    ranked: list[int], key: Callable[[int], tuple[float, int, bytes]], open_rank: Callable[[int], int]
) -> list[int]:
    out: list[int] = []
    start = 0
    while start < len(ranked):
        head = key(ranked[start])[:2]
        end = start + 1
        while end < len(ranked) and key(ranked[end])[:2] == head:
            end += 1
        group = ranked[start:end]
        if len(group) > 1 and len(out) < 10:
            group = sorted(group, key=open_rank)
        out.extend(group)
        start = end
    return out
