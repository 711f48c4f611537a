"""/mybusiness: an owner's listings with an edit button per field, and every action on them.

Buttons carry a business's ``short_ref``; it is resolved only among the businesses the person holds a
role in, so a forged or replayed button aimed at someone else's business finds nothing and is refused.
Owner-only actions (people, delete, export) check the role as well.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog import ownership
from catalog.export import export_account, export_catalogue, export_jsonld
from catalog.models import Business, BusinessRole, ModerationItem
from catalog.views import BusinessView
from concierge import callbacks, moderation
from concierge.conversation.context import Turn
from concierge.conversation.render import NAME_CHARS, clip, join_blocks, say, story_blocks
from concierge.deeplinks import short_ref
from concierge.events import AnswerCallback, Button, Notify, Reply, SendDocument, SendPhoto, SendText
from concierge.hours_text import describe
from concierge.i18n import Translate, _, translator
from concierge.owners import checks, dates, flow, revisions, wanted
from concierge.uow import unit_of_work

MANAGERS = frozenset({"owner", "coowner"})
"""Roles that see People and Export; see docs/roles.md."""
OWNER_ONLY = frozenset({"invo", "delete"})
"""Actions only an owner may take (besides removing people and handing over, checked where done)."""
EDIT_GROUPS = flow.PARTS
"""The owner card's edit buttons: the listing flow's parts, in its order."""


async def mine(turn: Turn, ref: str) -> tuple[BusinessView, str] | None:
    """The caller's business behind ``ref`` and their role, or None (not theirs, or gone)."""
    async with turn.app.sessions() as session:
        for business, role in await ownership.businesses_of(session, turn.event.user_id):
            if short_ref(business.id) == ref:
                return BusinessView.from_model(business), role
    return None


async def my_businesses(turn: Turn) -> list[tuple[BusinessView, str]]:
    async with turn.app.sessions() as session:
        return [
            (BusinessView.from_model(b), role)
            for b, role in await ownership.businesses_of(session, turn.event.user_id)
        ]


def refused(turn: Turn) -> list[Reply]:
    return [AnswerCallback(turn.t("Sorry, you cannot do that."), alert=True)]


def status_text(turn: Turn, status: str) -> str:
    t = turn.t
    return {
        "draft": t("Draft: not visible to residents."),
        "pending": t("Waiting for a moderator: not visible yet."),
        "published": t("Published: residents can find it."),
        "suspended": t("Taken offline by a moderator."),
    }.get(status, status)


def card(turn: Turn, business: BusinessView, role: str, waiting: Sequence[str] = ()) -> SendText:
    """The owner's view of a listing; ``waiting`` names the fields of a change a moderator has yet to
    approve (residents still see the approved values shown here)."""
    t = turn.t
    in_words = describe(business.opening_hours, turn.lang) if business.opening_hours else ""
    blocks = [*story_blocks(dataclasses.replace(business, opening_hours=in_words), t, [])]
    blocks.insert(1, f"<i>{say(status_text(turn, business.status))}</i>")
    if waiting:
        fields = ", ".join(dict.fromkeys(t(moderation.FIELD_LABELS.get(f, f)) for f in waiting))
        blocks.insert(2, f"<i>{say(t('Waiting for a moderator: {fields}', fields=fields))}</i>")
    kind = turn.taxonomy.name(business.categories, turn.lang) if business.categories else ""
    if kind:
        blocks.append(f"<b>{say(t('Category'))}</b>: {clip(kind, 100)}")
    if business.products:
        names = ", ".join(
            p.name + (f" ({t('sold out')})" if p.sold_out else "") for p in business.products[:60]
        )
        blocks.append(f"<b>{say(t('Products'))}</b>: {clip(names, 1200)}")
    if business.closed_until or business.closed_from:
        today = turn.now.date()
        start = dates.in_words(business.closed_from, turn.lang, today) if business.closed_from else "…"
        end = dates.in_words(business.closed_until, turn.lang, today) if business.closed_until else "…"
        blocks.append(say(t("Temporarily closed: {start} to {end}", start=start, end=end)))
    if business.special_hours:
        days = "; ".join(
            f"{dates.iso_in_words(day, turn.lang, turn.now.date())} "
            + (t("closed") if hours == "off" else dates.hours_in_words(hours))
            for day, hours in sorted(business.special_hours.items())[:10]
        )
        blocks.append(f"<b>{say(t('Special days'))}</b>: {clip(days, 400)}")
    blocks.append(
        say(t("Quick changes: “+ spelt bread”, “- rye bread”, “sold out: croissants”, “back: croissants”."))
    )
    ref = short_ref(business.id)
    labels = flow.group_labels(turn)
    edit = [
        Button(f"✏️ {labels[group]}", data=callbacks.EditGroup(ref, group).pack()) for group in EDIT_GROUPS
    ]
    rows: list[tuple[Button, ...]] = [tuple(edit[i : i + 3]) for i in range(0, len(edit), 3)]
    rows.append(
        (
            Button(t("Closed for a while"), data=callbacks.BusinessAction(ref, "closed").pack()),
            Button(t("Special days"), data=callbacks.BusinessAction(ref, "special").pack()),
        )
    )
    rows.append(
        (
            Button(t("Partners"), data=callbacks.BusinessAction(ref, "partners").pack()),
            Button(t("All still correct"), data=callbacks.BusinessAction(ref, "confirm").pack()),
        )
    )
    if business.status == "draft":
        rows.append((Button(t("Submit for review"), data=callbacks.BusinessAction(ref, "submit").pack()),))
    if role in MANAGERS:
        rows.append(
            (
                Button(t("People"), data=callbacks.BusinessAction(ref, "people").pack()),
                Button(t("Export my data"), data=callbacks.BusinessAction(ref, "export").pack()),
            )
        )
    if role == "owner":
        rows.append((Button(t("Delete my business"), data=callbacks.BusinessAction(ref, "delete").pack()),))
    return SendText(join_blocks(blocks), buttons=tuple(rows))


