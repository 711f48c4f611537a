"""Moderators keep the neighbourhood clean: new listings, claims and residents' reports in one queue.

Moderators are the user ids in ``CONCIERGE_ADMIN_IDS`` plus those added with ``concierge moderators
add`` (the ``moderators`` table); every action checks that here, in the core, whatever button or
replayed message it arrives by. Decisions are told to the owners, and cards to each moderator, in
their own language through ``Notify`` replies. Residents' reports are anonymous: the item keeps no
reporter. Kinds of items: ``listing``, ``claim``, ``report``, ``revision`` (a change to what residents
read verbatim, waiting) and ``change`` (hours, closures, products: already live, with rollback).

Buttons (:mod:`concierge.callbacks`): ``Approve``, ``Reject`` (a reason follows as text), ``AskOwner``
(the question follows), ``RollBack`` a live change or ``KeepChange``, ``QueuePage``; residents'
``Report`` and ``ReportReason``. :data:`ROUTER` declares them, /moderate, and the Report row this
feature adds under a Story.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
from functools import partial
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import ownership
from catalog.geo import great_circle_m
from catalog.models import Business, ModerationItem, Moderator, Partner
from catalog.repository import get_business
from concierge import callbacks
from concierge.app import App
from concierge.conversation.context import Turn
from concierge.conversation.render import NAME_CHARS, clip, join_blocks, say, story_blocks
from concierge.conversation.routes import Router
from concierge.deeplinks import short_ref
from concierge.events import AnswerCallback, Button, Notify, Reply, SendPhoto, SendText
from concierge.flow_store import flow_store
from concierge.hours_text import describe
from concierge.i18n import Translate, _, format_distance, translator
from concierge.uow import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)

REPORT_REASONS = ("closed", "wrong", "spam")
QUEUE_PAGE = 5
NO_MODERATORS = (
    "no moderators: new listings, claims and changes wait unseen. Set CONCIERGE_ADMIN_IDS or run "
    "`concierge moderators add TELEGRAM_USER_ID`"
)


# -- who moderates ----------------------------------------------------------------------------------


async def stored_moderators(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        return list(await session.scalars(select(Moderator.user_id).order_by(Moderator.user_id)))


async def add_moderator(sessions: async_sessionmaker[AsyncSession], user_id: int) -> bool:
    """False when ``user_id`` already was one."""
    async with sessions.begin() as session:
        if await session.get(Moderator, user_id) is not None:
            return False
        session.add(Moderator(user_id=user_id))
    return True


async def remove_moderator(sessions: async_sessionmaker[AsyncSession], user_id: int) -> bool:
    async with sessions.begin() as session:
        result = await session.execute(delete(Moderator).where(Moderator.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))


async def moderator_ids(app: App) -> list[int]:
    return sorted(app.settings.admin_ids | set(await stored_moderators(app.sessions)))


async def is_moderator(app: App, user_id: int) -> bool:
    return user_id in app.settings.admin_ids or user_id in await stored_moderators(app.sessions)


async def warn_without_moderators(app: App) -> bool:
    """The start-up warning of ``serve``, ``run`` and ``jobs run``; True when there are moderators."""
    if await moderator_ids(app):
        return True
    log.warning(NO_MODERATORS)
    return False


async def language_of(turn: Turn, user_id: int) -> str:
    async with turn.app.sessions() as session:
        language = await ownership.owner_language(session, user_id)
    if language:
        return language
    profile = await turn.store.load(user_id, turn.now)
    return profile.language or turn.app.settings.default_language


async def _remember_language(turn: Turn) -> None:
    """A moderator's own language, for the cards and notices they get later (kept like an owner's)."""
    async with unit_of_work(turn.app) as uow:
        await ownership.ensure_owner(uow.session, turn.event.user_id, turn.lang)


def _kind_label(t: Any, item: ModerationItem) -> str:
    if item.kind == "listing":
        return str(t("New listing"))
    if item.kind == "claim":
        return str(t("Claim of an existing listing"))
    if item.kind == "revision":
        return str(t("Change waiting for approval"))
    if item.kind == "change":
        return str(t("Change already live"))
    reasons = {"closed": t("closed"), "wrong": t("wrong information"), "spam": t("spam")}
    return str(t("Report by a resident: {reason}", reason=reasons.get(item.reason, item.reason)))


def map_link(lat: float, lon: float) -> str:
    query = urlencode({"mlat": f"{lat:.6f}", "mlon": f"{lon:.6f}"})
    return f"https://www.openstreetmap.org/?{query}#map=18/{lat:.6f}/{lon:.6f}"


def location_block(turn: Turn, t: Translate, lang: str, lat: float, lon: float, address: str) -> str:
    """Address, a map link and the distance from the area's centre, flagged when outside the area."""
    lines = [f"<b>{say(t('Address'))}</b>: {clip(address, 200) if address.strip() else say(t('none given'))}"]
    lines.append(
        f'<a href="{html.escape(map_link(lat, lon))}">{say(t("Open the map"))}</a> ({lat:.5f}, {lon:.5f})'
    )
    area = turn.app.search.area
    if area is not None:
        metres = great_circle_m(area.center, (lat, lon))
        distance = format_distance(metres, lang)
        if metres > area.radius_m:
            lines.append(
                "⚠️ "
                + say(
                    t(
                        "{distance} from the centre of {area}: outside the area.",
                        distance=distance,
                        area="\x00",
                    )
                )
            )
        else:
            lines.append(say(t("{distance} from the centre of {area}.", distance=distance, area="\x00")))
        lines[-1] = lines[-1].replace("\x00", clip(area.name, 100))
    return "\n".join(lines)


