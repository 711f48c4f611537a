"""A shopping round: a list of things to buy, answered with the fewest nearby shops that together
sell all of them, in a walking order.

How it is planned (the README says why):

1. **Reading the list** (:func:`concierge.shopping_list.read_list`): one item per line, or items separated by commas and
   semicolons, and the list words "en", "and", "und", "et" between them. A phrase the lexicon knows
   as one thing ("fish and chips") is never cut at its "and". A text is a round when it names at
   least two things to buy (products, services or kinds of shop); anything else is a question.
2. **Candidates**: each item is asked through the same search the bot uses (``SearchService.ask``),
   as at the time asked. An item's candidates are the shops of its short list that are open then
   (or whose hours are unknown): independents, or chains only when no open independent sells it.
3. **Exact set cover** (:func:`concierge.set_cover.cover`): the fewest shops that cover every item, and among those the
   cheapest, where a shop costs its distance from the resident plus a penalty per item it only
   "may have". Branch and bound over the item with the fewest candidates, with dominance pruning (a
   shop that adds a subset of another's items at no lower cost is never tried); exact for up to
   ``EXACT_ITEMS`` items, greedy beyond.
4. **Walking order** (:func:`concierge.walking.walking_order`): the shortest round trip from the resident through the
   chosen shops and back, exact by Held-Karp dynamic programming (at most 8 stops: 8·2⁸ states).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from concierge.answers import Result
from concierge.i18n import format_distance, normalise_language, translator
from concierge.search import SearchService
from concierge.set_cover import cover, greedy_cover
from concierge.shopping_list import RoundRequest, moment
from concierge.walking import DETOUR, WALK_M_PER_MIN, directions_url, metres, route_url, walking_order

EXACT_ITEMS = 8
"""Items up to which the cover is exact; a longer list is covered greedily."""
MAX_SHORT_LIST = 5
"""Candidates per item: the search's own short list."""
MAY_HAVE_PENALTY_M = 250.0
"""A shop that only "may have" an item (its kind usually sells it, its own list does not say) counts
as this much farther away for that item: a shop that lists the item is worth a short extra walk."""
EXACT_TIER = 4


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
    opens_at: dt.datetime | None = None
    """For ``closed``: when the best shop for it opens (local time with its offset)."""
    shop: str | None = None
    """For ``closed``: that shop's name."""
    swapped: bool = False
    """For ``missing``: shops nearby sell it, but the person swapped every one of them away."""
    opening: str = ""
    """For ``closed``: that opening in words of the answer's language ("opens tomorrow at 09:00")."""


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
                    "opens_at": _iso(gaps[i].opens_at) if i in gaps else None,
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


@dataclass(slots=True)
class _Candidate:
    result: Result
    items: int = 0
    """Bit mask of the items it covers."""
    cost: float = 0.0


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
    language = normalise_language(reply_language or request.language)
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
            reply_language=language,
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
                gaps.append(
                    Unavailable(
                        i, "closed", first.distance_m, first.opens_at, first.name, opening=first.opening
                    )
                )
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
        language,
        later=at > now + dt.timedelta(minutes=1),
        timezone=area.timezone if area else "UTC",
    )
    return _with_message(planned)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _remap(mask: int, index: dict[int, int]) -> int:
    out = 0
    for item, bit in index.items():
        if mask >> item & 1:
            out |= 1 << bit
    return out


def _with_message(plan_: Round) -> Round:
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
                    opening=gap.opening,
                )
                if gap.opening
                else t("{item}: {shop} sells it but is closed then.", item=item, shop=shop)
            )
    if plan_.request.dropped:
        lines.append(t("I planned the first {n} items of your list.", n=len(labels)))
    return replace(plan_, message="\n".join(lines))
