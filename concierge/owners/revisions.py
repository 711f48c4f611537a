"""Owners' edits after approval: reviewed first where residents read them verbatim, live elsewhere.

Once a listing is published, a change to its name, category, location, phone, website, story or photo
(:data:`catalog.ownership.REVIEWED`) waits as a pending revision while the approved version stays
live; a moderator approves or rejects it (:mod:`concierge.moderation`). Products, opening hours,
closures and the rest go live at once, because owners need them to be right today, but they pass
automatic checks first (no links, phone numbers or long text in product lines) and each lands in the
moderators' feed with a one-tap rollback. Before approval nothing of this applies: a draft or a
listing under review is checked as a whole when it is decided.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from catalog import ownership
from concierge import moderation
from concierge.conversation.context import Turn
from concierge.conversation.render import clip, say
from concierge.events import Reply, SendText
from concierge.uow import UnitOfWork, unit_of_work

LINK = re.compile(
    r"(?:https?://|www\.|t\.me/|\b[\w-]+\.(?:com|net|org|info|biz|shop|store|online|site|nl|be|de|fr|ch|at|eu|"
    r"io|co|me|ly|app)\b)",
    re.IGNORECASE,
)
PRODUCT_WORDS = 8
PRODUCT_CHARS = 60
"""A product line longer than this reads as an advertisement or a story, not a product."""


def product_problem(name: str, region: str = "NL") -> str | None:
    """Why a product line may not go live (``link``, ``phone``, ``long``), or None."""
    import phonenumbers  # imported when an owner edits, not by every worker at start

    if LINK.search(name):
        return "link"
    if any(True for _ in phonenumbers.PhoneNumberMatcher(name, region)):
        return "phone"
    if len(name) > PRODUCT_CHARS or len(name.split()) > PRODUCT_WORDS:
        return "long"
    return None


def product_refusal(turn: Turn, names: Iterable[str]) -> list[Reply] | None:
    """The owner's explanation for the first product line that fails the checks, or None."""
    region = turn.app.search.area.country if turn.app.search.area else "NL"
    for name in names:
        problem = product_problem(name, region)
        if problem is None:
            continue
        reasons = {
            "link": turn.t(
                "Product lines cannot hold links or web addresses; put your website under Contact."
            ),
            "phone": turn.t("Product lines cannot hold phone numbers; put your number under Contact."),
            "long": turn.t("Keep each product short: a few words, like “spelt bread”."),
        }
        text = say(turn.t("Not saved: “{product}”.", product="\x00")).replace("\x00", clip(name, 80))
        return [SendText(f"{text} {say(reasons[problem])}")]
    return None


async def _status(turn: Turn, business_id: str) -> str:
    async with turn.app.sessions() as session:
        business = await ownership.load(session, business_id)
        return business.status


async def save_fields(
    turn: Turn, business_id: str, version: int, changes: dict[str, Any]
) -> tuple[list[Reply], bool]:
    """``(replies, pending)``: live fields saved (with the version check), reviewed ones queued.

    Raises :class:`catalog.ownership.VersionConflict` when someone else changed the listing first.
    """
    published = await _status(turn, business_id) == "published"
    reviewed = {k: v for k, v in changes.items() if k in ownership.REVIEWED} if published else {}
    live = {k: v for k, v in changes.items() if k not in reviewed}
    async with unit_of_work(turn.app) as uow:
        session = uow.session
        business = await ownership.load(session, business_id)
        before = ownership.snapshot(business, live)
        if business.version != version:
            raise ownership.VersionConflict()
        if live:
            await ownership.update_fields(session, business_id, version, live, turn.now)
        elif reviewed:
            await ownership.confirm(session, business_id, turn.now)
        changed = {k: v for k, v in ownership.to_json(live).items() if before.get(k) != v}
        feed = (
            await ownership.record_change(
                session, business_id, turn.event.user_id, changed, {k: before[k] for k in changed}
            )
            if published and changed
            else None
        )
        revision = (
            await ownership.queue_revision(session, business_id, turn.event.user_id, reviewed)
            if reviewed
            else None
        )
        for item in (feed, revision):
            if item is not None:
                await session.refresh(item)
                uow.notify(partial(moderation.notify_moderators, turn, item))
        uow.changed_catalogue()
    if not reviewed:
        return uow.notes, False
    text = turn.t(
        "Saved. Residents read this word for word, so a moderator looks at it first; until then they "
        "see the approved version. I will tell you the decision."
    )
    replies: list[Reply] = [SendText(say(text))]
    if not await moderation.moderator_ids(turn.app):
        replies.append(SendText(say(moderation.no_moderators_text(turn))))
    return [*replies, *uow.notes], True


async def save_products(
    turn: Turn, business_id: str, names: list[str], before: list[str] | None = None
) -> list[Reply]:
    """Replaces the product list (checked by the caller with :func:`product_refusal`); the
    moderators' feed notes (none before approval)."""
    async with unit_of_work(turn.app) as uow:
        session = uow.session
        business = await ownership.load(session, business_id)
        previous = before if before is not None else [p.name for p in business.products]
        published = business.status == "published"
        await ownership.replace_products(
            session, business_id, names, turn.lang, turn.now, turn.app.search.kind_of
        )
        await session.refresh(business, ["products"])
        current = [p.name for p in business.products]
        item = (
            await ownership.record_change(
                session,
                business_id,
                turn.event.user_id,
                {ownership.PRODUCTS: current},
                {ownership.PRODUCTS: previous},
            )
            if published and current != previous
            else None
        )
        if item is not None:
            await session.refresh(item)
            uow.notify(partial(moderation.notify_moderators, turn, item))
        uow.changed_catalogue()
    return uow.notes


async def record_products(
    turn: Turn, uow: UnitOfWork, business_id: str, before: list[str], after: list[str]
) -> None:
    """A quick product command applied in ``uow``: into the moderators' feed when the listing is live."""
    if before == after or (await ownership.load(uow.session, business_id)).status != "published":
        return
    item = await ownership.record_change(
        uow.session,
        business_id,
        turn.event.user_id,
        {ownership.PRODUCTS: after},
        {ownership.PRODUCTS: before},
    )
    await uow.session.refresh(item)
    uow.notify(partial(moderation.notify_moderators, turn, item))