FIELD_LABELS = {
    "name": _("Name"),
    "categories": _("Category"),
    "lat": _("Location"),
    "lon": _("Location"),
    "address": _("Address"),
    "phone": _("Phone"),
    "website": _("Website"),
    "story_who": _("Who"),
    "story_how": _("How"),
    "story_why": _("Why"),
    "photo": _("Photo"),
    "opening_hours": _("Opening hours"),
    "closed_from": _("Closed from"),
    "closed_until": _("Closed until"),
    "special_hours": _("Special days"),
    "products": _("Products"),
    "pickup": _("Pickup"),
    "delivery": _("Delivery"),
    "languages": _("Languages"),
}


def _value(turn: Turn, t: Translate, lang: str, key: str, value: Any) -> str:
    if value in (None, "", [], {}):
        return say(t("(empty)"))
    if key == "categories":
        return clip(turn.taxonomy.name(list(value), lang), 100)
    if key == "opening_hours":
        return clip(describe(str(value), lang) or str(value), 400)
    if key == "photo":
        return say(t("a photo"))
    if key == "products":
        return clip(", ".join(str(v) for v in value), 700)
    if key == "special_hours" and isinstance(value, dict):
        return clip("; ".join(f"{day} {h}" for day, h in sorted(value.items())), 300)
    if isinstance(value, bool):
        return say(t("yes") if value else t("no"))
    return clip(str(value), 500, keep_newlines=True)


def change_blocks(turn: Turn, t: Translate, lang: str, item: ModerationItem) -> list[str]:
    """Field by field: before → after (the location as a map link with its distance)."""
    blocks = []
    changes, previous = dict(item.changes), dict(item.previous)
    if "lat" in changes or "lon" in changes:
        lat = float(changes.pop("lat", previous.get("lat", 0.0)))
        lon = float(changes.pop("lon", previous.get("lon", 0.0)))
        address = str(changes.pop("address", previous.get("address", "")))
        blocks.append(f"<b>{say(t('New location'))}</b>\n" + location_block(turn, t, lang, lat, lon, address))
    for key, value in changes.items():
        label = say(t(FIELD_LABELS.get(key, key)))
        before = _value(turn, t, lang, key, previous.get(key))
        blocks.append(f"<b>{label}</b>: <s>{before}</s>\n→ {_value(turn, t, lang, key, value)}")
    return blocks


