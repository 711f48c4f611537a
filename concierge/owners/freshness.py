"""Keeping listings fresh: a nudge after 90 days unconfirmed, and owners' weekly summary.

Both are :class:`Notice` s of ``Notify`` replies and send nothing themselves: :mod:`concierge.jobs`
(scheduled by ``serve`` and ``run``, or ``concierge jobs run --once`` from cron) claims each notice in
the database before delivering it, so it goes out once whatever the number of workers or restarts.
Notices are due in the owner's daytime only (:data:`DAYTIME`, the area's time zone). After 180 days
unconfirmed the search marks a result as possibly outdated by itself (from ``confirmed_at``).

The summary reads only the aggregated per-day counts (shown, opened, mapped, shared); there is no
resident identity anywhere to read.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_interval, get_day_names
from sqlalchemy import select

from catalog.models import Area, Business, BusinessRole, DailyCount, Owner
from concierge import callbacks
from concierge.app import App
from concierge.conversation.render import CAPTION_LIMIT, NAME_CHARS, clip, plain_clip, say
from concierge.deeplinks import short_ref
from concierge.events import Button, Notify, SendDocument, SendText

if TYPE_CHECKING:
    from PIL import ImageFont
from concierge.i18n import normalise_language, translator
from concierge.uow import unit_of_work

NUDGE_AFTER = dt.timedelta(days=90)
DAYTIME = (9, 20)
"""Local hours (from, until) in which nudges and summaries go out: never at night."""
SUMMARY_FROM = dt.time(9)
"""A week's summary is due from Monday 09:00 local time."""
DEFAULT_TIMEZONE = "Europe/Amsterdam"
KINDS = ("shown", "opened", "mapped", "shared")
COLOURS = {
    "shown": (96, 140, 200),
    "opened": (230, 150, 60),
    "mapped": (90, 170, 110),
    "shared": (180, 90, 160),
}
CHART_SIZE = (720, 400)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


async def _owners(app: App) -> dict[str, list[tuple[int, str]]]:
    """Business id → its owners and co-owners (not staff) with their language."""
    async with app.sessions() as session:
        rows = await session.execute(
            select(BusinessRole.business_id, BusinessRole.user_id, Owner.language)
            .join(Owner, Owner.user_id == BusinessRole.user_id)
            .where(BusinessRole.role.in_(("owner", "coowner")))
        )
        owners: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for business_id, user_id, language in rows:
            owners[business_id].append((user_id, normalise_language(language, app.settings.default_language)))
        return owners


@dataclass(frozen=True, slots=True)
class Notice:
    """What one owner gets for one listing once: ``(kind, business_id, user_id, period)`` is its key."""

    kind: str
    business_id: str
    user_id: int
    period: str
    notes: tuple[Notify, ...]

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.kind, self.business_id, self.user_id, self.period)


NoticeKey = tuple[str, str, int, str]


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def daytime(now: dt.datetime, zone: ZoneInfo) -> bool:
    return DAYTIME[0] <= now.astimezone(zone).hour < DAYTIME[1]


