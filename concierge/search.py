"""The search service: one in-memory index over the published catalogue, answering questions.

``SearchService.ask`` is the single entry point the bot, the CLI, the web API and MCP share. It is
synchronous and CPU-bound (a few milliseconds); the index is rebuilt from the database by
``open_search`` at start and after edits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import fields as registry
from catalog import hours
from catalog.chains import brand_key, normalise_name
from catalog.index import Reach, SearchIndex
from catalog.repository import Published, load_areas, load_published
from catalog.taxonomy import load_taxonomy
from catalog.views import AreaView, BusinessView, ProductView
from concierge.answers import Answer, Result, Understood
from concierge.deeplinks import short_ref
from concierge.generic import kept_generic_words
from concierge.hours_text import opening_state
from concierge.i18n import Translate, format_distance, normalise_language, translator
from concierge.indexing import Analyser
from concierge.lexicon import Lexicon, load_lexicon
from concierge.ranking import (
    ALSO,
    EXACT,
    FAMILY,
    GOOD_LEVEL,
    LEXICON,
    NAME,
    PHRASE,
    SECONDARY_TAG,
    SHOWN_LEVEL,
    SPECIFIC_TAG,
    STORY,
    Match,
    order,
)
from concierge.text import fold, forget_words, tokens, variants
from concierge.understanding import LANGS, Reader, Understanding, Unit, language_data, understand

MAX_RESULTS = 5
DEFAULT_RADIUS_M = 1500
WALK_M = 1500
"""A comfortable walk in a city: the short list grows to this reach, whatever the area's own radius
(a dense old town can derive 100 m from its imported shops), until it holds ``GOOD_ENOUGH`` answers."""
REACH_STEPS_M = (250, 400, 600, 800, 1000, 1200, 1500)
GOOD_ENOUGH = 3
OUTDATED_AFTER = dt.timedelta(days=180)
WORD_MATCH = 1.5
PARTNER_BONUS = 1.0
COVERAGE_BONUS = 0.1
SPECIALIST = 0.03
"""A shop of the kind that sells it and lists it (a wine shop's natural wine) before a café's "wijn"."""
NAMED_SHOP = EXACT + 0.05
"""A question that names a shop type ("kapper", "fromagerie") is answered first by shops of that type,
before others that happen to list a related product or service."""
SERVICE_ALSO = 1.8
"""A shop that "sometimes" does a service (a pet shop for a vet) is a hint, never an answer on its own."""
BROAD_ALSO = 1.9
"""A broad family that sometimes has a thing (a department store for a lamp, a second-hand shop for
a guitar) only fills a list after real answers: it never answers on its own, so a question with no
local answer stays honestly empty. Groceries are what supermarkets and markets are for: for food a
broad family stays a (lesser) answer."""
NAMED = FAMILY + 0.1
"""A business whose name names what was asked ("Reparatiecafé Lombok" for "repair café"): a good
answer, after the shop types that usually have it."""
BRAND_ASKED = 0.3
"""A branch of the chain a question names by name goes before equally relevant others."""
NAME_MENTION_MAX = 3
"""A name word shared by more businesses than this is not a mention of one of them."""


@dataclass(frozen=True, slots=True)
class SearchParts:
    """What the service is built from, so tests and benchmarks can reuse a loaded lexicon."""

    lexicon: Lexicon
    analyser: Analyser
    generic: frozenset[str] = frozenset()
    """Generic words ("parts", "Zubehör"): next to another word they only sharpen, never answer."""


def default_parts() -> SearchParts:
    """The lexicon and analyser. A language's lemma table is read when a word of it is first looked up
    (``concierge.text.lemma_table``, a millisecond from the kept table): a worker answering one
    language never holds the others' (German alone is about 6 MB)."""
    lexicon = load_lexicon()
    generic: set[str] = set()
    for lang in LANGS:
        data = language_data(lang)
        generic |= data.stopwords | data.shop_words
    return SearchParts(lexicon, Analyser(lexicon, generic), kept_generic_words(lexicon))


class SearchService:
    index: SearchIndex

    def __init__(
        self,
        areas: list[AreaView],
        businesses: list[BusinessView],
        default_language: str = "nl",
        parts: SearchParts | None = None,
        previous: SearchService | None = None,
    ):
        """``previous``, a service built from the same parts, lends the index keys of the businesses
        whose views it shares, so an edit re-analyses only the businesses that changed."""
        self.default_language = default_language
        self.parts = parts or default_parts()
        self.lexicon = self.parts.lexicon
        self._load(areas, businesses, previous if previous and previous.parts is self.parts else None)

    def _load(
        self, areas: list[AreaView], businesses: list[BusinessView], previous: SearchService | None
    ) -> None:
        self.areas = areas
        self._areas = {a.id: a for a in areas}
        published = [b for b in businesses if b.status == "published"]
        analyse: Callable[[BusinessView], Iterable[str]] = self.parts.analyser.keys
        if previous is not None:
            known, old = previous.index.keys_by_id(), previous.business

            def reuse(business: BusinessView) -> Iterable[str]:
                if old(business.id) is business:
                    return known[business.id]
                return self.parts.analyser.keys(business)

            analyse = reuse
        self.index = SearchIndex(published, analyse)
        self._chains = frozenset(i for i, b in enumerate(self.index.businesses) if not b.independent)
        self._brands = {i: self._brand(self.index.businesses[i]) for i in self._chains}
        """Chains' branches share a brand for fair turns; an independent is its own brand."""
        self._branches: dict[str, set[int]] = defaultdict(set)
        """Chain brand names ("albert heijn") by first word, with their branches, for questions that
        ask for a chain by name."""
        for i, key in self._brands.items():
            if key.startswith("brand="):
                self._branches[key[6:]].add(i)
        self._brand_starts: dict[str, list[str]] = defaultdict(list)
        for brand in self._branches:
            if brand:
                self._brand_starts[brand.split()[0]].append(brand)
        self._status_cache: tuple[dt.datetime | None, dict[int, hours.HoursStatus]] = (None, {})
        self._by_id = {b.id: b for b in published}
        self._by_ref = {short_ref(b.id): b for b in published}
        product_words = {key[2:] for key in self.index.postings if key[0] in "hx"}
        self.reader = Reader(self.lexicon, product_words)
        self._understand = _reader_cache(self.reader, self.default_language)
        self.published: Published | None = None
        """What ``open_search`` read from the database, for reading only changes next time."""

    @property
    def area(self) -> AreaView | None:
        return self.areas[0] if self.areas else None

    def _brand(self, business: BusinessView) -> str:
        area = self.area_of(business)
        return brand_key(business.name, business.tags, area.country if area else None, business.categories)

    def area_of(self, business: BusinessView) -> AreaView | None:
        return self._areas.get(business.area_id or "") or self.area

    def business(self, business_id: str) -> BusinessView | None:
        return self._by_id.get(business_id)

    def by_ref(self, ref: str) -> BusinessView | None:
        """The business behind a ``short_ref`` (callback data and deep links carry those)."""
        return self._by_ref.get(ref)

    def businesses(self) -> list[BusinessView]:
        return list(self._by_id.values())

    def ask(
        self,
        question: str,
        *,
        near: tuple[float, float] | None = None,
        lang_hint: str | None = None,
        limit: int = 3,
        now: dt.datetime | None = None,
        reply_language: str | None = None,
    ) -> Answer:
        """The short list for ``question`` around ``near`` (the area's centre when None).

        Texts for the person (``message``, each ``why``) are in ``reply_language``, else in the language
        of ``lang_hint`` (the person's own), else in the language the question was written in.

        Never raises for any text: bad input gets an empty list and a message saying why.
        """
        now = now or dt.datetime.now(dt.UTC)
        limit = max(1, min(int(limit), MAX_RESULTS))
        hint = normalise_language(lang_hint, self.default_language) if lang_hint else None
        understanding = self._understand(question, hint)
        lang = understanding.language
        lang_out = normalise_language(reply_language or hint or lang, lang)
        t = translator(lang_out)
        area = self.area
        position = _position(near)
        near_is_default = position is None
        center = position or (area.center if area else (0.0, 0.0))
        where_name, center = self._place(understanding, area, center)
        understood = Understood(
            understanding.what, where_name or understanding.where, tuple(understanding.filters)
        )

        def answer(
            results: tuple[Result, ...] = (),
            message: str = "",
            nearest: int | None = None,
            more: tuple[Result, ...] = (),
        ) -> Answer:
            return Answer(
                question, lang_out, understood, results, message, center, near_is_default, nearest, more
            )

        if not understanding.units:
            if not understanding.rest:
                return answer(
                    message=t(
                        "Ask me for a product, a service or a kind of shop, for example “bread”, “bike repair” or “florist”."
                    )
                )
            return answer(
                message=t(
                    "I don't know what “{what}” is yet. Try another word for it, or a kind of shop.",
                    what=understood.what,
                )
            )
        if not self.index.businesses:
            return answer(message=t("The catalogue is empty: no businesses have been added yet."))

        radius = area.radius_m if area else DEFAULT_RADIUS_M
        furthest = max(radius, WALK_M)
        asked = self._asked_branches(question)
        matches = self._match(understanding, self.index.around(center[0], center[1], furthest), asked)
        shown = [i for i, match in matches.items() if match.score >= BROAD_ALSO]
        distances = self.index.distances(shown, center[0], center[1])
        reach = _reach(matches, distances, radius, furthest)
        local = [i for i, d in distances.items() if d <= reach]
        if not any(matches[i].score >= SHOWN_LEVEL for i in local):
            matches = self._match(understanding)
            distances = self.index.distances(matches, center[0], center[1])
            relevant = [i for i in matches if matches[i].score >= SHOWN_LEVEL]
            nearest = min((distances[i] for i in relevant), default=None)
            message = t("I don't know any business nearby for “{what}”.", what=understood.what)
            if nearest is not None:
                message += " " + t(
                    "The nearest one I know is {distance} away.", distance=format_distance(nearest, lang_out)
                )
            return answer(message=message, nearest=int(nearest) if nearest is not None else None)

        status = self._statuses_at(now)
        businesses = self.index.businesses
        chains = self._chains
        if asked:
            # The question names a chain ("is there an R-kioski?"): its branches answer first.
            chains = chains - asked
            for i in asked & matches.keys():
                m = matches[i]
                matches[i] = Match(m.level, m.reason, m.detail, m.bonus + BRAND_ASKED)
        local = self._apply_filters(local, understanding.filters, now)
        if "open_now" in understanding.filters:
            local = [i for i in local if status(i).open_now is not False]
        ranked: list[int] = []
        batch_size = MAX_RESULTS
        while local and len(ranked) < MAX_RESULTS:
            batch = order(
                local,
                matches,
                distances,
                ids=lambda i: businesses[i].id,
                brand=lambda i: self._brands.get(i) or businesses[i].id,
                chains=chains,
                open_rank=lambda i: {True: 0, None: 1, False: 2}[status(i).open_now],
                question_key=" ".join(sorted(u.text for u in understanding.units)),
                day=now.astimezone(ZoneInfo(area.timezone if area else "UTC")).date(),
                limit=batch_size,
            )
            ranked += [i for i in batch if self._fits_hours(i, understanding.filters, status, now)]
            if len(batch) < batch_size:
                break
            taken = set(batch)
            local = [i for i in local if i not in taken]
            batch_size *= 4
        ranked = ranked[:MAX_RESULTS]
        if not ranked:
            return answer(message=self._filter_message(understanding.filters, t))
        results = tuple(
            self._result(businesses[i], matches[i], distances[i], status(i), now, lang_out) for i in ranked
        )
        message = ""
        if all(not r.independent for r in results[:limit]) and not asked:
            message = t("No independent business nearby has this; these chain stores do.")
        elif reach > radius and max(r.distance_m for r in results[:limit]) > radius:
            furthest_shown = max(r.distance_m for r in results[:limit])
            message = t(
                "I looked up to {distance} away to find these.",
                distance=format_distance(furthest_shown, lang_out),
            )
        return answer(results[:limit], message, more=results[limit:])

    def _asked_branches(self, question: str) -> frozenset[int]:
        """Branches of every chain brand the question names by its whole name."""
        text = f" {normalise_name(question)} "
        found: set[int] = set()
        for word in set(text.split()):
            for brand in self._brand_starts.get(word, ()):
                if f" {brand} " in text:
                    found |= self._branches[brand]
        return frozenset(found)

    def kind_of(self, name: str, language: str) -> str:
        """``service`` when an owner's line names only services ("fietsreparatie", "band plakken"),
        else ``product``."""
        analysis = self.parts.analyser.product(name, normalise_language(language, self.default_language))
        named = analysis.concepts - analysis.guessed
        return "service" if named and all(c.startswith("services:") for c in named) else "product"

    def _place(
        self, understanding: Understanding, area: AreaView | None, center: tuple[float, float]
    ) -> tuple[str | None, tuple[float, float]]:
        """A place the area knows ("het station") moves the search there."""
        if not understanding.where or not area or not area.places:
            return None, center
        wanted = set(tokens(understanding.where))
        for name, position in area.places.items():
            if wanted & {w for w in tokens(name) if len(w) >= 3}:
                return name, position
        return None, center

    def _match(
        self, understanding: Understanding, reach: Reach | None = None, asked: frozenset[int] = frozenset()
    ) -> dict[int, Match]:
        """Every business that answers some part of the question, at its best relevance level.

        Context units ("pour mon chat") and story themes next to a product only add a bonus; a partner
        of a business the question names ("the bread De Vensterbank serves") gets a partner bonus.
        """
        index = self.index
        mentions = self._mentions(understanding)
        mention_words = {w for words in mentions.values() for w in words}
        mentioned_names: set[str] = set()
        for i in mentions:
            mentioned_names |= set(tokens(index.businesses[i].name))
        units = [
            u
            for u in understanding.units
            if not (set(u.literal) & mention_words)
            and not (mentions and set(u.text.split()) <= mentioned_names)
        ]
        answering: list[dict[int, Match]] = []
        supporting: list[dict[int, Match]] = []
        stories: list[dict[int, Match]] = []
        need = any(u.words > 1 and _domain(u) == {"services"} for u in units if not u.context)
        generic = {id(u) for u in units if self._generic(u)}
        specific = any(not u.context and id(u) not in generic for u in units)
        sharpening: list[dict[int, Match]] = []
        for unit in units:
            found = self._unit_matches(unit, reach)
            if unit.hits and _domain(unit) == {"values"}:
                stories.append(found)
            elif unit.context or (need and unit.hits and _domain(unit) <= {"goods", "food"}):
                supporting.append(found)
            elif specific and id(unit) in generic:
                sharpening.append(found)
            else:
                answering.append(found)
        if not any(m.level >= SHOWN_LEVEL for found in answering for m in found.values()):
            answering = answering + stories
        else:
            supporting = supporting + stories
        combined: dict[int, Match] = dict(answering[0]) if answering else {}
        for found in answering[1:]:
            for i, match in found.items():
                best = combined.get(i)
                if best is None or match.level > best.level:
                    combined[i] = match
        everything = answering + supporting
        if len(everything) > 1:
            covered: dict[int, int] = defaultdict(int)
            for found in everything:
                for i, match in found.items():
                    if match.level >= FAMILY:
                        covered[i] += 1
            for i, count in covered.items():
                if count > 1 and i in combined:
                    combined[i] = combined[i].with_bonus(COVERAGE_BONUS * min(3, count - 1))
        for found in sharpening:  # "cargo bike parts": where the other words match too, a listed product
            for i, match in found.items():
                best = combined.get(i)
                if best is not None and match.level > best.level:
                    combined[i] = Match(match.level, match.reason, match.detail, best.bonus)
                if best is not None and match.level >= EXACT:
                    combined[i] = combined[i].with_bonus(combined[i].bonus + COVERAGE_BONUS)
        for mentioned in mentions:
            for partner_id in index.businesses[mentioned].partners:
                j = index.position.get(partner_id)
                if j is not None and j in combined and combined[j].level >= SHOWN_LEVEL:
                    combined[j] = Match(
                        combined[j].level,
                        "partner",
                        index.businesses[mentioned].id,
                        combined[j].bonus + PARTNER_BONUS,
                    )
        if mentions:
            others = [i for i in combined if i not in mentions and combined[i].score >= SHOWN_LEVEL]
            for i in mentions:
                if i in asked and i in combined:
                    continue  # a chain asked for by name ("supermarkt Albert Heijn") stays an answer
                if others:
                    combined.pop(i, None)
                else:
                    combined[i] = Match(SHOWN_LEVEL if not units else NAME, "name", index.businesses[i].name)
        return combined

    def _generic(self, unit: Unit) -> bool:
        """A unit of generic words only ("parts", "accessoires"): next to another word it only sharpens
        ("cargo bike parts": the bike shop that lists them first), for that word says what is asked;
        next to a word that finds nothing ("spaceship parts") the answer stays honestly empty. A word
        of the lexicon's terms that names nothing alone, not even loosely ("spare" of "spare parts"),
        is a modifier too: only a word the lexicon has never seen can be the distinctive one."""
        generic, words = self.parts.generic, self.lexicon.words_by_lang
        return not unit.strong and all(
            word in generic or (not unit.hits and any(word in words[lang] for lang in LANGS))
            for word in unit.text.split()
        )

    def _unit_matches(self, unit: Unit, reach: Reach | None = None) -> dict[int, Match]:
        index, lexicon = self.index, self.lexicon
        puts: list[tuple[Match, Iterable[int]]] = []
        phrase = PHRASE if unit.words > 1 else 0.0

        def put(positions: Iterable[int], level: float, reason: str, detail: str) -> None:
            puts.append((Match(level, reason, detail), positions))

        for hit in unit.hits:
            concept = lexicon.concepts[hit.concept]
            if concept.kind == "product":
                specialists: set[int] = set()
                for tag in concept.tags:
                    specialists.update(index.lookup(f"t:{tag}"))
                for cid in (concept.id, *lexicon.descendants(concept.id)):
                    sellers = index.lookup(f"c:{cid}")
                    put(sellers, EXACT + phrase, "product", cid)
                    put(specialists.intersection(sellers), EXACT + phrase + SPECIALIST, "product", cid)
                    put(index.lookup(f"m:{cid}"), NAMED + phrase, "named", cid)
                for aid in lexicon.ancestors(concept.id):
                    put(index.lookup(f"c:{aid}"), FAMILY + phrase, "family", aid)
                for tag in concept.tags:
                    level = LEXICON + phrase + (0.0 if concept.is_primary(tag) else SECONDARY_TAG)
                    put(
                        index.lookup(f"t:{tag}"),
                        level + (SPECIFIC_TAG if _sub_tag(tag) else 0.0),
                        "lexicon",
                        concept.id,
                    )
                also = ALSO if not concept.id.startswith("services:") else SERVICE_ALSO
                other_kinds = _other_kinds(index, concept.tags)
                for tag in concept.also:
                    broad = tag in lexicon.broad_tags and not concept.id.startswith("food:")
                    level = BROAD_ALSO if broad else also
                    found = index.lookup(f"t:{tag}")
                    put(
                        set(found) - other_kinds if other_kinds else found,
                        min(level, also),
                        "also",
                        concept.id,
                    )
            elif concept.kind == "shop":
                for tag in concept.tags:
                    level = (ALSO if hit.weak else NAMED_SHOP) + (SPECIFIC_TAG if _sub_tag(tag) else 0.0)
                    put(index.lookup(f"t:{tag}"), level, "category", tag)
            else:
                put(index.lookup(f"s:{concept.id}"), STORY, "story", concept.id)
        if not unit.hits or self._generic(unit):  # "pièces" names a coin machine only loosely
            for form in unit.literal:
                put(index.lookup(f"h:{form}"), EXACT, "product", form)
                put(index.lookup(f"x:{form}"), WORD_MATCH, "word", form)
        return _best_matches(puts, reach)

    def _mentions(self, understanding: Understanding) -> dict[int, set[str]]:
        """Businesses the question names by a distinctive word of their name ("De Melkbus")."""
        found: dict[int, set[str]] = defaultdict(set)
        covered = {w for u in understanding.units if u.hits and u.words > 1 for w in u.text.split()}
        for word in understanding.rest:
            if word in covered:
                continue
            if len(word) < 4 or self.lexicon.lookup(word):
                continue
            for form in variants(word):
                positions = self.index.lookup(f"n:{form}")
                if 0 < len(positions) <= NAME_MENTION_MAX:
                    for i in positions:
                        found[i].add(word)
                    break
        return dict(found)

    def _statuses_at(self, now: dt.datetime) -> Callable[[int], hours.HoursStatus]:
        """Opening status by position at ``now``, remembered for the minute (hours have minute
        precision): under load many questions rank the same shops within a minute."""
        minute = now.replace(second=0, microsecond=0)
        cache = self._status_cache
        if cache[0] != minute:
            cache = self._status_cache = (minute, {})
        known = cache[1]
        businesses = self.index.businesses

        def status(i: int) -> hours.HoursStatus:
            found = known.get(i)
            if found is None:
                found = known[i] = self._status(businesses[i], now)
            return found

        return status

    def _status(self, business: BusinessView, now: dt.datetime) -> hours.HoursStatus:
        area = self.area_of(business)
        return hours.status(
            business.opening_hours,
            now,
            area.timezone if area else "Europe/Amsterdam",
            area.country if area else "NL",
            business.closed_from,
            business.closed_until,
            business.special_hours,
        )

    def _apply_filters(self, positions: list[int], filters: list[str], now: dt.datetime) -> list[int]:
        """The filters that need no opening hours (delivery, pickup); hours are checked on the ranked
        few by ``_fits_hours``, since a dense city can put a thousand cafés within reach."""
        businesses = self.index.businesses
        out = positions
        for name in filters:
            if name == "delivery":
                out = [
                    i
                    for i in out
                    if businesses[i].delivery not in ("", "none")
                    or businesses[i].tags.get("delivery") == "yes"
                ]
            elif name == "pickup":
                out = [
                    i
                    for i in out
                    if businesses[i].pickup or businesses[i].tags.get("takeaway") in ("yes", "only")
                ]
            elif (field := registry.BY_NAME.get(name.partition(":")[0])) is not None:
                # Only where it is known: never "takes cards" for a shop that never said.
                wanted = name.partition(":")[2]
                out = [i for i in out if registry.matches(field, getattr(businesses[i], field.name), wanted)]
        return out

    def _fits_hours(
        self, i: int, filters: list[str], status: Callable[[int], hours.HoursStatus], now: dt.datetime
    ) -> bool:
        business = self.index.businesses[i]
        for name in filters:
            if name == "open_now" and status(i).open_now is False:
                return False
            if name.startswith("open_day:") and not self._open_on(business, now, weekday=int(name[9:])):
                return False
            if name == "open_evening" and not self._open_on(business, now, evening=True):
                return False
        return True

    def _open_on(
        self, business: BusinessView, now: dt.datetime, weekday: int | None = None, evening: bool = False
    ) -> bool:
        parsed = hours.parse(business.opening_hours)
        if parsed is None:
            return True
        area = self.area_of(business)
        local = now.astimezone(ZoneInfo(area.timezone if area else "Europe/Amsterdam")).replace(tzinfo=None)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            for begin, end, state, _comment in parsed.intervals(start, start + dt.timedelta(days=7)):
                if str(state).upper().endswith("OPEN"):
                    if (
                        weekday is not None
                        and begin.weekday() != weekday
                        and (end - dt.timedelta(minutes=1)).weekday() != weekday
                    ):
                        continue
                    if evening and not (end.hour * 60 + end.minute >= 19 * 60 or end.date() > begin.date()):
                        continue
                    return True
        except Exception:
            return False
        return False

    @staticmethod
    def _filter_message(filters: list[str], t: Translate) -> str:
        if "open_now" in filters:
            return t("Nothing that fits is open right now.")
        if "delivery" in filters:
            return t("Nothing that fits delivers.")
        if "pickup" in filters:
            return t("Nothing that fits offers pickup.")
        known = [name for name in filters if name.partition(":")[0] in registry.BY_NAME]
        if known:
            field = registry.BY_NAME[known[0].partition(":")[0]]
            detail = f"{t(field.card)}: {t(field.says(known[0].partition(':')[2]))}"
            return t("I know of no business that fits with “{detail}”.", detail=detail)
        return t("Nothing that fits is open then.")

    def _result(
        self,
        business: BusinessView,
        match: Match,
        distance_m: float,
        status: hours.HoursStatus,
        now: dt.datetime,
        lang: str,
    ) -> Result:
        t = translator(lang)
        matched, why = self._why(business, match, lang)
        opens_at = status.opens_at if status.open_now is False else None
        closed_until = business.closed_until if status.closed_temporarily else None
        outdated = business.confirmed_at is not None and now - business.confirmed_at > OUTDATED_AFTER
        return Result(
            id=business.id,
            name=business.name,
            categories=business.categories,
            lat=business.lat,
            lon=business.lon,
            distance_m=round(distance_m),
            open_now=status.open_now,
            opens_at=opens_at,
            hours_raw=business.opening_hours,
            matched=matched,
            why=why or t("Matches your question"),
            story=business.story_line,
            independent=business.independent,
            tier=int(match.level),
            source_id=business.source_id,
            address=business.address,
            outdated=outdated,
            closed_until=closed_until,
            opening=opening_state(
                status.open_now, opens_at, closed_until, status.closed_temporarily, now, lang
            ),
            story_lang=business.story_language if business.story_line else "",
            fields=tuple(
                (f.name, registry.to_json(f, getattr(business, f.name))) for f in registry.on_card()
            ),
        )

    def _why(self, business: BusinessView, match: Match, lang: str) -> tuple[tuple[str, ...], str]:
        t = translator(lang)
        shop = _shop_name(business.categories, lang)
        if match.reason in ("product", "family", "partner", "word"):
            product = self._matching_product(business, match)
            if product:
                item = self._in_words_of(product, match, lang)
                verb = (
                    t("Offers {item}", item=item)
                    if product.kind == "service"
                    else t("Sells {item}", item=item)
                )
                if match.reason == "partner":
                    partner = self._by_id.get(match.detail)
                    return (product.name,), verb + (
                        " · " + t("works with {name}", name=partner.name) if partner else ""
                    )
                return (product.name,), verb
        if match.reason == "partner":
            partner = self._by_id.get(match.detail)
            return (), t("Works with {name}", name=partner.name) if partner else shop
        if match.reason in ("lexicon", "also", "family", "product"):
            concept = self._concept_label(match, lang)
            text = (
                t("{shop} · usually has {item}", shop=shop, item=concept)
                if match.reason != "also"
                else t("{shop} · may have {item}", shop=shop, item=concept)
            )
            return ((concept,) if concept else ()), text
        if match.reason == "category":
            return (shop,), shop
        if match.reason == "named":
            concept = self._concept_label(match, lang)
            return (business.name,), t(
                "{shop} · its name says {item}", shop=shop, item=concept
            ) if shop else t("Its name says {item}", item=concept)
        if match.reason == "story":
            theme = self.lexicon.concepts.get(match.detail)
            label = theme.label(lang) if theme else match.detail
            return (label,), t("Their story: {theme}", theme=label)
        return (), t("Name matches your question")

    def _in_words_of(self, product: ProductView, match: Match, lang: str) -> str:
        """The product as the reader says it, with the shop's own word beside it where that differs:
        "oat milk (haverdrink)" in English, plain "haverdrink" in Dutch."""
        concept = self.lexicon.concepts.get(match.detail)
        if concept is None:
            return product.name
        label = _label(concept.label(lang), lang)
        if fold(label) in fold(product.name):
            return product.name
        return f"{label} ({product.name})"

    def _concept_label(self, match: Match, lang: str) -> str:
        concept = self.lexicon.concepts.get(match.detail)
        if concept is not None:
            return _label(concept.label(lang), lang)
        return match.detail if "=" not in match.detail else ""

    def _matching_product(self, business: BusinessView, match: Match) -> ProductView | None:
        analyser = self.parts.analyser
        wanted = match.detail
        for product in business.products:
            if product.sold_out:
                continue
            lang = analyser.product_language(product.name, product.language, business)
            analysis = analyser.product(product.name, lang)
            if wanted in analysis.concepts or wanted in analysis.heads or wanted in analysis.words:
                return product
            if any(
                wanted in self.lexicon.ancestors(c) or c in self.lexicon.ancestors(wanted)
                for c in analysis.concepts
            ):
                return product
        return None


PRIMARY_KEYS = frozenset({"shop", "amenity", "craft", "office", "healthcare", "leisure", "tourism"})


def _domain(unit: Unit) -> set[str]:
    """Where a unit's concepts come from: ``food``, ``goods``, ``services``, ``values`` or ``shop``."""
    return {hit.concept.split(":", 1)[0] for hit in unit.hits}


def _other_kinds(index: SearchIndex, tags: Iterable[str]) -> set[int]:
    """Businesses of another kind than the concept names ("cuisine=sushi" for kebab): no "may have"
    hint for them, their own tag says what they are."""
    specific = [tag for tag in tags if _sub_tag(tag)]
    out: set[int] = set()
    for tag in specific:
        out.update(index.lookup(f"k:{tag.partition('=')[0]}"))
    for tag in specific:
        out.difference_update(index.lookup(f"t:{tag}"))
    return out


def _label(term: str, lang: str) -> str:
    """A lexicon term as written in a sentence: the lexicon keeps terms in lower case, and German
    writes its nouns (every product and service name) with a capital."""
    return term[:1].upper() + term[1:] if lang == "de" else term


def _reach(matches: dict[int, Match], distances: dict[int, float], radius: float, furthest: float) -> float:
    """How far the short list looks: the area's radius when it holds ``GOOD_ENOUGH`` good answers
    (a product, its family, or the kind of shop that has it), else the next step of a walk that does,
    up to ``furthest``. Hints ("may have") never make the search look further."""
    good = heapq.nsmallest(GOOD_ENOUGH, (d for i, d in distances.items() if matches[i].score >= GOOD_LEVEL))
    if len(good) >= GOOD_ENOUGH and good[GOOD_ENOUGH - 1] <= radius:
        return radius
    if not good or good[0] > furthest:
        return radius
    wanted = good[min(GOOD_ENOUGH, len(good)) - 1]
    for step in REACH_STEPS_M:
        if radius < step <= furthest and step >= wanted:
            return step
    return furthest


def _sub_tag(tag: str) -> bool:
    return tag.split("=", 1)[0] not in PRIMARY_KEYS


@lru_cache(maxsize=4096)
def _shop_name(categories: tuple[str, ...], lang: str) -> str:
    return load_taxonomy().name(list(categories), lang) if categories else ""


def _position(near: object) -> tuple[float, float] | None:
    """A usable (lat, lon) from whatever was passed, or None (then the area's centre is used)."""
    try:
        lat, lon = float(near[0]), float(near[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


async def open_search(
    sessions: async_sessionmaker[AsyncSession],
    default_language: str = "nl",
    parts: SearchParts | None = None,
    previous: SearchService | None = None,
) -> SearchService:
    """A service over the published catalogue. With ``previous`` (after an edit) only the businesses
    that changed since it was built are read and analysed again."""
    async with sessions() as session:
        areas = await load_areas(session)
        published = await load_published(session, previous.published if previous else None)
    # Building the index is CPU work (seconds for a city): in a thread, the event loop keeps
    # answering from the current index until the new one replaces it.
    service = await asyncio.to_thread(
        SearchService,
        areas,
        published.businesses,
        default_language,
        parts or (previous.parts if previous else None),
        previous,
    )
    service.published = published
    forget_words()
    return service


def _reader_cache(reader: Reader, default_language: str) -> Callable[[str, str | None], Understanding]:
    """Reads questions, remembering the last few thousand: residents ask the same things over and
    over, and nobody changes an understanding once made. The cache holds the reader, not the service,
    so a replaced service is freed by reference counting alone (the heap may be frozen, see
    ``concierge.heap.freeze_heap``)."""

    @lru_cache(maxsize=4096)
    def read(question: str, hint: str | None) -> Understanding:
        return understand(question, reader, lang_hint=hint, default_language=default_language)

    return read


def _best_matches(puts: list[tuple[Match, Iterable[int]]], reach: Reach | None) -> dict[int, Match]:
    """Each business at the highest level any of ``puts`` gives it (the first put among equals).

    Matches are shared, and the set work runs in C: a dense city puts thousands of businesses in reach.
    """
    found: dict[int, Match] = {}
    for match, positions in sorted(puts, key=lambda put: -put[0].level):
        fresh = reach.intersection(positions) if reach is not None else set(positions)
        if found:
            fresh = fresh.difference(found)
        found.update(dict.fromkeys(fresh, match))
    return found
