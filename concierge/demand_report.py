"""Unmet demand written out: Markdown, CSV and a PNG bar chart for moderators and associations, a
block for newsletter digests, and the lines owners see in /mybusiness.

Everything here reads only :func:`concierge.demand.wanted` rows, which are already above the
k-anonymity threshold.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from catalog.views import AreaView
from concierge.demand import MIN_PEOPLE, Wanted, label, month_of, wanted
from concierge.i18n import translator
from concierge.lexicon import Lexicon

if TYPE_CHECKING:
    from concierge.app import App

FORMATS = ("md", "csv", "png", "json")
CHART_WIDTH = 900
BAR_HEIGHT = 34
MAX_BARS = 15


def title(lang: str) -> str:
    return translator(lang)("Wanted in the neighbourhood")


def subtitle(area: str, period: str, lang: str) -> str:
    return translator(lang)(
        "Asked for in {area} in {period}, and sold nowhere nearby", area=area, period=period
    )


def nothing(lang: str) -> str:
    return translator(lang)(
        "Nothing was asked for often enough to show: a wish appears once {k} different people asked for it.",
        k=MIN_PEOPLE,
    )


def times(row: Wanted, lang: str) -> str:
    return translator(lang)("asked {asks} times by {people} people", asks=row.asks, people=row.people)


def markdown(rows: Sequence[Wanted], lexicon: Lexicon, area: str, period: str, lang: str) -> str:
    t = translator(lang)
    lines = [f"## {title(lang)}", "", subtitle(area, period, lang), ""]
    if not rows:
        return "\n".join([*lines, nothing(lang)])
    lines += [f"| {t('What')} | {t('Asked')} | {t('Different people')} |", "|---|---:|---:|"]
    lines += [f"| {_md(label(lexicon, r.concept, lang))} | {r.asks} | {r.people} |" for r in rows]
    return "\n".join(lines)


def csv_text(rows: Sequence[Wanted], lexicon: Lexicon, area: str, period: str, lang: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["area", "period", "concept", "label", "asks", "people"])
    for r in rows:
        writer.writerow([area, period, r.concept, label(lexicon, r.concept, lang), r.asks, r.people])
    return out.getvalue()


def png(rows: Sequence[Wanted], lexicon: Lexicon, area: str, period: str, lang: str) -> bytes:
    """A horizontal bar chart of asks per concept, drawn with Pillow (already a dependency through
    qrcode): a dozen bars need no plotting library. Imported here, when a chart is drawn."""
    from PIL import Image, ImageDraw, ImageFont

    shown = list(rows[:MAX_BARS])
    height = 110 + max(1, len(shown)) * BAR_HEIGHT + 30
    image = Image.new("RGB", (CHART_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    big, small = ImageFont.load_default(size=22), ImageFont.load_default(size=15)
    draw.text((20, 18), title(lang), fill="#222222", font=big)
    draw.text((20, 52), subtitle(area, period, lang), fill="#555555", font=small)
    if not shown:
        draw.text((20, 110), nothing(lang), fill="#555555", font=small)
    top, left, right = 100, 260, CHART_WIDTH - 80
    most = max((r.asks for r in shown), default=1)
    for n, row in enumerate(shown):
        y = top + n * BAR_HEIGHT
        name = label(lexicon, row.concept, lang)
        draw.text((20, y + 8), name[:32], fill="#222222", font=small)
        end = left + max(2, int((right - left) * row.asks / most))
        draw.rectangle((left, y + 4, end, y + BAR_HEIGHT - 6), fill="#2e7d5b")
        draw.text((end + 8, y + 8), str(row.asks), fill="#222222", font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def digest_block(rows: Sequence[Wanted], lexicon: Lexicon, fmt: str, lang: str) -> str:
    """The optional "Wanted in the neighbourhood" block of a newsletter digest (html, markdown, text)."""
    t = translator(lang)
    intro = t("Residents asked for these, and no shop nearby sells them. An idea for a shop?")
    items = [(label(lexicon, r.concept, lang), times(r, lang)) for r in rows]
    if fmt == "html":
        entries = "".join(
            f'<li style="margin:0 0 4px 0"><strong>{html.escape(name)}</strong>: {html.escape(count)}</li>'
            for name, count in items
        )
        body = f"<ul>{entries}</ul>" if items else f"<p>{html.escape(nothing(lang))}</p>"
        return (
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td '
            'style="font-family:Georgia,serif;font-size:15px;line-height:1.5;color:#222222">'
            f'<h2 style="font-size:19px;margin:16px 0 6px 0">{html.escape(title(lang))}</h2>'
            f"<p>{html.escape(intro)}</p>{body}</td></tr></table>"
        )
    if fmt == "markdown":
        lines = [f"## {_md(title(lang))}", "", _md(intro), ""]
        lines += [f"- **{_md(name)}**: {_md(count)}" for name, count in items] or [_md(nothing(lang))]
        return "\n".join(lines)
    lines = [title(lang).upper(), "", intro, ""]
    lines += [f"- {name}: {count}" for name, count in items] or [nothing(lang)]
    return "\n".join(lines)


async def digest_wanted(app: App, area: AreaView | None, month: str, fmt: str, lang: str) -> str:
    """The block for ``area`` (the first area when None) and ``month`` (this month when empty)."""
    area = area or (app.search.areas[0] if app.search.areas else None)
    if area is None:
        return ""
    rows = await wanted(app.sessions, area.id, month or month_of(dt.datetime.now(dt.UTC).date()), limit=10)
    return digest_block(rows, app.search.lexicon, fmt, lang)


def owner_lines(rows: Sequence[Wanted], lexicon: Lexicon, lang: str) -> list[str]:
    """For /mybusiness: "Asked 37 times this month in the neighbourhood, sold nowhere nearby: oat milk"."""
    t = translator(lang)
    return [
        t(
            "Asked {asks} times this month in the neighbourhood, sold nowhere nearby: {item}",
            asks=r.asks,
            item=label(lexicon, r.concept, lang),
        )
        for r in rows
    ]


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>|#" else ch for ch in text)
