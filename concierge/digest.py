"""The newsletter kit: a fair pick of local businesses and an email-safe block featuring their stories.

"Local stories" features independents with a story of their own: published, not opted out, not a chain
branch, and with at least one line of story. Nothing else is ever featured, even when few are left.

Rotation: none featured twice within four weeks (over all campaigns); least recently featured first,
ties broken by a weekly shuffle so the alphabet does not decide. Only an editor's deliberate act records a
digest (``Feature`` rows): ``concierge digest`` or an authenticated ``POST /digest``. Looking at one
(``GET /digest``: a browser, a link prefetcher, a newsletter tool fetching its block) is a preview that
records nothing, so strangers cannot use up the rotation.

A campaign's digest of one day is stable: once recorded, the same businesses come back in the same order,
whoever asks; asking for more that day adds new ones after them (``--count 2`` then ``--count 3`` gives
the first two plus one), asking for fewer gives the first ones.

The HTML block is built for email clients: tables, inline styles only, no scripts, and every image has
alt text and a plain link next to it, so it reads fine with images off. QR codes are PNG files served at
``/qr/<payload>.png`` by ``concierge serve`` (data: URIs are blocked by many mail clients).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.models import Feature
from catalog.views import AreaView, BusinessView
from concierge.deeplinks import DeepLink, encode, short_ref, start_url
from concierge.i18n import translator

ROTATION_DAYS = 28
MAX_COUNT = 10
Format = Literal["html", "markdown", "text"]
FORMATS: tuple[Format, ...] = ("html", "markdown", "text")


@dataclass(frozen=True, slots=True)
class Featured:
    business: BusinessView
    payload: str
    """The ``/start`` payload (≤ 64 characters) carrying the business and the campaign tag."""
    link: str
    qr: str
    """Where the QR code PNG of ``link`` is: a URL under public_url, or a file name next to the digest."""


def _shuffle_key(business_id: str, today: dt.date) -> str:
    week = today.isocalendar()
    return hashlib.sha256(f"{week.year}-{week.week}:{business_id}".encode()).hexdigest()


def has_story(business: BusinessView) -> bool:
    return any(part.strip() for part in (business.story_who, business.story_how, business.story_why))


def eligible(businesses: Sequence[BusinessView], area: str | None) -> list[BusinessView]:
    """Published independents with a story whose owners did not opt out, in ``area`` when given."""
    return [
        b
        for b in businesses
        if b.status == "published"
        and not b.opt_out
        and b.independent
        and has_story(b)
        and (area is None or b.area_id == area)
    ]


async def pick(
    sessions: async_sessionmaker[AsyncSession],
    businesses: Sequence[BusinessView],
    *,
    area: str | None,
    count: int,
    campaign: str | None,
    today: dt.date,
    record: bool = False,
) -> list[BusinessView]:
    """The businesses to feature (see the module docstring); ``record`` stores the pick for ``campaign``
    (``None`` is recorded as the untagged campaign ``""``).

    Two editors recording the same campaign at once: the second insert meets the unique constraint, and
    that editor gets the digest the first one recorded.
    """
    try:
        return await _pick(sessions, businesses, area, count, campaign or "", today, record)
    except IntegrityError:
        return await _pick(sessions, businesses, area, count, campaign or "", today, record)


async def _pick(
    sessions: async_sessionmaker[AsyncSession],
    businesses: Sequence[BusinessView],
    area: str | None,
    count: int,
    tag: str,
    today: dt.date,
    record: bool,
) -> list[BusinessView]:
    candidates = {b.id: b for b in eligible(businesses, area)}
    async with sessions() as session:
        # One statement, so today's digest and the rotation come from the same snapshot.
        rows = (
            await session.execute(
                select(Feature.business_id, Feature.featured_on, Feature.campaign).order_by(Feature.id)
            )
        ).all()
        already = [business_id for business_id, day, campaign in rows if campaign == tag and day == today]
        kept = [candidates[i] for i in already if i in candidates]
        if len(kept) >= count:
            return kept[:count]
        last: dict[str, dt.date] = {}
        for business_id, day, _ in rows:
            if business_id not in last or day > last[business_id]:
                last[business_id] = day
        cutoff = today - dt.timedelta(days=ROTATION_DAYS)
        fresh = sorted(
            (b for b in candidates.values() if last.get(b.id, dt.date.min) <= cutoff),
            key=lambda b: (last.get(b.id, dt.date.min), _shuffle_key(b.id, today)),
        )[: count - len(kept)]
        if record and fresh:
            session.add_all(Feature(business_id=b.id, featured_on=today, campaign=tag) for b in fresh)
            await session.commit()
    return kept + fresh


def feature(business: BusinessView, *, bot_username: str, campaign: str | None, qr_base: str) -> Featured:
    """``qr_base`` is the public URL (``https://…``) or empty for files named ``qr-<payload>.png``."""
    link = DeepLink("business", short_ref(business.id), campaign or None)
    payload = encode(link)
    qr = f"{qr_base.rstrip('/')}/qr/{payload}.png" if qr_base else f"qr-{payload}.png"
    return Featured(business, payload, start_url(bot_username, link), qr)


def qr_png(text: str) -> bytes:
    import qrcode

    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def _story(business: BusinessView) -> list[str]:
    return [
        " ".join(part.split())
        for part in (business.story_who, business.story_how, business.story_why)
        if part.strip()
    ]


def _title(area: AreaView | None, lang: str) -> str:
    t = translator(lang)
    return (
        t("Local stories from {area}", area=area.name) if area else t("Local stories from the neighbourhood")
    )


def render(featured: Sequence[Featured], fmt: Format, lang: str, area: AreaView | None = None) -> str:
    if fmt == "html":
        return _html(featured, lang, area)
    if fmt == "markdown":
        return _markdown(featured, lang, area)
    return _text(featured, lang, area)


def _text(featured: Sequence[Featured], lang: str, area: AreaView | None) -> str:
    t = translator(lang)
    title = _title(area, lang)
    lines = [title, "=" * len(title), ""]
    for item in featured:
        b = item.business
        lines += [b.name, "-" * len(b.name)]
        lines += _story(b)
        if b.address:
            lines.append(b.address)
        lines += [f"{t('Ask the concierge about {name}', name=b.name)}: {item.link}", ""]
    if not featured:
        lines += [t("No businesses to feature right now."), ""]
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    """Escape what Markdown would read as markup, leaving ordinary punctuation readable."""
    escaped = "".join("\\" + c if c in "\\`*_[]<>|" else c for c in text)
    escaped = re.sub(r"^(\s*)(\d+)\.", r"\1\2\\.", escaped)
    return re.sub(r"^(\s*)([#+-])", r"\1\\\2", escaped)


def _markdown(featured: Sequence[Featured], lang: str, area: AreaView | None) -> str:
    t = translator(lang)
    lines = [f"## {_md_escape(_title(area, lang))}", ""]
    for item in featured:
        b = item.business
        lines += [f"### {_md_escape(b.name)}", ""]
        lines += [_md_escape(part) + "  " for part in _story(b)]
        if b.address:
            lines.append(_md_escape(b.address))
        lines += [
            "",
            f"[{_md_escape(t('Ask the concierge about {name}', name=b.name))}]({item.link})",
            "",
            f"![{_md_escape(t('QR code: open {name} in Telegram', name=b.name))}]({item.qr})",
            "",
        ]
    if not featured:
        lines += [_md_escape(t("No businesses to feature right now.")), ""]
    return "\n".join(lines)


FONT = "font-family:Georgia,'Times New Roman',serif;"
SANS = "font-family:Arial,Helvetica,sans-serif;"


def _html(featured: Sequence[Featured], lang: str, area: AreaView | None) -> str:
    t = translator(lang)
    e = html.escape
    rows = []
    for item in featured:
        b = item.business
        story = "".join(
            f'<p style="margin:0 0 8px 0;{FONT}font-size:16px;line-height:1.5;color:#222222;">{e(part)}</p>'
            for part in _story(b)
        )
        address = (
            f'<p style="margin:0 0 8px 0;{SANS}font-size:13px;color:#555555;">{e(b.address)}</p>'
            if b.address
            else ""
        )
        ask = t("Ask the concierge about {name}", name=b.name)
        alt = t("QR code: open {name} in Telegram", name=b.name)
        rows.append(
            '<tr><td style="padding:16px 0;border-top:1px solid #dddddd;">'
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
            'style="border-collapse:collapse;"><tr>'
            '<td valign="top" style="padding:0 12px 0 0;">'
            f'<h3 style="margin:0 0 8px 0;{SANS}font-size:18px;color:#1a4d2e;">{e(b.name)}</h3>'
            f"{story}{address}"
            f'<p style="margin:8px 0 0 0;{SANS}font-size:15px;">'
            f'<a href="{e(item.link)}" style="color:#1a4d2e;font-weight:bold;text-decoration:underline;">{e(ask)}</a>'
            "</p></td>"
            '<td valign="top" width="132" style="width:132px;padding:0;">'
            f'<a href="{e(item.link)}" style="color:#1a4d2e;">'
            f'<img src="{e(item.qr)}" width="132" height="132" alt="{e(alt)}" '
            f'style="display:block;border:0;width:132px;height:132px;{SANS}font-size:11px;color:#555555;"></a>'
            "</td></tr></table></td></tr>"
        )
    if not featured:
        rows.append(
            f'<tr><td style="padding:16px 0;{SANS}font-size:15px;color:#555555;">'
            f"{e(t('No businesses to feature right now.'))}</td></tr>"
        )
    return (
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" lang="{e(lang)}" '
        'style="border-collapse:collapse;max-width:640px;background-color:#ffffff;">'
        f'<tr><td style="padding:0 0 8px 0;"><h2 style="margin:0;{SANS}font-size:22px;color:#1a4d2e;">'
        f"{e(_title(area, lang))}</h2></td></tr>" + "".join(rows) + "</table>"
    )
