"""A shopping round: a list of things to buy, answered with the fewest nearby shops that together
sell all of them, in a walking order.

How it is planned (the README says why):

1. **Reading the list** (:func:`read_list`): one item per line, or items separated by commas and
   semicolons, and the list words "en", "and", "und", "et" between them. A phrase the lexicon knows
   as one thing ("fish and chips") is never cut at its "and". A text is a round when it names at
   least two things to buy (products, services or kinds of shop); anything else is a question.
2. **Candidates**: each item is asked through the same search the bot uses (``SearchService.ask``),
   as at the time asked. An item's candidates are the shops of its short list that are open then
   (or whose hours are unknown): independents, or chains only when no open independent sells it.
3. **Exact set cover** (:func:`cover`): the fewest shops that cover every item, and among those the
   cheapest, where a shop costs its distance from the resident plus a penalty per item it only
   "may have". Branch and bound over the item with the fewest candidates, with dominance pruning (a
   shop that adds a subset of another's items at no lower cost is never tried); exact for up to
   ``EXACT_ITEMS`` items, greedy beyond.
4. **Walking order** (:func:`walking_order`): the shortest round trip from the resident through the
   chosen shops and back, exact by Held-Karp dynamic programming (at most 8 stops: 8·2⁸ states).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from concierge.answers import Result
from concierge.i18n import format_distance, normalise_language, translator
from concierge.search import SearchService
from concierge.text import clean, fold
from concierge.understanding import Understanding, understand

EXACT_ITEMS = 8
"""Items up to which the cover is exact; a longer list is covered greedily."""
MAX_ITEMS = 12
"""Items read from one list; the rest is left out and the answer says so."""
MAX_SHORT_LIST = 5
"""Candidates per item: the search's own short list."""
DETOUR = 1.3
"""Walking distance over straight-line distance in a town's street grid (a common circuity figure)."""
WALK_M_PER_MIN = 80.0
"""4.8 km/h, an unhurried walk with bags."""
MAY_HAVE_PENALTY_M = 250.0
"""A shop that only "may have" an item (its kind usually sells it, its own list does not say) counts
as this much farther away for that item: a shop that lists the item is worth a short extra walk."""
EXACT_TIER = 4
DAYTIME = dt.time(11, 0)
"""A list for a named day is planned for late morning, when nearly every shop is open."""
EVENING = dt.time(19, 30)

LIST_CHARS = 2000
"""A longer text is read only up to here: a list, not a paste."""
LIST_WORDS = frozenset({"en", "and", "und", "et", "&", "+", "plus"})
"""Words that join items of a list in the four languages."""
_SEPARATORS = re.compile(r"[,;\n]+")
_HEADING = re.compile(r"^\s*[^:,;\n]{1,40}:(?:\s+|$)")
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d+[.)]|\[[ xX]?\])\s*")
_CONCEPT_KINDS = frozenset({"product", "shop"})


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    """As the person wrote it (cleaned), which is what is searched."""
    label: str
    """What is shown: the item without list phrasing ("Brot" of "ich brauche Brot")."""
    concepts: tuple[str, ...]
    """Lexicon concepts it names (for counting unmet demand); empty when unknown."""


@dataclass(frozen=True, slots=True)
class RoundRequest:
    language: str
    items: tuple[Item, ...]
    dropped: int = 0
    """Items beyond ``MAX_ITEMS``, left out."""
    filters: tuple[str, ...] = ()
    """The question's time filters for the whole list ("zaterdag", "ce soir"): see :func:`moment`."""

    @property
    def text(self) -> str:
        """The list in one canonical line; reading it again gives the same items."""
        return ", ".join(item.text for item in self.items)


@dataclass(frozen=True, slots=True)
class Stop:
    result: Result
    items: tuple[int, ...]
    """Indexes into the round's items."""
    pickup: bool
    delivery: str
    """``bike``, ``post`` or ``none``."""
    leg_m: int
    """Walking metres from the previous stop (or from the resident)."""
    leg_url: str


