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
import heapq
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
    limit: int,
) -> list[int]:
    """The first ``limit`` candidates in display order.

    Independents that answer come first, then chains that answer, then weaker hints. Within each,
    relevance and distance band decide; between equals, open now comes first and then the rotation.
    A dense city puts thousands of candidates within reach, so only the ties at the cut are given the
    (costlier) rotation and opening-hours evaluation. ``open_rank`` is 0 open, 1 unknown, 2 closed.
    """
    shown = [i for i in candidates if matches[i].score >= SHOWN_LEVEL]
    groups = (
        [i for i in shown if independent(i)],
        [i for i in shown if not independent(i)],
        [i for i in candidates if matches[i].score < SHOWN_LEVEL],
    )
    out: list[int] = []
    for group in groups:
        if len(out) >= limit:
            break
        out.extend(_best(group, limit - len(out), matches, distances, ids, open_rank, question_key, day))
    return out


def _best(
    group: list[int],
    count: int,
    matches: dict[int, Match],
    distances: dict[int, float],
    ids: Callable[[int], str],
    open_rank: Callable[[int], int],
    question_key: str,
    day: dt.date,
) -> list[int]:
    if not group:
        return []
    coarse = {i: (-round(matches[i].score, 2), band(distances[i])) for i in group}
    cut = coarse[heapq.nsmallest(count, group, key=coarse.__getitem__)[-1]]
    finalists = [i for i in group if coarse[i] <= cut]

    def full(i: int) -> tuple[float, int, int, bytes]:
        return (*coarse[i], open_rank(i), rotation(question_key, day, ids(i)))

    return sorted(finalists, key=full)[:count]
