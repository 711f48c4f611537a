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
open shop goes first (a tie-breaker only), then a schedule: the equals take turns day by day in a
fixed cycle (its order differs per question), so over any 30 days each is first within one day of an
equal share. A chain's branches take one turn together, as one brand.

The chain rule, the same on every surface because every surface asks here: a chain comes only after
every independent that answers the question (``GOOD_LEVEL``; an independent that only "may have" it
comes after the chains that answer), so the short list of three holds a chain only when fewer than
three independents fit, and "More" continues with chains only once they run out; a chain is always
labelled (``Result.chain``, "chain store" in the reader's language).
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
GOOD_LEVEL = FAMILY
"""From here a match answers the question (a product, its family, a shop of the kind that has it);
below it, a shop that "may have" it or whose story speaks of it is shown, but is no answer."""
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


def _cycle_position(question_key: str, brand: str) -> bytes:
    """Where a brand stands in the cycle of its equals for one question: stable across days."""
    return hashlib.blake2b(f"{question_key}|{brand}".encode(), digest_size=8).digest()


def turns(
    members: Sequence[int],
    ids: Callable[[int], str],
    brand: Callable[[int], str],
    question_key: str,
    day: dt.date,
) -> dict[int, tuple[int, int]]:
    """The schedule among equals: for each member, (its brand's turn, its turn among the brand's branches).

    The brands stand in a cycle fixed per question; on each day the cycle moves on by one, so the
    brand with turn 0 goes first. Over any run of days each brand is first on ⌊days/n⌋ or ⌈days/n⌉
    of them. Branches of one brand share their brand's turns and rotate among themselves each round.
    """
    by_brand: dict[str, list[int]] = defaultdict(list)
    for i in members:
        by_brand[brand(i)].append(i)
    cycle = sorted(by_brand, key=lambda name: (_cycle_position(question_key, name), name))
    count, shift = len(cycle), day.toordinal()
    rounds = shift // count
    out: dict[int, tuple[int, int]] = {}
    for slot, name in enumerate(cycle):
        brand_turn = (slot - shift) % count
        branches = by_brand[name]
        if len(branches) == 1:
            out[branches[0]] = (brand_turn, 0)
            continue
        branches.sort(key=lambda i: _cycle_position(question_key, ids(i)))
        for j, i in enumerate(branches):
            out[i] = (brand_turn, (j - rounds) % len(branches))
    return out


def order(
    candidates: Sequence[int],
    matches: dict[int, Match],
    distances: dict[int, float],
    ids: Callable[[int], str],
    brand: Callable[[int], str],
    chains: AbstractSet[int],
    open_rank: Callable[[int], int],
    question_key: str,
    day: dt.date,
    limit: int,
) -> list[int]:
    """The first ``limit`` candidates in display order.

    Independents that answer come first, then chains that answer, then independents and chains that
    "may have" it (hints), then weaker matches. Within each,
    relevance and distance band decide; between equals, open now comes first and then the schedule
    (:func:`turns`). A dense city puts thousands of candidates within reach, so only the ties at the
    cut are given the (costlier) schedule and opening-hours evaluation. ``open_rank`` is 0 open,
    1 unknown, 2 closed; ``chains`` holds the positions of chain stores; ``brand`` names the brand of a
    position (a chain's branches share one, an independent is its own).
    """
    good = [i for i in candidates if matches[i].score >= GOOD_LEVEL]
    hints = [i for i in candidates if SHOWN_LEVEL <= matches[i].score < GOOD_LEVEL]
    groups = (
        [i for i in good if i not in chains],
        [i for i in good if i in chains],
        [i for i in hints if i not in chains],
        [i for i in hints if i in chains],
        [i for i in candidates if matches[i].score < SHOWN_LEVEL],
    )
    out: list[int] = []
    for group in groups:
        if len(out) >= limit:
            break
        out.extend(
            _best(group, limit - len(out), matches, distances, ids, brand, open_rank, question_key, day)
        )
    return out


def _best(
    group: list[int],
    count: int,
    matches: dict[int, Match],
    distances: dict[int, float],
    ids: Callable[[int], str],
    brand: Callable[[int], str],
    open_rank: Callable[[int], int],
    question_key: str,
    day: dt.date,
) -> list[int]:
    """The first ``count`` of ``group`` by relevance, distance band, open now and the schedule.

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

        bands: dict[int, list[int]] = defaultdict(list)
        for i in bucket:
            bands[band(distances[i])].append(i)
        for _, equals in sorted(bands.items()):
            schedule = turns(equals, ids, brand, question_key, day)
            out += sorted(equals, key=lambda i: (open_rank(i), schedule[i]))[: count - len(out)]
            if len(out) >= count:
                break
    return out