def summary_week(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The last day (a Sunday) of the latest week whose summary is due at ``now``."""
    local = now.astimezone(zone)
    monday = local.date() - dt.timedelta(days=local.weekday())
    if local.time() < SUMMARY_FROM and local.weekday() == 0:
        monday -= dt.timedelta(days=7)
    return monday - dt.timedelta(days=1)


def week_period(last_day: dt.date) -> str:
    year, week, _ = last_day.isocalendar()
    return f"{year}-W{week:02d}"


async def _published(app: App, ids: Collection[str]) -> list[tuple[Business, ZoneInfo]]:
    async with app.sessions() as session:
        zones = {area.id: _zone(area.timezone) for area in await session.scalars(select(Area))}
        businesses = await session.scalars(
            select(Business)
            .where(Business.status == "published", Business.id.in_(list(ids)))
            .order_by(Business.id)
        )
        return [(b, zones.get(b.area_id or "", _zone(None))) for b in businesses]


def _nudge_note(business: Business, user_id: int, lang: str) -> Notify:
    t = translator(lang)
    ref = short_ref(business.id)
    text = say(t("Are the opening hours and details of {name} still right?", name="\x00"))
    rows = (
        (
            Button(t("All still correct"), data=callbacks.BusinessAction(ref, "confirm").pack()),
            Button(t("Change something"), data=callbacks.OwnerHome().pack()),
        ),
    )
    return Notify(user_id, SendText(text.replace("\x00", clip(business.name, NAME_CHARS)), rows))


async def due_nudges(
    app: App, now: dt.datetime, sent: Collection[NoticeKey] = (), *, anytime: bool = False
) -> list[Notice]:
    """One short question per owner of each published listing unconfirmed for 90 days; once per
    confirmation (the period is the moment it was last confirmed), in the owner's daytime."""
    owners = await _owners(app)
    notices: list[Notice] = []
    for business, zone in await _published(app, owners):
        if not anytime and not daytime(now, zone):
            continue
        last = _utc(business.confirmed_at) or _utc(business.created_at) or now
        nudged = _utc(business.nudged_at)
        if now - last < NUDGE_AFTER or (nudged is not None and nudged >= last):
            continue
        period = last.astimezone(dt.UTC).isoformat(timespec="seconds")
        for user_id, lang in owners[business.id]:
            key = ("nudge", business.id, user_id, period)
            if key not in sent:
                notices.append(Notice(*key, (_nudge_note(business, user_id, lang),)))
    return notices


async def mark_nudged(app: App, business_ids: Collection[str], now: dt.datetime) -> None:
    """After sending: a listing is nudged again only once confirmed (or changed) and unconfirmed anew."""
    async with unit_of_work(app) as uow:
        chosen = select(Business).where(Business.id.in_(list(business_ids)))
        for business in await uow.session.scalars(chosen):
            business.nudged_at = now


async def nudges(app: App, now: dt.datetime) -> list[Notify]:
    """The nudges due at ``now`` whatever the hour, marked as sent (for callers that deliver them)."""
    notices = await due_nudges(app, now, anytime=True)
    await mark_nudged(app, {notice.business_id for notice in notices}, now)
    return [note for notice in notices for note in notice.notes]


async def week_counts(app: App, business_id: str, last_day: dt.date) -> dict[str, list[int]]:
    """Per kind, the counts of the seven days ending with ``last_day``, oldest first."""
    first_day = last_day - dt.timedelta(days=6)
    totals = {kind: [0] * 7 for kind in KINDS}
    async with app.sessions() as session:
        rows = await session.execute(
            select(DailyCount.day, DailyCount.kind, DailyCount.count).where(
                DailyCount.subject == f"business:{business_id}",
                DailyCount.day >= first_day,
                DailyCount.day <= last_day,
            )
        )
        for day, kind, count in rows:
            if kind in totals:
                totals[kind][(day - first_day).days] += count
    return totals


FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf")
"""System fonts with accented letters (Pillow finds them in the usual font folders); Pillow's own
bundled font is the last resort, and it lacks "é", "ß" and dashes."""


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    for name in FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size)
    except ImportError:
        return ImageFont.load_default()


def week_dates(last_day: dt.date, lang: str) -> str:
    """ "16–22 Nov 2026" in the owner's language."""
    first_day = last_day - dt.timedelta(days=6)
    return format_interval(first_day, last_day, "yMMMd", locale=normalise_language(lang, "en"))