@dataclass(frozen=True, slots=True)
class Unavailable:
    item: int
    reason: str
    """``missing`` (nobody nearby sells it), ``closed`` (sold nearby, nobody open then) or ``unknown``."""
    nearest_m: int | None = None
    opens_at: str | None = None
    """For ``closed``: when the best shop for it opens (the search's local ``HH:MM`` or ``Mon HH:MM``)."""
    shop: str | None = None
    """For ``closed``: that shop's name."""
    swapped: bool = False
    """For ``missing``: shops nearby sell it, but the person swapped every one of them away."""


@dataclass(frozen=True, slots=True)
class Round:
    request: RoundRequest
    start: tuple[float, float]
    at: dt.datetime
    stops: tuple[Stop, ...]
    unavailable: tuple[Unavailable, ...]
    walk_m: int
    """There and back, street detours included (estimated)."""
    walk_min: int
    route_url: str | None
    excluded: tuple[str, ...] = ()
    language: str = "nl"
    """The language of ``message`` (the person's own; else the list's)."""
    later: bool = False
    """Planned for a later moment the list named ("zaterdag"), not for now."""
    timezone: str = "UTC"
    message: str = field(default="")

    def to_json(self) -> dict[str, Any]:
        items = self.request.items
        where = {i: stop.result.id for stop in self.stops for i in stop.items}
        gaps = {gap.item: gap for gap in self.unavailable}
        return {
            "language": self.language,
            "at": self.at.isoformat(),
            "near": list(self.start),
            "items": [
                {
                    "item": item.label,
                    "status": "found" if i in where else gaps[i].reason,
                    "business": where.get(i),
                    "nearest_m": gaps[i].nearest_m if i in gaps else None,
                    "opens_at": gaps[i].opens_at if i in gaps else None,
                }
                for i, item in enumerate(items)
            ],
            "stops": [
                {
                    "order": n,
                    "id": stop.result.id,
                    "name": stop.result.name,
                    "lat": stop.result.lat,
                    "lon": stop.result.lon,
                    "address": stop.result.address,
                    "items": [items[i].label for i in stop.items],
                    "independent": stop.result.independent,
                    "chain": not stop.result.independent,
                    "open_now": stop.result.open_now,
                    "pickup": stop.pickup,
                    "delivery": stop.delivery,
                    "story": stop.result.story,
                    "walk_from_previous_m": stop.leg_m,
                    "directions_url": stop.leg_url,
                }
                for n, stop in enumerate(self.stops, start=1)
            ],
            "unavailable": [items[gap.item].label for gap in self.unavailable if gap.reason != "closed"],
            "closed": [items[gap.item].label for gap in self.unavailable if gap.reason == "closed"],
            "walk_m": self.walk_m,
            "walk_min": self.walk_min,
            "route_url": self.route_url,
            "message": self.message,
        }


# -- reading a list --------------------------------------------------------------------------------


def _pieces(text: str) -> tuple[list[str], bool]:
    """The parts between separators, and whether the text had any separator besides list words.

    A heading before a colon ("Einkaufsliste: Brot, Milch", "boodschappen:" on its own line) is not
    an item; a colon inside a time ("10:00") is not a heading's."""
    text = "\n".join(_HEADING.sub("", line) for line in text.split("\n"))
    lines = [_BULLET.sub("", line).strip() for line in _SEPARATORS.split(text)]
    pieces = [line for line in lines if line]
    return pieces, len(pieces) > 1


def _split_list_words(piece: str) -> list[str]:
    words = piece.split()
    parts: list[list[str]] = [[]]
    for word in words:
        if fold(word) in LIST_WORDS and parts[-1]:
            parts.append([])
        else:
            parts[-1].append(word)
    return [" ".join(part) for part in parts if part]