def start_menu(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    t = turn.t
    return (
        (Button(t("Create a new listing"), data=callbacks.NewListing().pack()),),
        (Button(t("Claim an existing listing"), data=callbacks.ClaimListing().pack()),),
        (Button(t("I have an invite code"), data=callbacks.InviteCode().pack()),),
    )


async def overview(turn: Turn) -> list[Reply]:
    mine_all = await my_businesses(turn)
    if not mine_all:
        text = turn.t("You do not have a listing yet. What would you like to do?")
        return [SendText(say(text), buttons=start_menu(turn))]
    async with unit_of_work(turn.app) as uow:
        await ownership.ensure_owner(uow.session, turn.event.user_id, turn.lang)
    async with turn.app.sessions() as session:
        revisions_open = await session.scalars(
            select(ModerationItem).where(
                ModerationItem.kind == "revision",
                ModerationItem.status == "open",
                ModerationItem.business_id.in_([b.id for b, _ in mine_all]),
            )
        )
        waiting = {item.business_id: list(item.changes) for item in revisions_open}
    replies: list[Reply] = [card(turn, b, role, waiting.get(b.id, ())) for b, role in mine_all]
    replies += await wanted.wanted_for(turn, [business for business, _ in mine_all])
    more = ((Button(turn.t("Add another business"), data=callbacks.NewListing().pack()),),)
    replies.append(SendText(say(turn.t("Press a button to change something.")), buttons=more))
    return replies


# -- quick product commands -------------------------------------------------------------------------


async def quick(turn: Turn, kind: str, rest: str) -> list[Reply] | None:
    """Applies a quick product command to the person's listing; None when they hold none."""
    mine_all = await my_businesses(turn)
    if not mine_all:
        return None
    business = mine_all[0][0]
    try:
        names = checks.product_lines(rest)
    except checks.Invalid:
        return [SendText(say(turn.t("Each product can be at most 80 characters.")))]
    if not names:
        return None
    if kind == "add" and (refusal := revisions.product_refusal(turn, names)) is not None:
        return refusal
    try:
        async with unit_of_work(turn.app) as uow:
            session = uow.session
            before = [p.name for p in (await ownership.load(session, business.id)).products]
            if kind == "add":
                changed = await ownership.add_products(
                    session, business.id, names, turn.lang, turn.now, turn.app.search.kind_of
                )
                message = turn.t("Added to {name}: {products}", name="\x00", products="\x01")
            elif kind == "remove":
                changed = await ownership.remove_products(session, business.id, names, turn.now)
                message = turn.t("Removed from {name}: {products}", name="\x00", products="\x01")
            else:
                changed = await ownership.set_sold_out(
                    session, business.id, names, kind == "sold_out", turn.now
                )
                message = (
                    turn.t("Marked as sold out at {name}: {products}", name="\x00", products="\x01")
                    if kind == "sold_out"
                    else turn.t("Available again at {name}: {products}", name="\x00", products="\x01")
                )
            uow.changed_catalogue()
            if changed and kind in {"add", "remove"}:
                current = [p.name for p in (await ownership.load(session, business.id)).products]
                await revisions.record_products(turn, uow, business.id, before, current)
    except ownership.OwnershipError as error:
        return [SendText(say(problem_text(turn, error.code)))]
    if not changed:
        return [
            SendText(say(turn.t("Nothing changed: those products are not on the list, or already there.")))
        ]
    text = (
        say(message)
        .replace("\x00", clip(business.name, NAME_CHARS))
        .replace("\x01", clip(", ".join(changed), 1500))
    )
    return [SendText(text), *uow.notes]


def problem_text(turn: Turn, code: str) -> str:
    t = turn.t
    return {
        "conflict": t(
            "Someone else changed this listing in the meantime, so your change was not saved. Please look at the listing and try again."
        ),
        "too_many_products": t(
            "That makes more than 200 products. Keep the list to the 200 that matter most."
        ),
        "product_too_long": t("Each product can be at most 80 characters."),
        "invalid_code": t("That invite code is not valid, already used or expired."),
        "already_owned": t("That listing already has an owner. Ask them for an invite code."),
        "owner_stays": t("An owner cannot be removed. Hand over ownership first."),
        "not_found": t("Sorry, you cannot do that."),
    }.get(code, t("That did not work. Please try again."))


# -- actions ----------------------------------------------------------------------------------------


def ask_input(turn: Turn, text: str, example: str = "") -> SendText:
    body = say(text)
    if example:
        body += f"\n<i>{say(turn.t('For example: {example}', example=example))}</i>"
    return SendText(body, buttons=((Button(turn.t("Cancel"), data=callbacks.Cancel().pack()),),))


async def export_files(turn: Turn, business: BusinessView) -> list[Reply]:
    """Everything about the listing: catalogue JSON and JSON-LD (which read back), the people and their
    roles, the moderation history and the daily statistics as CSV, and the photo itself."""
    settings = turn.app.settings
    catalogue = await export_catalogue(turn.app.sessions, business.id)
    linked = await export_jsonld(
        turn.app.sessions, business.id, base_url=settings.public_url, bot_username=settings.bot_username
    )
    caption = say(turn.t("Your listing as catalogue JSON and as schema.org JSON-LD."))
    replies: list[Reply] = [
        SendDocument(
            f"{business.id}.json", json.dumps(catalogue, ensure_ascii=False, indent=2).encode(), caption
        ),
        SendDocument(f"{business.id}.jsonld", json.dumps(linked, ensure_ascii=False, indent=2).encode()),
    ]
    captions = {
        "roles": turn.t("Who keeps the listing, with their roles."),
        "moderation": turn.t("The moderators' decisions about it, with each change before and after."),
        "statistics": turn.t("How often residents saw, opened, mapped and shared it, per day."),
    }
    for filename, text in (await export_account(turn.app.sessions, business.id)).items():
        kind = filename.rsplit("-", 1)[1].removesuffix(".csv")
        replies.append(SendDocument(filename, text.encode(), say(captions[kind])))
    if business.photo:
        replies.append(SendPhoto(business.photo, say(turn.t("Your photo, as residents see it."))))
    return replies


def role_name(t: Translate, role: str) -> str:
    return {"owner": t("owner"), "coowner": t("co-owner")}.get(role, t("staff"))


async def people(turn: Turn, business: BusinessView, my_role: str = "owner") -> list[Reply]:
    """Who keeps the listing; an owner may remove co-owners and staff and make them owner, a co-owner
    may only invite staff (docs/roles.md)."""
    t = turn.t
    ref = short_ref(business.id)
    async with turn.app.sessions() as session:
        members = await ownership.people_of(session, business.id)
    lines = [f"<b>{clip(business.name, NAME_CHARS)}</b>"]
    rows: list[tuple[Button, ...]] = []
    for user_id, role in members:
        me = f" ({t('you')})" if user_id == turn.event.user_id else ""
        lines.append(say(f"• {t('Telegram user {id}', id=user_id)}: {role_name(t, role)}{me}"))
        if user_id != turn.event.user_id and my_role == "owner" and role != "owner":
            rows.append(
                (Button(t("Remove {id}", id=user_id), data=callbacks.RemovePerson(ref, user_id).pack()),)
            )
            rows.append(
                (Button(t("Make {id} the owner", id=user_id), data=callbacks.HandOver(ref, user_id).pack()),)
            )
    invites = [Button(t("Invite staff"), data=callbacks.BusinessAction(ref, "invs").pack())]
    if my_role == "owner":
        invites.append(Button(t("Invite a co-owner"), data=callbacks.BusinessAction(ref, "invo").pack()))
    rows.append(tuple(invites))
    return [SendText("\n".join(lines), buttons=tuple(rows))]


async def invite(turn: Turn, business: BusinessView, role: str) -> list[Reply]:
    async with unit_of_work(turn.app) as uow:
        code = await ownership.create_invite(uow.session, business.id, turn.event.user_id, role, turn.now)
    text = turn.t(
        "Invite code: {code}\nGive it to the person you invite. They send /mybusiness {code} to me. "
        "It works once, for 7 days.",
        code=code,
    )
    return [SendText(say(text))]


async def redeem(turn: Turn, code: str) -> list[Reply]:
    try:
        async with unit_of_work(turn.app) as uow:
            session = uow.session
            business_id, role = await ownership.redeem_invite(
                session, code, turn.event.user_id, turn.lang, turn.now
            )
            business = await session.get(Business, business_id)
            name = business.name if business else business_id
            others = list(
                await session.scalars(
                    select(BusinessRole.user_id).where(
                        BusinessRole.business_id == business_id, BusinessRole.user_id != turn.event.user_id
                    )
                )
            )
            for other in others:
                t_other = translator(await _language(turn, session, other))
                note = t_other(
                    "Telegram user {id} joined {name} with your invite code.",
                    id=turn.event.user_id,
                    name="\x00",
                )
                uow.notify(Notify(other, SendText(say(note).replace("\x00", clip(name, NAME_CHARS)))))
    except ownership.OwnershipError as error:
        return [SendText(say(problem_text(turn, error.code)))]
    text = say(
        turn.t("Welcome! You are now {role} of {name}.", role=role_name(turn.t, role), name="\x00")
    ).replace("\x00", clip(name, NAME_CHARS))
    return [SendText(text), *await overview(turn), *uow.notes]


async def _language(turn: Turn, session: AsyncSession, user_id: int) -> str:
    return await ownership.owner_language(session, user_id) or turn.app.settings.default_language


async def change_person(turn: Turn, action: str, ref: str, user_id: str) -> list[Reply]:
    found = await mine(turn, ref)
    if found is None or found[1] != "owner" or not user_id.isdigit():
        return refused(turn)
    business = found[0]
    try:
        async with unit_of_work(turn.app) as uow:
            if action == "rm":
                await ownership.remove_person(uow.session, business.id, int(user_id))
            else:
                await ownership.hand_over(uow.session, business.id, turn.event.user_id, int(user_id))
    except ownership.OwnershipError as error:
        return [AnswerCallback(), SendText(say(problem_text(turn, error.code)))]
    done = turn.t("Done.")
    return [AnswerCallback(), SendText(say(done)), *await people(turn, business)]


async def delete_confirmed(turn: Turn, ref: str) -> list[Reply]:
    """Only an owner deletes; everyone else who kept the listing is told who did."""
    found = await mine(turn, ref)
    if found is None or found[1] != "owner":
        return refused(turn)
    name = clip(found[0].name, NAME_CHARS)
    async with unit_of_work(turn.app) as uow:
        session = uow.session
        others = [
            uid for uid, _ in await ownership.people_of(session, found[0].id) if uid != turn.event.user_id
        ]
        for other in others:
            t_other = translator(await _language(turn, session, other))
            note = t_other(
                _("Telegram user {id}, an owner, deleted {name} and everything about it."),
                id=turn.event.user_id,
                name="\x00",
            )
            uow.notify(Notify(other, SendText(say(note).replace("\x00", name))))
        await ownership.delete_business(session, found[0].id)
        await ownership.retire_if_unused(session, turn.event.user_id)
        uow.changed_catalogue()
    text = turn.t("{name} and everything about it is deleted.", name="\x00")
    return [AnswerCallback(), SendText(say(text).replace("\x00", name)), *uow.notes]


async def save_fields(
    turn: Turn, business_id: str, version: int, changes: dict[str, Any]
) -> list[Reply] | None:
    """Saves with the version check (after approval, reviewed fields wait for a moderator:
    :mod:`concierge.owners.revisions`). None when simply saved; else all the replies to show
    (someone else was quicker, the change waits, or the moderators' feed is told)."""
    try:
        notes, pending = await revisions.save_fields(turn, business_id, version, changes)
    except ownership.VersionConflict:
        return [SendText(say(problem_text(turn, "conflict"))), *await overview(turn)]
    if pending:
        return [*notes, *await overview(turn)]
    return [SendText(say(turn.t("Saved."))), *await overview(turn), *notes] if notes else None


async def save_products(turn: Turn, business_id: str, names: list[str]) -> list[Reply] | None:
    """The whole product list replaced after the checks; None when simply saved, else all the
    replies to show (a refused line, or the moderators' feed is told)."""
    refusal = revisions.product_refusal(turn, names)
    if refusal is not None:
        return [*refusal, *await overview(turn)]
    notes = await revisions.save_products(turn, business_id, names)
    return [SendText(say(turn.t("Saved."))), *await overview(turn), *notes] if notes else None
