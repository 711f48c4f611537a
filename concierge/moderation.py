"""Moderators keep the neighbourhood clean: new listings, claims and residents' reports in one queue.

Only the user ids in ``CONCIERGE_ADMIN_IDS`` may moderate; every action checks that here, in the core,
whatever button or replayed message it arrives by. Decisions are told to the owners in their own
language through ``Notify`` replies. Residents' reports are anonymous: the item keeps no reporter.

Callback data: ``mod:a:<item>`` approve, ``mod:r:<item>`` reject (a reason follows as text),
``mod:q:<item>`` ask the owner a question (the question follows); ``rep:<ref>`` and
``rep:<ref>:<reason>`` report a listing.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog import ownership
from catalog.models import Business, ModerationItem
from catalog.repository import get_business
from concierge.app import App
from concierge.conversation.context import Turn
from concierge.conversation.render import NAME_CHARS, clip, join_blocks, say, story_blocks
from concierge.events import AnswerCallback, Button, Notify, Reply, SendText
from concierge.i18n import translator
from concierge.owners.store import flow_store

REPORT_REASONS = ("closed", "wrong", "spam")
QUEUE_PAGE = 5


def is_moderator(app: App, user_id: int) -> bool:
    return user_id in app.settings.admin_ids


async def language_of(turn: Turn, user_id: int) -> str:
    async with turn.app.sessions() as session:
        language = await ownership.owner_language(session, user_id)
    if language:
        return language
    profile = await turn.store.load(user_id, turn.now)
    return profile.language or turn.app.settings.default_language


def _kind_label(t: Any, item: ModerationItem) -> str:
    if item.kind == "listing":
        return str(t("New listing"))
    if item.kind == "claim":
        return str(t("Claim of an existing listing"))
    reasons = {"closed": t("closed"), "wrong": t("wrong information"), "spam": t("spam")}
    return str(t("Report by a resident: {reason}", reason=reasons.get(item.reason, item.reason)))


async def item_card(turn: Turn, item: ModerationItem, lang: str) -> SendText | None:
    t = translator(lang)
    async with turn.app.sessions() as session:
        business = await get_business(session, item.business_id)
    if business is None:
        return None
    blocks = [f"<b>{say(_kind_label(t, item))}</b> #{item.id}", *story_blocks(business, t, [])]
    if business.products:
        blocks.append(clip(", ".join(p.name for p in business.products[:40]), 800))
    if item.note:
        blocks.append(f"<i>{clip(item.note, 500)}</i>")
    report = item.kind == "report"
    rows = (
        (
            Button(t("Suspend listing") if report else t("Approve"), data=f"mod:a:{item.id}"),
            Button(t("Dismiss") if report else t("Reject"), data=f"mod:r:{item.id}"),
        ),
        (Button(t("Ask the owner"), data=f"mod:q:{item.id}"),) if not report else (),
    )
    return SendText(join_blocks(blocks), buttons=tuple(row for row in rows if row))


async def notify_moderators(turn: Turn, item: ModerationItem) -> list[Reply]:
    notes: list[Reply] = []
    for admin in sorted(turn.app.settings.admin_ids):
        card = await item_card(turn, item, await language_of(turn, admin))
        if card is not None:
            notes.append(Notify(admin, card))
    return notes


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
        async with turn.app.sessions.begin() as session:
            item = ModerationItem(
                kind=kind,
                business_id=business_id,
                requested_by=requested_by,
                reason=reason,
                reporter_key=reporter,
            )
            session.add(item)
            await session.flush()
            await session.refresh(item)
            session.expunge(item)
    except IntegrityError:
        if reporter is None:
            raise
        return []
    return await notify_moderators(turn, item)


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


async def queue(turn: Turn) -> list[Reply]:
    if not is_moderator(turn.app, turn.event.user_id):
        return [SendText(say(turn.t("This command is for the neighbourhood's moderators.")))]
    async with turn.app.sessions() as session:
        items = list(
            await session.scalars(
                select(ModerationItem)
                .where(ModerationItem.status == "open")
                .order_by(ModerationItem.created_at, ModerationItem.id)
                .limit(QUEUE_PAGE)
            )
        )
        total = len(items)
    if not total:
        return [SendText(say(turn.t("The queue is empty. Thank you!")))]
    replies: list[Reply] = [SendText(say(turn.t("Open items: {n}", n=total)))]
    for item in items:
        card = await item_card(turn, item, turn.lang)
        if card is not None:
            replies.append(card)
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
        buttons = ((Button(t("Answer"), data=f"o:ans:{answer_item}"),),) if answer_item is not None else ()
        notes.append(Notify(user_id, SendText(text, buttons=buttons)))
    return notes


async def _close(turn: Turn, item_id: int, status: str, note: str = "") -> None:
    async with turn.app.sessions.begin() as session:
        item = await session.get(ModerationItem, item_id)
        if item is not None:
            item.status = status
            item.decided_at = turn.now
            if note:
                item.note = note[:2000]


async def pressed(turn: Turn, data: str) -> list[Reply]:
    """``mod:<a|r|q>:<item>``: only moderators, only open items."""
    if not is_moderator(turn.app, turn.event.user_id):
        return refused(turn)
    _, action, item_id = ([*data.split(":"), "", ""])[:3]
    item = await _open_item(turn, item_id)
    if item is None or action not in {"a", "r", "q"}:
        return [AnswerCallback(turn.t("This item is already decided or gone."))]
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
    return [AnswerCallback(), SendText(say(ask), buttons=((Button(turn.t("Cancel"), data="o:cancel"),),))]


async def approve(turn: Turn, item: ModerationItem) -> list[Reply]:
    owners: list[int]
    async with turn.app.sessions.begin() as session:
        business = await session.get(Business, item.business_id)
        if business is None:
            return [SendText(say(turn.t("This item is already decided or gone.")))]
        name = business.name
        if item.kind == "listing":
            await ownership.set_status(session, item.business_id, "published", turn.now)
        elif item.kind == "claim" and item.requested_by is not None:
            await ownership.add_role(session, item.business_id, item.requested_by, "owner")
            business.confirmed_at = turn.now
        elif item.kind == "report":
            await ownership.set_status(session, item.business_id, "suspended", turn.now)
    await _close(turn, item.id, "approved")
    await turn.app.refresh_search()
    owners = await _owners(turn, item.business_id)
    if item.kind == "listing":
        notes = await _tell(
            turn,
            owners,
            "Good news: your listing {name} is approved and residents can find it now.",
            name=name,
        )
        done = turn.t("Approved: {name} is published.", name="\x00")
    elif item.kind == "claim":
        notes = await _tell(
            turn,
            owners,
            "Your claim of {name} is approved. Use /mybusiness to keep it up to date.",
            name=name,
        )
        done = turn.t("Approved: the claim of {name}.", name="\x00")
    else:
        notes = await _tell(
            turn,
            owners,
            "After a report from a resident, a moderator has taken {name} offline for now. Use /mybusiness to correct it.",
            name=name,
        )
        done = turn.t("Suspended: {name}.", name="\x00")
    return [SendText(say(done).replace("\x00", clip(name, NAME_CHARS))), *notes]


async def moderator_text(turn: Turn, data: dict[str, Any], text: str) -> list[Reply]:
    """The reason for a rejection or the question to the owner, typed after pressing the button."""
    store = flow_store(turn.app)
    await store.clear(turn.event.user_id)
    if not is_moderator(turn.app, turn.event.user_id):
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
    await _close(turn, item.id, "rejected", note)
    if item.kind == "listing":
        async with turn.app.sessions.begin() as session:
            await ownership.set_status(session, item.business_id, "draft", turn.now)
        message = "Your listing {name} was not approved. The moderator says: {reason} You can change it with /mybusiness and submit it again."
    else:
        message = "Your claim of {name} was not approved. The moderator says: {reason}"
    notes = await _tell(turn, owners, message, name=name, reason=note)
    return [SendText(say(turn.t("Rejected; the owner is told why."))), *notes]


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
    notes = await _tell(
        turn,
        sorted(turn.app.settings.admin_ids),
        "The owner answers (item #{item}): {answer}",
        item=str(item.id),
        answer=text.strip()[:1000],
    )
    card_notes = []
    for admin in sorted(turn.app.settings.admin_ids):
        card = await item_card(turn, item, await language_of(turn, admin))
        if card is not None:
            card_notes.append(Notify(admin, card))
    return [SendText(say(turn.t("Thank you, your answer went to the moderators."))), *notes, *card_notes]


async def report(turn: Turn, data: str) -> list[Reply]:
    """``rep:<ref>`` offers the reasons; ``rep:<ref>:<reason>`` files an anonymous report."""
    _, ref, reason = ([*data.split(":"), "", ""])[:3]
    business = turn.app.search.by_ref(ref)
    if business is None:
        return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]
    if not reason:
        labels = {
            "closed": turn.t("It has closed"),
            "wrong": turn.t("Wrong information"),
            "spam": turn.t("Spam"),
        }
        rows = tuple((Button(labels[key], data=f"rep:{ref}:{key}"),) for key in REPORT_REASONS)
        text = turn.t("What is wrong with {name}?", name="\x00")
        return [
            AnswerCallback(),
            SendText(say(text).replace("\x00", clip(business.name, NAME_CHARS)), buttons=rows),
        ]
    if reason not in REPORT_REASONS:
        return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]
    notes = await submit(turn, "report", business.id, None, reason, reporter_key(turn))
    return [AnswerCallback(), SendText(say(turn.t("Thank you. A moderator will look at it."))), *notes]


def report_button(turn: Turn, ref: str) -> Button:
    return Button(turn.t("Report"), data=f"rep:{ref}")