def _names_things(understanding: Understanding, search: SearchService) -> bool:
    """Whether the text names something to buy: a product, a service or a kind of shop."""
    concepts = search.lexicon.concepts
    return any(
        concepts[hit.concept].kind in _CONCEPT_KINDS
        for unit in understanding.units
        if not unit.context
        for hit in unit.hits
    )


def _label(piece: str, understanding: Understanding) -> str:
    """The piece from its first word the understanding kept ("ich brauche Brot" → "Brot")."""
    kept = {w for unit in understanding.units for w in unit.text.split()} | set(understanding.rest)
    words = piece.split()
    marks = [i for i, word in enumerate(words) if fold(word.strip(".,!?¿¡:;\"'“”„«»()")) in kept]
    if not marks:
        return piece.strip(" .!?:")
    return " ".join(words[marks[0] : marks[-1] + 1]).strip(" .!?:")


def read_list(
    text: str, search: SearchService, lang_hint: str | None = None, *, strict: bool = True
) -> RoundRequest | None:
    """The items of a shopping list, or None when ``text`` is one question rather than a list.

    ``strict=False`` (the API and MCP, where the caller says it is a list) takes any items, even one.
    """
    raw = "\n".join(clean(line, 1000) for line in text[:LIST_CHARS].replace("\r", "\n").split("\n"))
    pieces, separated = _pieces(raw)
    if strict and not separated and not LIST_WORDS.intersection(fold(word) for word in raw.split()):
        return None  # one line without a list word: a question, read no further
    whole = understand(raw.replace("\n", ", "), search.reader, lang_hint=lang_hint)
    lang = whole.language
    items: list[Item] = []
    for piece in pieces:
        parts = _split_list_words(piece)
        if len(parts) > 1:
            one = understand(piece, search.reader, lang_hint=lang)
            if any(set(unit.text.split()) & LIST_WORDS for unit in one.units):
                parts = [piece]  # "fish and chips": one thing with "and" in its name
        for part in parts:
            read = understand(part, search.reader, lang_hint=lang)
            if not read.units and not read.rest:
                continue  # only phrasing or filters ("nu open")
            concepts = tuple(
                dict.fromkeys(
                    hit.concept
                    for unit in read.units
                    if not unit.context
                    for hit in unit.hits
                    if search.lexicon.concepts[hit.concept].kind in _CONCEPT_KINDS
                )
            )
            if strict and not concepts and any(unit.hits for unit in read.units):
                return None  # a part that only qualifies ("for my cat", "organic"): one question
            items.append(Item(" ".join(part.split()), _label(part, read), concepts))
    known = sum(1 for item in items if item.concepts)
    if not items:
        return None
    if strict and (
        len(items) < 2 or known < (1 if separated else len(items)) or (not separated and known < 2)
    ):
        return None
    unique = list({fold(item.text): item for item in items}.values())
    return RoundRequest(
        lang, tuple(unique[:MAX_ITEMS]), max(0, len(unique) - MAX_ITEMS), tuple(whole.filters)
    )


