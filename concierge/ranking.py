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
from collections import defaultdict
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

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


@dataclass(frozen=True, slots=True)
class Match:
    """Why a business answers. Immutable, so one match can be shared by every business it covers."""

    level: float
    reason: str
    """``product``, ``family``, ``lexicon``, ``category``, ``also``, ``story``, ``name`` or ``partner``."""
    detail: str = ""
    """What matched: a concept id, a literal word or a tag."""
    bonus: float = 0.0
    score: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", round(self.level + self.bonus, 4))

    def with_bonus(self, bonus: float) -> Match:
        return Match(self.level, self.reason, self.detail, bonus)


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
    chains: AbstractSet[int],
    open_rank: Callable[[int], int],
    question_key: str,
    day: dt.date,
    limit: int,
) -> list[int]:
    """The first ``limit`` candidates in display order.

    Independents that answer come first, then chains that answer, then weaker hints. Within each,
    relevance and distance band decide; between equals, open now comes first and then the rotation.
    A dense city puts thousands of candidates within reach, so only the ties at the cut are given the
    (costlier) rotation and opening-hours evaluation. ``open_rank`` is 0 open, 1 unknown, 2 closed;
    ``chains`` holds the positions of chain stores.
    """
    shown = [i for i in candidates if matches[i].score >= SHOWN_LEVEL]
    groups = (
        [i for i in shown if i not in chains],
        [i for i in shown if i in chains],
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
    """The first ``count`` of ``group`` by relevance, distance band, open now and rotation.

    Relevance takes few distinct values, so candidates are bucketed by it and only the buckets that
    reach the cut are looked at; within the last one, only those in the cut's distance band or nearer
    are fully ordered.
    """
    buckets: dict[float, list[int]] = defaultdict(list)
    for i in group:
        buckets[matches[i].score].append(i)
    out: list[int] = []
    for score in sorted(buckets, reverse=True):
        need = count - len(out)
        if need <= 0:
            break
        bucket = buckets[score]
        furthest = distances[heapq.nsmallest(need, bucket, key=distances.__getitem__)[-1]]
        cut = band(furthest)
        if cut < len(BANDS_M):
            reach = BANDS_M[cut]
            bucket = [i for i in bucket if distances[i] <= reach]

        def full(i: int) -> tuple[int, int, bytes]:
            return band(distances[i]), open_rank(i), rotation(question_key, day, ids(i))

        out += sorted(bucket, key=full)[:need]
    return out
