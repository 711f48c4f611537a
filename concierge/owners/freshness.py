"""Keeping listings fresh: a nudge after 90 days unconfirmed, and owners' weekly summary.

Both return ``Notify`` replies and send nothing themselves: whoever runs them periodically (a worker,
``concierge serve``) delivers them at the pace Telegram allows. After 180 days unconfirmed the search
marks a result as possibly outdated by itself (from ``confirmed_at``).

The summary reads only the aggregated per-day counts (shown, opened, mapped, shared); there is no
resident identity anywhere to read.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from babel.dates import get_day_names
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.models import Business, BusinessRole, DailyCount, Owner
from concierge.app import App
from concierge.conversation.render import NAME_CHARS, clip, say
from concierge.deeplinks import short_ref
from concierge.events import Button, Notify, SendDocument, SendText
from concierge.i18n import normalise_language, translator

NUDGE_AFTER = dt.timedelta(days=90)
KINDS = ("shown", "opened", "mapped", "shared")
COLOURS = {
    "shown": (96, 140, 200),
    "opened": (230, 150, 60),
    "mapped": (90, 170, 110),
    "shared": (180, 90, 160),
}
CHART_SIZE = (480, 240)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


async def _owners(app: App) -> dict[str, list[tuple[int, str]]]:
    """Business id → its owners (not staff) with their language."""
    async with app.sessions() as session:
        rows = await session.execute(
            select(BusinessRole.business_id, BusinessRole.user_id, Owner.language)
            .join(Owner, Owner.user_id == BusinessRole.user_id)
            .where(BusinessRole.role == "owner")
        )
        owners: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for business_id, user_id, language in rows:
            owners[business_id].append((user_id, normalise_language(language, app.settings.default_language)))
        return owners


async def nudges(app: App, now: dt.datetime) -> list[Notify]:
    """One short question per owner of each published listing unconfirmed for 90 days; once, until the
    listing is confirmed or changed again."""
    owners = await _owners(app)
    notes: list[Notify] = []
    async with app.sessions.begin() as session:
        businesses = await session.scalars(
            select(Business).where(Business.status == "published", Business.id.in_(list(owners)))
        )
        for business in businesses:
            last = _utc(business.confirmed_at) or _utc(business.created_at) or now
            nudged = _utc(business.nudged_at)
            if now - last < NUDGE_AFTER or (nudged is not None and nudged >= last):
                continue
            business.nudged_at = now
            ref = short_ref(business.id)
            for user_id, lang in owners[business.id]:
                t = translator(lang)
                text = say(t("Are the opening hours and details of {name} still right?", name="\x00"))
                rows = (
                    (
                        Button(t("All still correct"), data=f"o:x:{ref}:confirm"),
                        Button(t("Change something"), data="o:home"),
                    ),
                )
                notes.append(
                    Notify(user_id, SendText(text.replace("\x00", clip(business.name, NAME_CHARS)), rows))
                )
    return notes


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


def chart_png(counts: dict[str, list[int]], last_day: dt.date, lang: str) -> bytes:
    """A small grouped bar chart, one group per day, one bar per kind, with a legend."""
    t = translator(lang)
    labels = {"shown": t("shown"), "opened": t("opened"), "mapped": t("mapped"), "shared": t("shared")}
    width, height = CHART_SIZE
    image = Image.new("RGB", CHART_SIZE, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    top, bottom, left, right = 40, height - 28, 16, width - 16
    peak = max([1, *(n for values in counts.values() for n in values)])
    day_names = get_day_names("abbreviated", locale=normalise_language(lang, "en"))
    group = (right - left) / 7
    bar = (group - 8) / len(KINDS)
    for i in range(7):
        day = last_day - dt.timedelta(days=6 - i)
        x0 = left + i * group + 4
        for k, kind in enumerate(KINDS):
            value = counts[kind][i]
            bar_height = (bottom - top) * value / peak
            x = x0 + k * bar
            draw.rectangle([x, bottom - bar_height, x + bar - 1, bottom], fill=COLOURS[kind])
        draw.text((x0, bottom + 6), day_names[day.weekday()], fill="black", font=font)
    draw.line([left, bottom, right, bottom], fill="black")
    x = left
    for kind in KINDS:
        draw.rectangle([x, 12, x + 10, 22], fill=COLOURS[kind])
        draw.text((x + 14, 10), labels[kind], fill="black", font=font)
        x += 20 + int(draw.textlength(labels[kind], font=font)) + 10
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


async def weekly_summaries(app: App, last_day: dt.date) -> list[Notify]:
    """For each owner of a published listing: last week's totals as a short text and a chart image."""
    owners = await _owners(app)
    notes: list[Notify] = []
    async with app.sessions() as session:
        businesses = list(
            await session.scalars(
                select(Business)
                .where(Business.status == "published", Business.id.in_(list(owners)))
                .options(selectinload(Business.products))
                .order_by(Business.id)
            )
        )
    for business in businesses:
        counts = await week_counts(app, business.id, last_day)
        sums = {kind: sum(values) for kind, values in counts.items()}
        for user_id, lang in owners[business.id]:
            t = translator(lang)
            text = say(
                t(
                    "Last week {name} was shown {shown} times, opened {opened} times, put on the map "
                    "{mapped} times and shared {shared} times.",
                    name="\x00",
                    **{kind: str(n) for kind, n in sums.items()},
                )
            ).replace("\x00", clip(business.name, NAME_CHARS))
            notes.append(Notify(user_id, SendText(text)))
            png = chart_png(counts, last_day, lang)
            notes.append(Notify(user_id, SendDocument(f"{business.id}-week.png", png)))
    return notes