def moment(request: RoundRequest, now: dt.datetime, timezone: str) -> dt.datetime:
    """When the list is for: a weekday named ("zaterdag", "samstags") is its next occurrence at
    ``DAYTIME`` (today, if it is today), "this evening" is ``EVENING`` today; otherwise now."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    for name in request.filters:
        if name.startswith("open_day:") and name[9:].isdigit():
            ahead = (int(name[9:]) - local.weekday()) % 7
            if ahead == 0:
                return now
            day = local.date() + dt.timedelta(days=ahead)
            return dt.datetime.combine(day, DAYTIME, zone)
        if name == "open_evening":
            evening = dt.datetime.combine(local.date(), EVENING, zone)
            return max(evening, local)
    return now


# -- planning --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    result: Result
    items: int = 0
    """Bit mask of the items it covers."""
    cost: float = 0.0


def cover(n_items: int, masks: Sequence[int], costs: Sequence[float]) -> list[int] | None:
    """The fewest candidates whose masks together cover ``n_items`` items, cheapest among equals.

    Exact branch and bound: branch on the uncovered item with the fewest candidates; among that
    item's candidates keep, for each set of still-uncovered items it would add, only the cheapest, and
    drop one whose additions are a subset of another's at no lower cost (it can always be replaced by
    that one). Returns candidate indexes, or None when some item has no candidate.
    """
    full = (1 << n_items) - 1
    by_item = [[c for c, mask in enumerate(masks) if mask >> i & 1] for i in range(n_items)]
    if any(not found for found in by_item):
        return None
    widest = max(bin(mask).count("1") for mask in masks)
    best: list[Any] = [n_items + 1, math.inf, None]

    def search(covered: int, chosen: list[int], cost: float) -> None:
        if covered == full:
            if (len(chosen), cost) < (best[0], best[1]):
                best[:] = [len(chosen), cost, list(chosen)]
            return
        left = full & ~covered
        need = -(-bin(left).count("1") // widest)
        if len(chosen) + need > best[0] or (len(chosen) + need == best[0] and cost >= best[1]):
            return
        item = min((i for i in range(n_items) if left >> i & 1), key=lambda i: len(by_item[i]))
        options: dict[int, int] = {}
        for c in by_item[item]:
            adds = masks[c] & left
            if adds not in options or costs[c] < costs[options[adds]]:
                options[adds] = c
        kept = [
            (adds, c)
            for adds, c in options.items()
            if not any(
                other != adds and other & adds == adds and costs[d] <= costs[c]
                for other, d in options.items()
            )
        ]
        kept.sort(key=lambda pair: (-bin(pair[0]).count("1"), costs[pair[1]]))
        for _adds, c in kept:
            chosen.append(c)
            search(covered | masks[c], chosen, cost + costs[c])
            chosen.pop()

    search(0, [], 0.0)
    return best[2]


def greedy_cover(n_items: int, masks: Sequence[int], costs: Sequence[float]) -> list[int] | None:
    """For lists longer than ``EXACT_ITEMS``: repeatedly the shop adding most items per metre."""
    full, covered, chosen = (1 << n_items) - 1, 0, []
    while covered != full:
        gains = [
            (bin(mask & ~covered).count("1") / (1.0 + costs[c]), c)
            for c, mask in enumerate(masks)
            if mask & ~covered
        ]
        if not gains:
            return None
        _, c = max(gains)
        chosen.append(c)
        covered |= masks[c]
    return chosen


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine); exact enough at a walk's scale."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def walking_order(start: tuple[float, float], points: Sequence[tuple[float, float]]) -> list[int]:
    """The order of ``points`` giving the shortest round trip from ``start`` and back (Held-Karp)."""
    n = len(points)
    if n <= 1:
        return list(range(n))
    home = [metres(start, p) for p in points]
    between = [[metres(p, q) for q in points] for p in points]
    full = (1 << n) - 1
    # length[mask][j]: shortest walk from start through the stops in mask, ending at j; every
    # subset of a mask is a smaller number, so one pass in numeric order fills it
    length = [[math.inf] * n for _ in range(full + 1)]
    came = [[-1] * n for _ in range(full + 1)]
    for j in range(n):
        length[1 << j][j] = home[j]
    bits = [[j for j in range(n) if mask >> j & 1] for mask in range(full + 1)]
    for mask in range(1, full):
        row, outside = length[mask], bits[full ^ mask]
        for j in bits[mask]:
            here, out = row[j], between[j]
            for k in outside:
                step = here + out[k]
                nxt = length[mask | 1 << k]
                if step < nxt[k]:
                    nxt[k] = step
                    came[mask | 1 << k][k] = j
    _, last = min((length[full][j] + home[j], j) for j in range(n))
    order, mask = [], full
    while last != -1:
        order.append(last)
        previous = came[mask][last]
        mask &= ~(1 << last)
        last = previous
    return order[::-1]


def directions_url(a: tuple[float, float], b: tuple[float, float]) -> str:
    """An openstreetmap.org walking route between two points (the site takes exactly two)."""
    query = urlencode(
        {"engine": "fossgis_osrm_foot", "route": f"{a[0]:.5f},{a[1]:.5f};{b[0]:.5f},{b[1]:.5f}"}
    )
    return f"https://www.openstreetmap.org/directions?{query}"


def route_url(points: Sequence[tuple[float, float]]) -> str:
    """The whole round on one map: GraphHopper Maps (OpenStreetMap data) takes any number of points,
    where openstreetmap.org's own directions refuse via points."""
    query = urlencode([("point", f"{lat:.5f},{lon:.5f}") for lat, lon in points] + [("profile", "foot")])
    return f"https://graphhopper.com/maps/?{query}"


