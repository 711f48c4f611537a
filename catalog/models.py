"""SQLAlchemy 2 models for the catalogue and for the small amount of state the bot keeps.

Everything the database holds is declared here so that one Alembic history covers it.
Resident data is deliberately thin: a language choice and a rounded, expiring position.
Usage figures are aggregated counts per day, never per person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

STATUSES = ("draft", "pending", "published", "suspended")
ROLES = ("owner", "coowner", "staff")
"""What each may do: docs/roles.md (owners delete and manage people; co-owners keep the listing, invite
staff and export; staff keep the listing)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="NL")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    center_lat: Mapped[float] = mapped_column(Float)
    center_lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int] = mapped_column(Integer, default=1500)
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    places: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Named places residents mention ("the station") as ``{name: [lat, lon]}``."""


class Business(Base):
    __tablename__ = "businesses"
    __table_args__ = (
        Index("ix_businesses_area_status", "area_id", "status"),
        Index("ix_businesses_lat_lon", "lat", "lon"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    area_id: Mapped[str | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    source_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    """OpenStreetMap ``type/id`` of imported records."""
    name: Mapped[str] = mapped_column(String(200))
    categories: Mapped[list[str]] = mapped_column(default=list)
    """OpenStreetMap-style ``key=value`` tags, primary first."""
    tags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """All source tags of imported records, kept for search and round trips."""
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    languages: Mapped[list[str]] = mapped_column(default=list)
    independent: Mapped[bool] = mapped_column(Boolean, default=True)
    pickup: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery: Mapped[str] = mapped_column(String(8), default="none")
    payment: Mapped[list[str]] = mapped_column(default=list)
    """Ways to pay (:data:`catalog.fields.PAYMENT_METHODS`); empty when unknown."""
    wheelchair: Mapped[str] = mapped_column(String(8), default="")
    """OSM ``wheelchair``: yes, limited, no, or "" when unknown."""
    story_who: Mapped[str] = mapped_column(Text, default="")
    story_how: Mapped[str] = mapped_column(Text, default="")
    story_why: Mapped[str] = mapped_column(Text, default="")
    story_language: Mapped[str] = mapped_column(String(2), default="")
    photo: Mapped[str] = mapped_column(String(300), default="")
    """A reference to the photo (Telegram file id or URL), never the bytes."""
    status: Mapped[str] = mapped_column(String(12), default="published", index=True)
    opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    """The owner asked to stay out of open-data exports and public pages."""
    closed_from: Mapped[dt.date | None] = mapped_column(Date)
    closed_until: Mapped[dt.date | None] = mapped_column(Date)
    special_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Holiday and special hours as ``{"YYYY-MM-DD": "10:00-14:00" | "off"}``."""
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    nudged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    products: Mapped[list[Product]] = relationship(
        back_populates="business", cascade="all, delete-orphan", order_by="(Product.position, Product.id)"
    )
    roles: Mapped[list[BusinessRole]] = relationship(back_populates="business", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Product(Base):
    """A product or service a business offers, in the language the owner wrote it in."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_business", "business_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8), default="product")
    """``product`` or ``service``."""
    language: Mapped[str] = mapped_column(String(2), default="")
    sold_out: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    business: Mapped[Business] = relationship(back_populates="products")


class Owner(Base):
    """A person who keeps one or more listings; identified by their Telegram user id only."""

    __tablename__ = "owners"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(2), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BusinessRole(Base):
    __tablename__ = "business_roles"

    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("owners.user_id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8), default="owner")

    business: Mapped[Business] = relationship(back_populates="roles")


class Partner(Base):
    """A complementary-business link; shown only once the other side confirmed it."""

    __tablename__ = "partners"

    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)


class Invite(Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8), default="staff")
    created_by: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ModerationItem(Base):
    """The moderators' queue: new listings, claims and residents' reports."""

    __tablename__ = "moderation_items"
    __table_args__ = (Index("ux_moderation_reporter", "business_id", "reporter_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    """``listing``, ``claim`` or ``report``."""
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    requested_by: Mapped[int | None] = mapped_column(BigInteger)
    """The owner who submitted or claims; ``None`` for residents' reports, which stay anonymous."""
    reason: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """For ``revision`` (waits for approval) and ``change`` (already live, can be rolled back): the new
    values of the listing's fields, JSON-ready (dates as ISO strings)."""
    previous: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The values ``changes`` replaced (or would replace), for a rollback and the moderation history."""
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    reporter_key: Mapped[str | None] = mapped_column(String(32))
    """Residents' reports: a keyed hash of reporter and day, so one person reports a business once a
    day without the report naming them (``concierge.moderation.reporter_key``)."""


class Moderator(Base):
    """A moderator added with ``concierge moderators add``, besides ``CONCIERGE_ADMIN_IDS``."""

    __tablename__ = "moderators"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SentNotice(Base):
    """A periodic message already sent (a freshness nudge, a weekly summary), so no worker and no restart
    sends it again: the primary key is claimed before sending."""

    __tablename__ = "sent_notices"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    """``nudge`` or ``summary``."""
    subject: Mapped[str] = mapped_column(String(160), primary_key=True)
    """The business id."""
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(40), primary_key=True)
    """Which one: the week (``2026-W47``) of a summary, the last confirmation of a nudge."""
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserState(Base):
    """What the bot remembers about a resident: a language choice and a rounded, expiring position."""

    __tablename__ = "user_state"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(2))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    position_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    campaign: Mapped[str | None] = mapped_column(String(20))
    """The campaign tag of the deep link the resident came in through, so later questions count once."""
    campaign_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    question: Mapped[str | None] = mapped_column(Text)
    """The last question, briefly, for "More" and "Not what I meant"; never logged."""
    question_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class FlowState(Base):
    """A guided flow in progress, so that it survives restarts and runtime switches."""

    __tablename__ = "flow_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class DailyCount(Base):
    """Aggregated usage per day: ``subject`` is ``business:<id>`` or ``campaign:<tag>``."""

    __tablename__ = "daily_counts"

    subject: Mapped[str] = mapped_column(String(160), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    """``shown``, ``opened``, ``mapped``, ``shared``, ``start`` or ``question``."""
    count: Mapped[int] = mapped_column(Integer, default=0)


class Feature(Base):
    """When a business was featured in a newsletter digest, for fair rotation."""

    __tablename__ = "features"
    __table_args__ = (UniqueConstraint("business_id", "featured_on", "campaign"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    featured_on: Mapped[dt.date] = mapped_column(Date)
    campaign: Mapped[str] = mapped_column(String(64), default="")


class InboxUpdate(Base):
    """A Telegram update as it arrived: recorded before Telegram is told it was received (the webhook's
    200, the next getUpdates offset), handled under a lease, kept a day once done so a redelivery is
    recognised. The body is cleared when done: a question is not kept longer than its answer needs."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_pending", "done_at", "chat_key", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[int] = mapped_column(BigInteger)
    """The chat whose updates are handled one at a time, in order (the sender for inline queries)."""
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxCall(Base):
    """A Bot API call the bot owes someone, written in the same transaction that finishes its update,
    removed once Telegram accepted it (or refused it for good)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_chat", "chat_key", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_key: Mapped[int] = mapped_column(BigInteger)
    """Calls of one chat leave one at a time, in ``id`` order."""
    method: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    upload_field: Mapped[str | None] = mapped_column(String(20))
    upload_filename: Mapped[str | None] = mapped_column(String(200))
    upload_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    broadcast: Mapped[bool] = mapped_column(Boolean, default=False)
    """A message to someone else than the person being answered (a moderator, a co-owner)."""
    answers: Mapped[int | None] = mapped_column(BigInteger)
    """The question's message id this call's new message answers: once sent, the message it became is
    remembered, so an edited question edits its answer (``handlers.telegram_render.AnswerLog``)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DemandCount(Base):
    """Unmet local demand: how often a lexicon concept was asked for in an area and period and found
    nowhere nearby, by how many different people. Never the question's text, never who asked."""

    __tablename__ = "demand_counts"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    """``YYYY-MM`` (a month) or ``YYYY-Www`` (an ISO week), in the area's own time zone."""
    area_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    concept: Mapped[str] = mapped_column(String(120), primary_key=True)
    asks: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)


class DemandMark(Base):
    """While a period is open: a keyed hash of someone who asked for a concept, so a second ask of
    theirs is not counted as another person. Deleted with the period's key when the period ends."""

    __tablename__ = "demand_marks"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    area_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    concept: Mapped[str] = mapped_column(String(120), primary_key=True)
    asker: Mapped[str] = mapped_column(String(32), primary_key=True)


class DemandKey(Base):
    """The random key of one open period's hashes; without it a hash says nothing about anyone."""

    __tablename__ = "demand_keys"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