async def _claimant_block(turn: Turn, t: Translate, item: ModerationItem) -> str:
    uid = item.requested_by or 0
    async with turn.app.sessions() as session:
        language = await ownership.owner_language(session, uid)
        others = await session.scalar(
            select(func.count())
            .select_from(ModerationItem)
            .where(
                ModerationItem.kind == "claim",
                ModerationItem.requested_by == uid,
                ModerationItem.id != item.id,
            )
        )
    who = say(t("Claimed by Telegram user {id}", id=uid))
    lines = [f'<a href="tg://user?id={uid}">{who}</a>' + (f" ({language})" if language else "")]
    if others:
        lines.append(say(t("Other claims by this person: {n}", n=others)))
    evidence = item.note.strip()
    lines.append(
        f"<b>{say(t('Evidence'))}</b>: "
        + (clip(evidence, 800, keep_newlines=True) if evidence else say(t("none given")))
    )
    return "\n".join(lines)


async def item_card(turn: Turn, item: ModerationItem, lang: str) -> SendText | None:
    t = translator(lang)
    async with turn.app.sessions() as session:
        business = await get_business(session, item.business_id)
    if business is None:
        return None
    blocks = [f"<b>{say(_kind_label(t, item))}</b> #{item.id}"]
    if item.kind in {"revision", "change"}:
        blocks.append(f"<b>{clip(business.name, NAME_CHARS)}</b>")
        blocks.extend(change_blocks(turn, t, lang, item))
    else:
        if item.kind == "claim":
            blocks.append(await _claimant_block(turn, t, item))
        blocks.extend(story_blocks(business, t, []))
        if business.products:
            blocks.append(clip(", ".join(p.name for p in business.products[:40]), 800))
        blocks.append(location_block(turn, t, lang, business.lat, business.lon, business.address))
        if item.note and item.kind != "claim":
            blocks.append(f"<i>{clip(item.note, 500)}</i>")
    rows: tuple[tuple[Button, ...], ...]
    if item.kind == "report":
        rows = (
            (
                Button(t("Suspend listing"), data=callbacks.Approve(item.id).pack()),
                Button(t("Dismiss"), data=callbacks.Reject(item.id).pack()),
            ),
        )
    elif item.kind == "change":
        rows = (
            (
                Button(t("Roll back"), data=callbacks.RollBack(item.id).pack()),
                Button(t("Fine"), data=callbacks.KeepChange(item.id).pack()),
            ),
        )
    else:
        rows = (
            (
                Button(t("Approve"), data=callbacks.Approve(item.id).pack()),
                Button(t("Reject"), data=callbacks.Reject(item.id).pack()),
            ),
            (Button(t("Ask the owner"), data=callbacks.AskOwner(item.id).pack()),),
        )
    return SendText(join_blocks(blocks), buttons=rows)


async def item_replies(turn: Turn, item: ModerationItem, lang: str) -> list[SendText | SendPhoto]:
    """The card, and the new photo itself when a change brings one."""
    card = await item_card(turn, item, lang)
    if card is None:
        return []
    photo = item.changes.get("photo") if item.kind in {"revision", "change"} else None
    if isinstance(photo, str) and photo:
        caption = say(translator(lang)(_("The new photo (item #{id})"), id=item.id))
        return [card, SendPhoto(photo, caption)]
    return [card]


async def notify_moderators(turn: Turn, item: ModerationItem) -> list[Reply]:
    notes: list[Reply] = []
    for admin in await moderator_ids(turn.app):
        notes.extend(
            Notify(admin, reply) for reply in await item_replies(turn, item, await language_of(turn, admin))
        )
    return notes


def no_moderators_text(turn: Turn) -> str:
    """The honest message to an owner when nobody can review what they sent."""
    return turn.t(
        "Note: this neighbourhood has no moderators yet, so nobody can review it for now. It stays saved "
        "and waits; I will tell you when it is decided."
    )


async def submit(
    turn: Turn,
    kind: str,
    business_id: str,
    requested_by: int | None,
    reason: str = "",
    reporter: str | None = None,
) -> list[Reply]:
    """Queues an item and tells the moderators; a report the same ``reporter`` key already filed is
    neither queued nor notified again."""
    try:
        async with unit_of_work(turn.app) as uow:
            await file_item(turn, uow, kind, business_id, requested_by, reason, reporter)
    except IntegrityError:
        if reporter is None:
            raise
        return []
    return uow.notes