def chart_png(counts: dict[str, list[int]], last_day: dt.date, lang: str, name: str = "") -> bytes:
    """A grouped bar chart, one group per day, one bar per kind, each bar with its value written on
    top; a title with the business and the dates, a legend, and the day with its date under each group."""
    t = translator(lang)
    locale = normalise_language(lang, "en")
    labels = {"shown": t("shown"), "opened": t("opened"), "mapped": t("mapped"), "shared": t("shared")}
    from PIL import Image, ImageDraw  # only a worker that draws a weekly chart pays for Pillow

    width, height = CHART_SIZE
    image = Image.new("RGB", CHART_SIZE, "white")
    draw = ImageDraw.Draw(image)
    title_font, font, small = _font(18), _font(13), _font(11)
    title = f"{name} · {week_dates(last_day, lang)}" if name else week_dates(last_day, lang)
    while draw.textlength(title, font=title_font) > width - 32 and len(title) > 10:
        title = title[:-2].rstrip() + "…" if not title.endswith("…") else title[:-2] + "…"
    draw.text((16, 10), title, fill="black", font=title_font)
    x = 16
    for kind in KINDS:
        draw.rectangle([x, 42, x + 12, 54], fill=COLOURS[kind])
        draw.text((x + 17, 41), labels[kind], fill="black", font=font)
        x += 30 + int(draw.textlength(labels[kind], font=font)) + 10
    top, bottom, left, right = 86, height - 44, 16, width - 16
    peak = max([1, *(n for values in counts.values() for n in values)])
    day_names = get_day_names("abbreviated", locale=locale)
    group = (right - left) / 7
    bar = (group - 10) / len(KINDS)
    for i in range(7):
        day = last_day - dt.timedelta(days=6 - i)
        x0 = left + i * group + 5
        for k, kind in enumerate(KINDS):
            value = counts[kind][i]
            bar_height = (bottom - top - 16) * value / peak
            bx = x0 + k * bar
            draw.rectangle([bx, bottom - bar_height, bx + bar - 2, bottom], fill=COLOURS[kind])
            text = str(value)
            tx = bx + (bar - 2 - draw.textlength(text, font=small)) / 2
            draw.text((tx, bottom - bar_height - 14), text, fill="black", font=small)
        draw.text((x0, bottom + 6), day_names[day.weekday()], fill="black", font=font)
        draw.text((x0, bottom + 22), format_date(day, "d MMM", locale=locale), fill="dimgray", font=small)
    draw.line([left, bottom, right, bottom], fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def chart_alt_text(counts: dict[str, list[int]], last_day: dt.date, lang: str, name: str) -> str:
    """What the chart shows, in words, for people who cannot see it (sent as its caption)."""
    t = translator(lang)
    labels = {"shown": t("shown"), "opened": t("opened"), "mapped": t("mapped"), "shared": t("shared")}
    day_names = get_day_names("abbreviated", locale=normalise_language(lang, "en"))
    days = [last_day - dt.timedelta(days=6 - i) for i in range(7)]
    head = t("Chart of {name}, {dates}, per day:", name=name, dates=week_dates(last_day, lang))
    lines = [
        f"{labels[kind]}: "
        + ", ".join(f"{day_names[day.weekday()]} {n}" for day, n in zip(days, counts[kind], strict=True))
        for kind in KINDS
    ]
    return plain_clip("\n".join([head, *lines]), CAPTION_LIMIT - 100)


def summary_notes(
    business: Business, counts: dict[str, list[int]], last_day: dt.date, user_id: int, lang: str
) -> tuple[Notify, ...]:
    t = translator(lang)
    sums = {kind: sum(values) for kind, values in counts.items()}
    name = clip(business.name, NAME_CHARS)
    text = say(
        t(
            "Last week {name} was shown {shown} times, opened {opened} times, put on the map "
            "{mapped} times and shared {shared} times.",
            name="\x00",
            **{kind: str(n) for kind, n in sums.items()},
        )
    ).replace("\x00", name)
    alt = chart_alt_text(counts, last_day, lang, business.name[:NAME_CHARS])
    png = chart_png(counts, last_day, lang, business.name[:80])
    return (
        Notify(user_id, SendText(text)),
        Notify(user_id, SendDocument(f"{business.id}-{week_period(last_day)}.png", png, say(alt))),
    )


async def due_summaries(
    app: App, now: dt.datetime, sent: Collection[NoticeKey] = (), *, last_day: dt.date | None = None
) -> list[Notice]:
    """For each owner of a published listing: the last complete week's totals as a short text and a
    chart, from Monday 09:00 local time in the owner's daytime; a week without any count is skipped.
    With ``last_day`` that week, whatever the hour."""
    owners = await _owners(app)
    notices: list[Notice] = []
    for business, zone in await _published(app, owners):
        if last_day is None and not daytime(now, zone):
            continue
        week_end = last_day or summary_week(now, zone)
        period = week_period(week_end)
        wanted = [
            (u, lang) for u, lang in owners[business.id] if ("summary", business.id, u, period) not in sent
        ]
        if not wanted:
            continue
        counts = await week_counts(app, business.id, week_end)
        if not any(n for values in counts.values() for n in values):
            continue
        for user_id, lang in wanted:
            notes = summary_notes(business, counts, week_end, user_id, lang)
            notices.append(Notice("summary", business.id, user_id, period, notes))
    return notices


async def weekly_summaries(app: App, last_day: dt.date) -> list[Notify]:
    """The summaries of the week ending ``last_day`` (for callers that deliver them)."""
    now = dt.datetime.combine(last_day, dt.time(12), dt.UTC)
    return [note for notice in await due_summaries(app, now, last_day=last_day) for note in notice.notes]
