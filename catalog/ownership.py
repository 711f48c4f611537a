"""The write side of the catalogue for owners and moderators.

Every function takes an open ``AsyncSession`` and leaves committing to the caller, so one chat action is
one transaction. Authorisation (who may call what) is the conversation's job; these functions only keep
the data consistent: a version check against lost updates, merged duplicate products, one-time invites,
unconfirmed partner links, and deleting everything that belongs to a business.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from catalog import fields as registry
from catalog.fields import DELIVERY
from catalog.importers.records import slugify
from catalog.models import (
    ROLES,
    STATUSES,
    Business,
    BusinessRole,
    DailyCount,
    Feature,
    Invite,
    ModerationItem,
    Owner,
    Partner,
    Product,
)

MAX_PRODUCTS = 200
MAX_PRODUCT_CHARS = 80
INVITE_TTL = dt.timedelta(days=7)
EDITABLE = registry.editable()
REVIEWED = registry.reviewed()
"""What residents read verbatim: once a listing is published, changes to these wait for a moderator."""
DATE_FIELDS = registry.of_kind("date")
PRODUCTS = "products"
"""The key of the product list in a change record (a list of names)."""


class OwnershipError(Exception):
    """A request the data does not allow; ``code`` names the reason for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class VersionConflict(OwnershipError):
    """Someone else changed the listing since it was shown; the change was not saved."""

    def __init__(self) -> None:
        super().__init__("conflict")