def plan(
    search: SearchService,
    request: RoundRequest,
    *,
    near: tuple[float, float] | None = None,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    exclude: Iterable[str] = (),
    reply_language: str | None = None,
    keep: Callable[[Result], bool] | None = None,
) -> Round:
    """The round for ``request`` from ``near`` (the area's centre when None), as at ``at``; without
    ``at``, at the moment the list names (:func:`moment`) counted from ``now`` (the clock's, when
    neither is given).

    ``exclude`` holds business ids the person swapped away; the next best shops take their place.
    ``keep`` leaves out other businesses silently (the public API's opted-out ones). Texts are in
    ``reply_language``, else the list's language.
    """
    now = now or at or dt.datetime.now(dt.UTC)
    area = search.area
    at = at or moment(request, now, area.timezone if area else "UTC")
    excluded = tuple(dict.fromkeys(exclude))
    items = request.items
    candidates: dict[str, _Candidate] = {}
    gaps: list[Unavailable] = []
    start: tuple[float, float] | None = near
    for i, item in enumerate(items):
        answer = search.ask(
            item.text,
            near=near,
            lang_hint=request.language,
            limit=MAX_SHORT_LIST,
            now=at,
            reply_language=request.language,
        )
        start = start or answer.near
        if not item.concepts and not answer.results:
            gaps.append(Unavailable(i, "unknown"))
            continue
        sellers = [r for r in answer.results if r.id not in excluded and (keep is None or keep(r))]
        open_ = [r for r in sellers if r.open_now is not False]
        pool = [r for r in open_ if r.independent] or open_
        if not pool:
            if sellers:
                first = sellers[0]
                gaps.append(Unavailable(i, "closed", first.distance_m, first.opens_at, first.name))
            else:
                swapped = any(r.id in excluded for r in answer.results)
                gaps.append(Unavailable(i, "missing", answer.nearest_m, swapped=swapped))
            continue
        for result in pool:
            candidate = candidates.setdefault(result.id, _Candidate(result, cost=float(result.distance_m)))
            candidate.items |= 1 << i
            if result.tier < EXACT_TIER:
                candidate.cost += MAY_HAVE_PENALTY_M
    origin = start or (search.area.center if search.area else (0.0, 0.0))
    covered_items = [i for i in range(len(items)) if all(gap.item != i for gap in gaps)]
    stops: list[Stop] = []
    walk = 0.0
    points: list[tuple[float, float]] = [origin]
    if covered_items:
        # renumber the coverable items 0..m-1 for the cover
        index = {item: bit for bit, item in enumerate(covered_items)}
        pool_list = list(candidates.values())
        masks = [_remap(c.items, index) for c in pool_list]
        costs = [c.cost for c in pool_list]
        cover_of = cover if len(covered_items) <= EXACT_ITEMS else greedy_cover
        chosen = cover_of(len(covered_items), masks, costs) or []
        picked = [pool_list[c] for c in chosen]
        order = walking_order(origin, [(c.result.lat, c.result.lon) for c in picked])
        assigned: set[int] = set()
        previous = origin
        for k in order:
            candidate = picked[k]
            own = tuple(i for i in covered_items if candidate.items >> i & 1 and i not in assigned)
            assigned.update(own)
            here = (candidate.result.lat, candidate.result.lon)
            leg = metres(previous, here) * DETOUR
            walk += leg
            business = search.business(candidate.result.id)
            stops.append(
                Stop(
                    candidate.result,
                    own,
                    bool(business and business.pickup),
                    (business.delivery if business else "") or "none",
                    round(leg),
                    directions_url(previous, here),
                )
            )
            points.append(here)
            previous = here
        if stops:
            walk += metres(previous, origin) * DETOUR
    points.append(origin)
    walk_m = int(round(walk, -1))
    planned = Round(
        request,
        origin,
        at,
        tuple(stops),
        tuple(sorted(gaps, key=lambda gap: gap.item)),
        walk_m,
        math.ceil(walk / WALK_M_PER_MIN) if stops else 0,
        route_url(points) if stops else None,
        excluded,
        normalise_language(reply_language or request.language),
        later=at > now + dt.timedelta(minutes=1),
        timezone=area.timezone if area else "UTC",
    )
    return _with_message(planned)