async def file_item(
    turn: Turn,
    uow: UnitOfWork,
    kind: str,
    business_id: str,
    requested_by: int | None,
    reason: str = "",
    reporter: str | None = None,
) -> None:
    """Queues an item in ``uow``; the moderators are told once it is committed."""
    item = ModerationItem(
        kind=kind,
        business_id=business_id,
        requested_by=requested_by,
        reason=reason,
        reporter_key=reporter,
    )
    uow.session.add(item)
    await uow.session.flush()
    await uow.session.refresh(item)
    uow.notify(partial(notify_moderators, turn, item))  # a card reads the committed listing


def reporter_key(turn: Turn) -> str:
    """Who reports, on which day, as a keyed hash: enough to take one report per person, business and day,
    not enough to name the reporter (the key is a deployment secret, the hash is cut short)."""
    settings = turn.app.settings
    secret = settings.log_salt or settings.bot_token
    key = secret.get_secret_value() if secret else "concierge"
    message = f"{turn.event.user_id}:{turn.now.date().isoformat()}"
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


def refused(turn: Turn) -> list[Reply]:
    return [AnswerCallback(turn.t("Sorry, you cannot do that."), alert=True)]


async def queue(turn: Turn, page: int = 0) -> list[Reply]:
    """One page of the open items, oldest first, with the true total and buttons to page through."""
    if not await is_moderator(turn.app, turn.event.user_id):
        return [SendText(say(turn.t("This command is for the neighbourhood's moderators.")))]
    await _remember_language(turn)
    async with turn.app.sessions() as session:
        open_items = select(ModerationItem).where(ModerationItem.status == "open")
        total = int(await session.scalar(select(func.count()).select_from(open_items.subquery())) or 0)
        pages = max(1, -(-total // QUEUE_PAGE))
        page = min(max(page, 0), pages - 1)
        items = list(
            await session.scalars(
                open_items.order_by(ModerationItem.created_at, ModerationItem.id)
                .offset(page * QUEUE_PAGE)
                .limit(QUEUE_PAGE)
            )
        )
    if not total:
        return [SendText(say(turn.t("The queue is empty. Thank you!")))]
    head = turn.t("Open items: {n}", n=total)
    if pages > 1:
        head += " · " + turn.t("page {page} of {pages}", page=page + 1, pages=pages)
    replies: list[Reply] = [SendText(say(head))]
    for item in items:
        replies.extend(await item_replies(turn, item, turn.lang))
    paging = []
    if page > 0:
        paging.append(Button("◀ " + turn.t("Previous"), data=callbacks.QueuePage(page - 1).pack()))
    if page + 1 < pages:
        paging.append(Button(turn.t("Next") + " ▶", data=callbacks.QueuePage(page + 1).pack()))
    if paging:
        shown = turn.t(
            "Items {first} to {last} of {n}.",
            first=page * QUEUE_PAGE + 1,
            last=page * QUEUE_PAGE + len(items),
            n=total,
        )
        replies.append(SendText(say(shown), buttons=(tuple(paging),)))
    return replies


async def _open_item(turn: Turn, item_id: str) -> ModerationItem | None:
    if not item_id.isdigit():
        return None
    async with turn.app.sessions() as session:
        item = await session.get(ModerationItem, int(item_id))
        if item is None or item.status != "open":
            return None
        session.expunge(item)
        return item


async def _owners(turn: Turn, business_id: str) -> list[int]:
    async with turn.app.sessions() as session:
        return [user for user, _role in await ownership.people_of(session, business_id)]


async def _owners_in(uow: UnitOfWork, business_id: str) -> list[int]:
    """The people of a listing as they stand in ``uow`` (a claim just approved counts)."""
    return [user for user, _role in await ownership.people_of(uow.session, business_id)]


async def _tell(
    turn: Turn, user_ids: list[int], message: str, answer_item: int | None = None, **values: str
) -> list[Reply]:
    """``message`` translated for each person; ``values`` are user text, escaped here. With
    ``answer_item`` the message gets an Answer button for a moderator's question."""
    notes: list[Reply] = []
    for user_id in user_ids:
        t = translator(await language_of(turn, user_id))
        marker = {key: f"\x00{key}\x00" for key in values}
        text = say(t(message, **marker))
        for key, value in values.items():
            text = text.replace(f"\x00{key}\x00", clip(value, 800, keep_newlines=True))
        answer = callbacks.AnswerModerator(answer_item) if answer_item is not None else None
        buttons = ((Button(t("Answer"), data=answer.pack()),),) if answer else ()
        notes.append(Notify(user_id, SendText(text, buttons=buttons)))
    return notes


async def _close(turn: Turn, item_id: int, status: str, note: str = "") -> None:
    async with unit_of_work(turn.app) as uow:
        await _decide(turn, uow, item_id, status, note)


async def _decide(turn: Turn, uow: UnitOfWork, item_id: int, status: str, note: str = "") -> None:
    """Closes an item as part of the decision's own unit of work (the change and the close are one)."""
    item = await uow.session.get(ModerationItem, item_id)
    if item is not None:
        item.status = status
        item.decided_at = turn.now
        item.decided_by = turn.event.user_id
        if note:
            item.note = note[:2000]


DECISIONS: dict[type[callbacks.CallbackData], str] = {
    callbacks.Approve: "a",
    callbacks.Reject: "r",
    callbacks.AskOwner: "q",
    callbacks.RollBack: "u",
    callbacks.KeepChange: "k",
}


async def page(turn: Turn, data: callbacks.QueuePage) -> list[Reply]:
    if not await is_moderator(turn.app, turn.event.user_id):
        return refused(turn)
    return [AnswerCallback(), *await queue(turn, data.page)]


async def pressed(
    turn: Turn,
    data: callbacks.Approve
    | callbacks.Reject
    | callbacks.AskOwner
    | callbacks.RollBack
    | callbacks.KeepChange,
) -> list[Reply]:
    """A decision on an item: only moderators, only open items."""
    if not await is_moderator(turn.app, turn.event.user_id):
        return refused(turn)
    action = DECISIONS[type(data)]
    item = await _open_item(turn, str(data.item))
    live = item is not None and item.kind == "change"
    if item is None or action not in ({"u", "k"} if live else {"a", "r", "q"}):
        return [AnswerCallback(turn.t("This item is already decided or gone."))]
    await _remember_language(turn)
    if action == "u":
        return [AnswerCallback(), *await roll_back(turn, item)]
    if action == "k":
        await _close(turn, item.id, "kept")
        return [AnswerCallback(), SendText(say(turn.t("Kept.")))]
    if action == "a":
        return [AnswerCallback(), *await approve(turn, item)]
    if item.kind == "report" and action == "r":
        await _close(turn, item.id, "dismissed")
        return [AnswerCallback(), SendText(say(turn.t("Dismissed.")))]
    store = flow_store(turn.app)
    mode = {"r": "reject", "q": "ask"}[action]
    await store.save(turn.event.user_id, {"mode": "moderate", "action": mode, "item": item.id})
    ask = (
        turn.t("Why do you reject it? Your reason goes to the owner.")
        if mode == "reject"
        else turn.t("What would you like to ask the owner?")
    )
    return [
        AnswerCallback(),
        SendText(say(ask), buttons=((Button(turn.t("Cancel"), data=callbacks.Cancel().pack()),),)),
    ]


async def roll_back(turn: Turn, item: ModerationItem) -> list[Reply]:
    """Puts back the values a live change replaced, and tells the owners."""
    async with unit_of_work(turn.app) as uow:
        business = await ownership.apply_changes(
            uow.session, item.business_id, item.previous, turn.now, kind_of=turn.app.search.kind_of
        )
        name = business.name
        await _decide(turn, uow, item.id, "rolled_back")
        uow.changed_catalogue()
        uow.notify(
            partial(
                _tell,
                turn,
                await _owners_in(uow, item.business_id),
                _(
                    "A moderator has undone your last change to {name}. Use /mybusiness to look at it; ask the moderators if it is unclear."
                ),
                name=name,
            )
        )
    done = say(turn.t("Rolled back: {name}.", name="\x00")).replace("\x00", clip(name, NAME_CHARS))
    return [SendText(done), *uow.notes]


async def partner_requests_for(turn: Turn, business_id: str, user_id: int) -> list[Reply]:
    """Partner requests made while ``business_id`` had no owner, shown to its new owner (once approved)."""
    async with turn.app.sessions() as session:
        rows = list(
            await session.execute(
                select(Partner.business_id, Business.name)
                .join(Business, Business.id == Partner.business_id)
                .where(Partner.partner_id == business_id, Partner.confirmed.is_(False))
                .order_by(Business.name)
            )
        )
    if not rows:
        return []
    t = translator(await language_of(turn, user_id))
    notes: list[Reply] = []
    for requester_id, requester_name in rows[:10]:
        text = say(t("{name} would like to show your business as a partner. Do you agree?", name="\x00"))
        pair = (short_ref(requester_id), short_ref(business_id))
        buttons = (
            (
                Button(t("Yes, show the link"), data=callbacks.PartnerConfirm(*pair).pack()),
                Button(t("No"), data=callbacks.PartnerDecline(*pair).pack()),
            ),
        )
        notes.append(
            Notify(user_id, SendText(text.replace("\x00", clip(requester_name, NAME_CHARS)), buttons))
        )
    return notes


async def approve(turn: Turn, item: ModerationItem) -> list[Reply]:
    async with unit_of_work(turn.app) as uow:
        session = uow.session
        business = await session.get(Business, item.business_id)
        if business is None:
            return [SendText(say(turn.t("This item is already decided or gone.")))]
        name = business.name
        if item.kind == "revision":
            await ownership.apply_changes(session, item.business_id, item.changes, turn.now)
            name = business.name
        elif item.kind == "listing":
            await ownership.set_status(session, item.business_id, "published", turn.now)
        elif item.kind == "claim" and item.requested_by is not None:
            await ownership.add_role(session, item.business_id, item.requested_by, "owner")
            business.confirmed_at = turn.now
        elif item.kind == "report":
            await ownership.set_status(session, item.business_id, "suspended", turn.now)
        await _decide(turn, uow, item.id, "approved")
        uow.changed_catalogue()
        owners = await _owners_in(uow, item.business_id)
        if item.kind == "revision":
            message = _("Your change to {name} is approved: residents see it now.")
            done = turn.t("Approved: the change to {name}.", name="\x00")
        elif item.kind == "listing":
            message = "Good news: your listing {name} is approved and residents can find it now."
            done = turn.t("Approved: {name} is published.", name="\x00")
        elif item.kind == "claim":
            message = "Your claim of {name} is approved. Use /mybusiness to keep it up to date."
            done = turn.t("Approved: the claim of {name}.", name="\x00")
        else:
            message = "After a report from a resident, a moderator has taken {name} offline for now. Use /mybusiness to correct it."
            done = turn.t("Suspended: {name}.", name="\x00")
        uow.notify(partial(_tell, turn, owners, message, name=name))
        if item.kind == "claim" and item.requested_by is not None:
            uow.notify(partial(partner_requests_for, turn, item.business_id, item.requested_by))
    return [SendText(say(done).replace("\x00", clip(name, NAME_CHARS))), *uow.notes]


async def moderator_text(turn: Turn, data: dict[str, Any], text: str) -> list[Reply]:
    """The reason for a rejection or the question to the owner, typed after pressing the button."""
    store = flow_store(turn.app)
    await store.clear(turn.event.user_id)
    if not await is_moderator(turn.app, turn.event.user_id):
        return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    item = await _open_item(turn, str(data.get("item", "")))
    if item is None:
        return [SendText(say(turn.t("This item is already decided or gone.")))]
    async with turn.app.sessions() as session:
        business = await session.get(Business, item.business_id)
        name = business.name if business else ""
    note = text.strip()[:1000]
    owners = (
        [item.requested_by]
        if item.kind == "claim" and item.requested_by
        else await _owners(turn, item.business_id)
    )
    if data.get("action") == "ask":
        notes = await _tell(
            turn,
            owners,
            "A moderator asks about {name}: {question}",
            answer_item=item.id,
            name=name,
            question=note,
        )
        return [SendText(say(turn.t("Sent to the owner."))), *notes]
    async with unit_of_work(turn.app) as uow:
        await _decide(turn, uow, item.id, "rejected", note)
        if item.kind == "listing":
            await ownership.set_status(uow.session, item.business_id, "draft", turn.now)
            message = "Your listing {name} was not approved. The moderator says: {reason} You can change it with /mybusiness and submit it again."
        elif item.kind == "revision":
            message = _(
                "Your change to {name} was not approved; residents keep seeing the earlier version. The moderator says: {reason}"
            )
        else:
            message = "Your claim of {name} was not approved. The moderator says: {reason}"
        uow.notify(partial(_tell, turn, owners, message, name=name, reason=note))
    return [SendText(say(turn.t("Rejected; the owner is told why."))), *uow.notes]


async def owner_answer(turn: Turn, item_id: int, text: str) -> list[Reply]:
    """An owner's answer to a moderator's question goes to every moderator."""
    item = await _open_item(turn, str(item_id))
    if item is None:
        return [SendText(say(turn.t("This item is already decided or gone.")))]
    allowed = item.requested_by == turn.event.user_id or turn.event.user_id in await _owners(
        turn, item.business_id
    )
    if not allowed:
        return [SendText(say(turn.t("Sorry, you cannot do that.")))]
    moderators = await moderator_ids(turn.app)
    notes = await _tell(
        turn,
        moderators,
        "The owner answers (item #{item}): {answer}",
        item=str(item.id),
        answer=text.strip()[:1000],
    )
    card_notes = []
    for admin in moderators:
        card = await item_card(turn, item, await language_of(turn, admin))
        if card is not None:
            card_notes.append(Notify(admin, card))
    return [SendText(say(turn.t("Thank you, your answer went to the moderators."))), *notes, *card_notes]


async def report(turn: Turn, data: callbacks.Report) -> list[Reply]:
    """The Report button under a Story: the reasons to choose from."""
    business = turn.app.search.by_ref(data.ref)
    if business is None:
        return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]
    labels = {
        "closed": turn.t("It has closed"),
        "wrong": turn.t("Wrong information"),
        "spam": turn.t("Spam"),
    }
    rows = tuple(
        (Button(labels[key], data=callbacks.ReportReason(data.ref, key).pack()),) for key in REPORT_REASONS
    )
    text = turn.t("What is wrong with {name}?", name="\x00")
    return [
        AnswerCallback(),
        SendText(say(text).replace("\x00", clip(business.name, NAME_CHARS)), buttons=rows),
    ]


async def report_reason(turn: Turn, data: callbacks.ReportReason) -> list[Reply]:
    """A reason chosen: an anonymous report, one per person, business and day."""
    business = turn.app.search.by_ref(data.ref)
    if business is None or data.reason not in REPORT_REASONS:
        return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]
    notes = await submit(turn, "report", business.id, None, data.reason, reporter_key(turn))
    return [AnswerCallback(), SendText(say(turn.t("Thank you. A moderator will look at it."))), *notes]


def report_row(turn: Turn, ref: str) -> tuple[Button, ...] | None:
    """The Report button this feature adds under a Story in a private chat."""
    if not turn.private:
        return None
    return (Button(turn.t("Report"), data=callbacks.Report(ref).pack()),)


ROUTER = Router(
    "moderation",
    commands={"moderate": queue},
    steady=frozenset({"moderate"}),
    buttons={
        **dict.fromkeys(DECISIONS, pressed),
        callbacks.QueuePage: page,
        callbacks.Report: report,
        callbacks.ReportReason: report_reason,
    },
    extras={"story": report_row},
    groups=False,
)