def fold(text: str) -> str:
    """Case- and accent-insensitive form used to merge duplicates ("Croissants" = "croissants ")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def merge_names(existing: Iterable[str], new: Iterable[str]) -> list[str]:
    """``new`` names not already in ``existing`` (nor twice in ``new``), cleaned, in order."""
    seen = {fold(name) for name in existing}
    merged = []
    for name in new:
        clean = " ".join(name.split())
        key = fold(clean)
        if key and key not in seen:
            seen.add(key)
            merged.append(clean)
    return merged


async def load(session: AsyncSession, business_id: str) -> Business:
    business = await session.get(Business, business_id, options=[selectinload(Business.products)])
    if business is None:
        raise OwnershipError("not_found")
    return business


async def ensure_owner(session: AsyncSession, user_id: int, language: str) -> Owner:
    owner = await session.get(Owner, user_id)
    if owner is None:
        owner = Owner(user_id=user_id, language=language)
        session.add(owner)
    elif language and owner.language != language:
        owner.language = language
    return owner


async def owner_language(session: AsyncSession, user_id: int) -> str:
    owner = await session.get(Owner, user_id)
    return owner.language if owner is not None else ""


async def role_of(session: AsyncSession, business_id: str, user_id: int) -> str | None:
    return await session.scalar(
        select(BusinessRole.role).where(
            BusinessRole.business_id == business_id, BusinessRole.user_id == user_id
        )
    )


async def businesses_of(session: AsyncSession, user_id: int) -> list[tuple[Business, str]]:
    rows = await session.execute(
        select(Business, BusinessRole.role)
        .join(BusinessRole, BusinessRole.business_id == Business.id)
        .where(BusinessRole.user_id == user_id)
        .options(selectinload(Business.products))
        .order_by(Business.name)
    )
    return [(business, role) for business, role in rows]


async def people_of(session: AsyncSession, business_id: str) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(BusinessRole.user_id, BusinessRole.role)
        .where(BusinessRole.business_id == business_id)
        .order_by(BusinessRole.user_id)
    )
    return [(user_id, role) for user_id, role in rows]


ProductKind = Callable[[str, str], str]
"""Whether an owner's line (name, language) is a ``product`` or a ``service``; the catalogue does not
read language itself, so the caller that does (the search's lexicon) decides."""


def _product(name: str, language: str) -> str:
    return "product"


def _new_products(names: Iterable[str], language: str, kind_of: ProductKind, start: int = 0) -> list[Product]:
    return [
        Product(name=name, kind=kind_of(name, language), language=language, position=start + i)
        for i, name in enumerate(names)
    ]


async def _free_id(session: AsyncSession, name: str) -> str:
    base = slugify(name) or "business"
    candidate, n = base, 1
    while await session.get(Business, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def create_draft(
    session: AsyncSession,
    user_id: int,
    language: str,
    fields: Mapping[str, Any],
    products: Iterable[str] = (),
    area_id: str | None = None,
    kind_of: ProductKind = _product,
) -> Business:
    """A new business in status ``draft`` with ``user_id`` as its owner; never visible to residents."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    await ensure_owner(session, user_id, language)
    business = Business(
        id=await _free_id(session, str(fields["name"])),
        area_id=area_id,
        status="draft",
        story_language=language,
        languages=[language],
        **{key: value for key, value in fields.items() if key not in {"story_language", "languages"}},
    )
    session.add(business)
    business.products = _new_products(merge_names((), products), language, kind_of)
    session.add(BusinessRole(business_id=business.id, user_id=user_id, role="owner"))
    await session.flush()
    return business


async def update_fields(
    session: AsyncSession,
    business_id: str,
    expected_version: int,
    changes: Mapping[str, Any],
    now: dt.datetime,
) -> Business:
    """Applies ``changes`` when the listing is still at ``expected_version``, else :class:`VersionConflict`.

    The ORM's version column checks again at flush, so a change committed between this read and the
    write is refused too.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "delivery" in changes and changes["delivery"] not in DELIVERY:
        raise ValueError("delivery")
    business = await load(session, business_id)
    if business.version != expected_version:
        raise VersionConflict()
    for key, value in changes.items():
        setattr(business, key, value)
    business.confirmed_at = now
    try:
        await session.flush()
    except StaleDataError as error:
        raise VersionConflict() from error
    return business


async def confirm(session: AsyncSession, business_id: str, now: dt.datetime) -> None:
    """The owner says the listing is still right (freshness)."""
    business = await load(session, business_id)
    business.confirmed_at = now
    business.nudged_at = None


def _touch(business: Business, now: dt.datetime) -> None:
    """Product edits bump the version too, so a form shown before them is known to be stale."""
    business.confirmed_at = now
    business.updated_at = now


async def add_products(
    session: AsyncSession,
    business_id: str,
    names: Iterable[str],
    language: str,
    now: dt.datetime,
    kind_of: ProductKind = _product,
) -> list[str]:
    """Adds the names not already there (duplicates merged); a sold-out product named again is back."""
    business = await load(session, business_id)
    wanted = [" ".join(name.split()) for name in names if name.strip()]
    if any(len(name) > MAX_PRODUCT_CHARS for name in wanted):
        raise OwnershipError("product_too_long")
    by_key = {fold(p.name): p for p in business.products}
    for name in wanted:
        product = by_key.get(fold(name))
        if product is not None:
            product.sold_out = False
    added = merge_names((p.name for p in business.products), wanted)
    if len(business.products) + len(added) > MAX_PRODUCTS:
        raise OwnershipError("too_many_products")
    start = max((p.position for p in business.products), default=-1) + 1
    business.products.extend(_new_products(added, language, kind_of, start))
    _touch(business, now)
    await session.flush()
    return added


async def remove_products(
    session: AsyncSession, business_id: str, names: Iterable[str], now: dt.datetime
) -> list[str]:
    business = await load(session, business_id)
    keys = {fold(name) for name in names}
    removed = [p for p in business.products if fold(p.name) in keys]
    for product in removed:
        business.products.remove(product)
    _touch(business, now)
    await session.flush()
    return [p.name for p in removed]


async def set_sold_out(
    session: AsyncSession, business_id: str, names: Iterable[str], sold_out: bool, now: dt.datetime
) -> list[str]:
    business = await load(session, business_id)
    keys = {fold(name) for name in names}
    changed = [p for p in business.products if fold(p.name) in keys]
    for product in changed:
        product.sold_out = sold_out
    _touch(business, now)
    await session.flush()
    return [p.name for p in changed]


async def replace_products(
    session: AsyncSession,
    business_id: str,
    names: Iterable[str],
    language: str,
    now: dt.datetime,
    kind_of: ProductKind = _product,
) -> None:
    business = await load(session, business_id)
    business.products.clear()
    await session.flush()
    await add_products(session, business_id, names, language, now, kind_of)


async def set_status(session: AsyncSession, business_id: str, status: str, now: dt.datetime) -> Business:
    if status not in STATUSES:
        raise ValueError(status)
    business = await load(session, business_id)
    business.status = status
    if status == "published":
        business.confirmed_at = now
    await session.flush()
    return business


# -- people -----------------------------------------------------------------------------------------


async def add_role(
    session: AsyncSession, business_id: str, user_id: int, role: str, language: str = ""
) -> None:
    if role not in ROLES:
        raise ValueError(role)
    await ensure_owner(session, user_id, language)
    existing = await session.get(BusinessRole, (business_id, user_id))
    if existing is None:
        session.add(BusinessRole(business_id=business_id, user_id=user_id, role=role))
    elif existing.role != "owner":
        existing.role = role
    await session.flush()


async def remove_person(session: AsyncSession, business_id: str, user_id: int) -> None:
    """Removes a co-owner or a staff member; an owner cannot be removed (hand over ownership first)."""
    role = await session.get(BusinessRole, (business_id, user_id))
    if role is None:
        raise OwnershipError("not_found")
    if role.role == "owner":
        raise OwnershipError("owner_stays")
    await session.delete(role)
    await session.flush()


async def hand_over(session: AsyncSession, business_id: str, from_user: int, to_user: int) -> None:
    """``to_user`` (already owner or staff) becomes owner; ``from_user`` stays on as staff."""
    giver = await session.get(BusinessRole, (business_id, from_user))
    taker = await session.get(BusinessRole, (business_id, to_user))
    if giver is None or giver.role != "owner" or taker is None or from_user == to_user:
        raise OwnershipError("not_found")
    taker.role = "owner"
    giver.role = "staff"
    await session.flush()


async def create_invite(
    session: AsyncSession, business_id: str, created_by: int, role: str, now: dt.datetime
) -> str:
    if role not in ROLES:
        raise ValueError(role)
    code = secrets.token_hex(5).upper()
    session.add(
        Invite(
            code=code, business_id=business_id, role=role, created_by=created_by, expires_at=now + INVITE_TTL
        )
    )
    await session.flush()
    return code


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def redeem_invite(
    session: AsyncSession, code: str, user_id: int, language: str, now: dt.datetime
) -> tuple[str, str]:
    """``(business_id, role)`` for a valid unused code, which is then spent; else ``invalid_code``."""
    invite = await session.get(Invite, code.strip().upper()[:32])
    if invite is None or invite.used_at is not None or _aware(invite.expires_at) < now:
        raise OwnershipError("invalid_code")
    invite.used_at = now
    await add_role(session, invite.business_id, user_id, invite.role, language)
    return invite.business_id, invite.role


# -- claims and partners ----------------------------------------------------------------------------


async def request_claim(
    session: AsyncSession, business_id: str, user_id: int, language: str
) -> ModerationItem:
    """A moderation item asking that ``user_id`` becomes owner of an imported business."""
    business = await load(session, business_id)
    if await session.scalar(select(BusinessRole.user_id).where(BusinessRole.business_id == business.id)):
        raise OwnershipError("already_owned")
    pending = await session.scalar(
        select(ModerationItem).where(
            ModerationItem.kind == "claim",
            ModerationItem.business_id == business_id,
            ModerationItem.requested_by == user_id,
            ModerationItem.status == "open",
        )
    )
    if pending is not None:
        return pending
    await ensure_owner(session, user_id, language)
    item = ModerationItem(kind="claim", business_id=business_id, requested_by=user_id)
    session.add(item)
    await session.flush()
    return item


async def request_partner(session: AsyncSession, business_id: str, partner_id: str, note: str) -> Partner:
    """An unconfirmed link; it shows only once the partner's owner confirms it."""
    if business_id == partner_id:
        raise OwnershipError("not_found")
    await load(session, partner_id)
    link = await session.get(Partner, (business_id, partner_id))
    if link is None:
        link = Partner(business_id=business_id, partner_id=partner_id, note=note[:200], confirmed=False)
        session.add(link)
    await session.flush()
    return link


async def confirm_partner(session: AsyncSession, business_id: str, partner_id: str) -> None:
    link = await session.get(Partner, (business_id, partner_id))
    if link is None:
        raise OwnershipError("not_found")
    link.confirmed = True
    await session.flush()


async def decline_partner(session: AsyncSession, business_id: str, partner_id: str) -> None:
    await session.execute(
        delete(Partner).where(Partner.business_id == business_id, Partner.partner_id == partner_id)
    )


async def delete_business(session: AsyncSession, business_id: str) -> None:
    """Removes the business and everything hanging off it, including its usage counts."""
    business = await load(session, business_id)
    for table, column in (
        (Product, Product.business_id),
        (BusinessRole, BusinessRole.business_id),
        (Invite, Invite.business_id),
        (ModerationItem, ModerationItem.business_id),
        (Feature, Feature.business_id),
    ):
        await session.execute(delete(table).where(column == business_id))
    await session.execute(
        delete(Partner).where(or_(Partner.business_id == business_id, Partner.partner_id == business_id))
    )
    await session.execute(delete(DailyCount).where(DailyCount.subject == f"business:{business_id}"))
    session.expunge(business)
    await session.execute(delete(Business).where(Business.id == business_id))


# -- revisions and the change feed ------------------------------------------------------------------


def to_json(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Field values as stored in a moderation item: dates as ISO strings, the rest as they are."""
    return {
        key: (value.isoformat() if isinstance(value, dt.date) else value) for key, value in changes.items()
    }


def from_json(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: (dt.date.fromisoformat(value) if key in DATE_FIELDS and isinstance(value, str) else value)
        for key, value in changes.items()
    }


def snapshot(business: Business, keys: Iterable[str]) -> dict[str, Any]:
    """The current values of ``keys`` (``products``: the names, in order), JSON-ready."""
    values: dict[str, Any] = {}
    for key in keys:
        if key == PRODUCTS:
            values[key] = [p.name for p in business.products]
        else:
            values[key] = getattr(business, key)
    return to_json(values)


async def queue_revision(
    session: AsyncSession, business_id: str, user_id: int, changes: Mapping[str, Any]
) -> ModerationItem:
    """Changes to reviewed fields wait here; an open revision of the same listing takes the newer values
    (and keeps the oldest "before" values), so moderators decide once on the latest wish."""
    business = await load(session, business_id)
    item = await session.scalar(
        select(ModerationItem).where(
            ModerationItem.kind == "revision",
            ModerationItem.business_id == business_id,
            ModerationItem.status == "open",
        )
    )
    new = to_json(changes)
    if item is None:
        item = ModerationItem(
            kind="revision",
            business_id=business_id,
            requested_by=user_id,
            changes=new,
            previous=snapshot(business, new),
        )
        session.add(item)
    else:
        item.previous = {**snapshot(business, new), **item.previous}
        item.changes = {**item.changes, **new}
        item.requested_by = user_id
    await session.flush()
    return item


async def record_change(
    session: AsyncSession,
    business_id: str,
    user_id: int,
    changes: Mapping[str, Any],
    previous: Mapping[str, Any],
) -> ModerationItem:
    """A change that went live at once, for the moderators' feed (with one-tap rollback)."""
    item = ModerationItem(
        kind="change",
        business_id=business_id,
        requested_by=user_id,
        changes=to_json(changes),
        previous=to_json(previous),
    )
    session.add(item)
    await session.flush()
    return item


async def apply_changes(
    session: AsyncSession,
    business_id: str,
    changes: Mapping[str, Any],
    now: dt.datetime,
    language: str = "",
    kind_of: ProductKind = _product,
) -> Business:
    """Applies stored changes (a revision approved, or a rollback to its "before" values)."""
    values = from_json(changes)
    names = values.pop(PRODUCTS, None)
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    business = await load(session, business_id)
    for key, value in values.items():
        setattr(business, key, value)
    if names is not None:
        await replace_products(session, business_id, names, language or business.story_language, now, kind_of)
    business.updated_at = now
    await session.flush()
    return business


async def moderation_history(session: AsyncSession, business_id: str) -> list[ModerationItem]:
    return list(
        await session.scalars(
            select(ModerationItem)
            .where(ModerationItem.business_id == business_id)
            .order_by(ModerationItem.created_at, ModerationItem.id)
        )
    )


async def forget_person(session: AsyncSession, user_id: int) -> None:
    """Erases ``user_id`` from the catalogue (/forgetme): their roles, the invites they made, their
    owner row and their open claims; other moderation items they asked for stay, naming nobody.
    Their businesses stay: a listing is the business's, not the person's."""
    await session.execute(delete(BusinessRole).where(BusinessRole.user_id == user_id))
    await _retire(session, user_id)


async def retire_if_unused(session: AsyncSession, user_id: int) -> None:
    """After an owner deleted a business: when it was their last, nothing keeps naming them as an owner."""
    if await session.scalar(select(BusinessRole.user_id).where(BusinessRole.user_id == user_id).limit(1)):
        return
    await _retire(session, user_id)


async def _retire(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(Invite).where(Invite.created_by == user_id))
    await session.execute(
        delete(ModerationItem).where(ModerationItem.requested_by == user_id, ModerationItem.kind == "claim")
    )
    await session.execute(
        update(ModerationItem).where(ModerationItem.requested_by == user_id).values(requested_by=None)
    )
    await session.execute(delete(Owner).where(Owner.user_id == user_id))