def _remap(mask: int, index: dict[int, int]) -> int:
    out = 0
    for item, bit in index.items():
        if mask >> item & 1:
            out |= 1 << bit
    return out


def _with_message(plan_: Round) -> Round:
    # imported here: the conversation package imports this module, and its renderer words openings
    from concierge.conversation.render import opening_time

    t = translator(plan_.language)
    lines = []
    if plan_.later:
        local = plan_.at.astimezone(ZoneInfo(plan_.timezone))
        when = format_datetime(local, "EEEE HH:mm", locale=plan_.language)
        lines.append(t("Planned for {when}, when these shops are open.", when=when))
    if plan_.stops:
        values = {
            "items": sum(len(stop.items) for stop in plan_.stops),
            "shops": len(plan_.stops),
            "distance": format_distance(plan_.walk_m, plan_.language),
            "minutes": plan_.walk_min,
        }
        lines.append(
            t(
                "{items} items at one shop: about {distance} and {minutes} min on foot, there and back.",
                **values,
            )
            if len(plan_.stops) == 1
            else t(
                "{items} items at {shops} shops: about {distance} and {minutes} min on foot, there and back.",
                **values,
            )
        )
    labels = [item.label for item in plan_.request.items]
    missing = [
        labels[gap.item]
        + (
            " (" + t("nearest: {distance}", distance=format_distance(gap.nearest_m, plan_.language)) + ")"
            if gap.nearest_m is not None
            else ""
        )
        for gap in plan_.unavailable
        if gap.reason == "missing" and not gap.swapped
    ]
    swapped = [labels[gap.item] for gap in plan_.unavailable if gap.reason == "missing" and gap.swapped]
    unknown = [labels[gap.item] for gap in plan_.unavailable if gap.reason == "unknown"]
    if missing:
        lines.append(t("Nobody nearby sells: {items}.", items=", ".join(missing)))
    if swapped:
        lines.append(t("No other shop nearby sells: {items}.", items=", ".join(swapped)))
    if unknown:
        lines.append(t("I don't know what these are yet: {items}.", items=", ".join(unknown)))
    for gap in plan_.unavailable:
        if gap.reason == "closed":
            item, shop = labels[gap.item], gap.shop or ""
            lines.append(
                t(
                    "{item}: {shop} sells it but is closed then ({opening}).",
                    item=item,
                    shop=shop,
                    opening=opening_time(gap.opens_at, t, plan_.language),
                )
                if gap.opens_at
                else t("{item}: {shop} sells it but is closed then.", item=item, shop=shop)
            )
    if plan_.request.dropped:
        lines.append(t("I planned the first {n} items of your list.", n=len(labels)))
    return replace(plan_, message="\n".join(lines))
