"""The fewest shops that together sell every item of a list: exact set cover by branch and bound
(for the handful of items and candidates of one round), greedy beyond."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


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
