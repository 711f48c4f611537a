"""Query understanding: from a free-text question to what is wanted, where, and with which filters.

The steps, in order: clean the text; detect its language (the platform's hint only breaks ties);
take out filters ("nu open", "delivers", "samstags geöffnet") and a named place ("near the station");
take out question phrasing ("waar kan ik ... kopen", "where can I get", "wo gibt es", "où acheter");
then read what is left against the lexicon, longest phrase first, trying lemmas, Dutch and German
compounds and, for words of five letters or more, typos. Words the lexicon does not know are kept as
literal words, to be matched against owners' own product lists and business names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from concierge.lexicon import Hit, Lexicon
from concierge.query_data import LanguageData, field_filter_words, language_data, phrases_of
from concierge.text import LANGS, clean, lemma, marked_words, tokens, variants
from concierge.words import PLAIN_WORD, is_word, known_shares, zipf

SLIP_MIN = 5
"""Filter words of at least this many letters are still read with a one-letter slip."""
COMPOUNDING = ("nl", "de")
"""Languages that write compounds as one word; a compound is tried in the question's language first."""
MAX_COMPOUND = 40
MAX_UNKNOWN = 8
"""Unknown words per question tried as typos or compounds: a real question has a few; a pasted text
or nonsense must not cost more than a normal question or two."""
UNLIKELIER_SPLIT = 0.75
"""A compound's cut counts when its rarer part is at most this much (Zipf) rarer than that of the
likeliest cut."""


@dataclass
class Unit:
    """One thing the question asks for: a phrase and the concepts it names, or a literal word."""

    text: str
    hits: list[Hit] = field(default_factory=list)
    literal: tuple[str, ...] = ()
    """Folded forms to look up in product lists and names when no concept is known."""
    words: int = 1
    corrected: bool = False
    context: bool = False
    """Named only as whom or what the thing is for ("pour mon chat"): it sharpens, never answers."""

    @property
    def strong(self) -> bool:
        return any(not hit.weak for hit in self.hits)


@dataclass
class Understanding:
    query: str
    language: str
    units: list[Unit]
    filters: list[str]
    where: str | None
    rest: list[str]
    """Words left after phrasing and filters, in order (for display and name matching)."""

    @property
    def what(self) -> str:
        """What is asked for, as read: the matched phrases, or the remaining words."""
        return " ".join(u.text for u in self.units) if self.units else " ".join(self.rest)


def _find(seq: list[str], phrase: tuple[str, ...], start: int = 0) -> int:
    n = len(phrase)
    for i in range(start, len(seq) - n + 1):
        if tuple(seq[i : i + n]) == phrase:
            return i
    return -1


def _remove_all(seq: list[str], phrases: Iterable[tuple[str, ...]]) -> list[str]:
    present = set(seq)
    for phrase in phrases:
        if phrase[0] not in present:
            continue
        while (i := _find(seq, phrase)) >= 0:
            del seq[i : i + len(phrase)]
    return seq


def _ngrams(words: list[str], longest: int = 8) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for n in range(2, longest + 1) for i in range(len(words) - n + 1)}


def grammar_scores(words: list[str]) -> dict[str, float]:
    """How much the words' grammar looks like each language: question phrasing and stop words."""
    grams = _ngrams(words)
    scores = dict.fromkeys(LANGS, 0.0)
    for lang in LANGS:
        data = language_data(lang)
        scores[lang] += 2.5 * sum(len(p) for p in grams & data.phrase_set)
        scores[lang] += sum(1.0 for w in words if w in data.stopwords)
    return scores


def language_scores(words: list[str], lexicon: Lexicon) -> dict[str, float]:
    """How much the words look like each language: their grammar, lexicon terms, and the share of
    words its word list knows when the others are close."""
    scores = grammar_scores(words)
    for lang in LANGS:
        scores[lang] += sum(0.6 for w in words if w in lexicon.words_by_lang[lang])
    ranked = sorted(scores.values(), reverse=True)
    if words and ranked[0] - ranked[1] < 1.0:
        for lang, share in known_shares(words, LANGS).items():
            scores[lang] += 0.4 * share
    return scores


CLEAR_LEAD = 1.0
"""A language is clear when it scores at least this, and this much more than any other."""


def clear_language(text: str, lexicon: Lexicon, *, terms_suffice: bool = False) -> str | None:
    """The language ``text`` is clearly written in, without any hint; ``None`` when it is not clear.

    Product names cross languages (an English speaker in Haarlem types "havermelk" off the shelf), so
    a clear language needs some of its grammar too: a question phrase or a stop word ("where can I buy
    guitar strings?", "wo gibt es Brot"). With ``terms_suffice`` (when nothing better is known of the
    person) the terms alone may decide ("oat milk", "sourdough bread"), as long as they clearly lean
    one way: "croissants", "bike repair" or "pain" do not.
    """
    words = tokens(clean(text))[:60]
    scores = language_scores(words, lexicon)
    (first, best), (_, second) = sorted(scores.items(), key=lambda item: -item[1])[:2]
    if best < CLEAR_LEAD or best - second < CLEAR_LEAD:
        return None
    return first if terms_suffice or grammar_scores(words)[first] >= CLEAR_LEAD else None


def detect_language(words: list[str], lexicon: Lexicon, hint: str | None, default: str) -> str:
    """The text decides; the hint (Telegram's language_code) breaks ties; then the default."""
    scores = language_scores(words, lexicon)
    if hint in scores:
        scores[hint] += 0.75
    best = max(scores.values())
    if best <= 0.75:
        return hint if hint in LANGS else default
    leaders = [lang for lang, score in scores.items() if score == best]
    if hint in leaders:
        return hint
    return default if default in leaders else leaders[0]


@cache
def _field_phrases() -> dict[str, tuple[tuple[str, ...], ...]]:
    """The listing-field filter phrases of several words in every language, by first word, longest first."""
    items = (
        item for by_lang in field_filter_words().values() for words in by_lang.values() for item in words
    )
    found: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases_of(items):
        if len(phrase) > 1:
            found.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(phrases) for first, phrases in found.items()}


@cache
def _slip_vocabulary(lang: str) -> tuple[str, ...]:
    """The filter words a slip may hide, those of ``lang`` first ("bezalen" is German "bezahlen" in a
    German question, Dutch "betalen" in a Dutch one)."""
    ordered = (lang, *(code for code in LANGS if code != lang))
    words = (
        word
        for code in ordered
        for by_lang in field_filter_words().values()
        for item in by_lang.get(code, [])
        for word in tokens(item)
        if len(word) >= SLIP_MIN
    )
    return tuple(dict.fromkeys(words))


def _without_slips(seq: list[str], lang: str) -> list[str]:
    """Listing-field filter words typed with one slip ("rolstoeltoegankelik", "barrierefei") as the
    word. Only words that no language lists (wordfreq) and that keep the first letter: "pannen" stays
    pans, never "pinnen"."""
    vocabulary = _slip_vocabulary(lang)
    out = list(seq)
    for i, word in enumerate(seq):
        if len(word) < SLIP_MIN or word in vocabulary or not word.isalpha():
            continue
        if any(is_word(word, code) for code in LANGS):
            continue
        found = [c for c in vocabulary if c[0] == word[0] and OSA.distance(word, c, score_cutoff=1) <= 1]
        if found:
            out[i] = found[0]
    return out


def _extract_filters(seq: list[str], lang: str) -> tuple[list[str], list[str]]:
    typed, seq = seq, _without_slips(seq, lang)
    originals = list(typed)
    found: list[str] = []
    for code in (lang, *[other for other in LANGS if other != lang]):
        data = language_data(code)
        present = set(seq)
        for name, phrases in data.filters.items():
            for phrase in phrases:
                if phrase[0] not in present or (len(phrase) == 1 and code != lang):
                    continue
                i = _find(seq, phrase)
                if i < 0:
                    continue
                bare_now = (
                    name == "open_now"
                    and len(phrase) == 1
                    and phrase[0] in {"nu", "now", "jetzt", "maintenant"}
                )
                if bare_now and not any(w in data.filter_context for w in seq):
                    continue
                del seq[i : i + len(phrase)]
                del originals[i : i + len(phrase)]
                if name not in found:
                    found.append(name)
        if found and code == lang:
            break
    seq = originals  # a word that was not part of a filter stays as typed
    if found:
        context = language_data(lang).filter_context
        seq = [w for w in seq if w not in context]
    return seq, found


def _extract_place(seq: list[str], lang: str) -> tuple[list[str], str | None]:
    present = set(seq)
    for marker in language_data(lang).near_markers:
        if marker[0] not in present:
            continue
        i = _find(seq, marker)
        if i > 0:
            place = seq[i + len(marker) : i + len(marker) + 4]
            if place:
                return seq[:i] + seq[i + len(marker) + len(place) :], " ".join(place)
    return seq, None


class Reader:
    """Reads leftover words against the lexicon; holds the fuzzy vocabulary built once at start."""

    def __init__(self, lexicon: Lexicon, extra_vocabulary: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        single = {k for k in lexicon.phrases if " " not in k and len(k) >= 4}
        single |= {
            w for words in lexicon.words_by_lang.values() for w in words if len(w) >= 4 and w.isalpha()
        }
        self.literal_vocabulary = {w for w in extra_vocabulary if len(w) >= 4 and w.isalpha()}
        self._buckets: dict[tuple[int, str], list[str]] = {}
        for word in single | self.literal_vocabulary:
            self._buckets.setdefault((len(word), word[0]), []).append(word)
        for lang in LANGS:
            zipf("", lang)  # word frequencies read now, not during the first question

    def correct(self, word: str, lang: str) -> str | None:
        """The most likely known word within a typo budget that grows with length, or None.

        One edit for words up to six letters, two from seven ("pharmacey", "bycycle"), three from
        twelve ("suppermarket"), counted on the longer of the typed word and the term. Among the
        closest candidates a term of the question's language wins, then the one frequent in it
        ("chesse" is cheese, not chess).
        Real words of the question's language (wordfreq) are never "corrected" ("wolle" is not a typo
        of "colle"), and the first letter is kept: typos there are rare, and it makes the search 20
        times cheaper.
        """
        if len(word) < 4 or not word.isalpha() or is_word(word, lang):
            return None
        own = self.lexicon.words_by_lang.get(lang, frozenset())
        best: tuple[float, bool, float, str] | None = None
        found: str | None = None
        for length in range(len(word) - 3, len(word) + 4):
            budget = _budget(max(len(word), length))
            bucket = self._buckets.get((length, word[0]))
            if not bucket or abs(length - len(word)) > budget:
                continue
            for candidate, distance, _ in process.extract(
                word, bucket, scorer=OSA.distance, score_cutoff=budget, limit=8
            ):
                key = (distance, candidate not in own, -zipf(candidate, lang), candidate)
                if best is None or key < best:
                    best, found = key, candidate
        return found

    def hits_for(self, key: str, lang: str, marked: frozenset[str] | None = None) -> list[Hit]:
        """``marked``: the question's words written with accents (None when ``key`` is not as the
        person wrote it: a corrected word, a compound's tail)."""
        accented = None if marked is None else any(word in marked for word in key.split())
        hits: Sequence[Hit] = self.lexicon.lookup(key, accented)
        if " " not in key and all(h.weak for h in hits):
            for code in (lang, *(other for other in LANGS if other != lang)):
                for variant in variants(key, code)[1:]:
                    found = [h for h in self.lexicon.lookup(variant, accented) if h.lang == code]
                    if any(not h.weak for h in found):
                        return _prefer(found, lang)
                    hits = hits or found
        return _prefer(hits, lang)

    def compound(self, word: str, lang: str) -> tuple[list[Hit], str] | None:
        """Dutch/German compounds: the longest known tail names the concept ("fietsbanden" → band).

        A split counts only when both parts are words of one language: the head (wordfreq, or a lexicon
        word, with or without a linking "s"/"en"/"e") and the tail as a term of that same language
        (Dutch "ruimte|schip" is no English "ship" that sends parcels). A word that English or French
        lists as a word of its own is not split when the question is in that language ("spaceship",
        "landmark"). When the tail is a shop word ("-winkel", "-laden": "Blumenladen") or the head
        names a kind of shop ("Drogerie|markt" is a drugstore, not a market), the head is what is
        asked for.
        """
        if not 7 <= len(word) <= MAX_COMPOUND:
            return None
        if lang not in COMPOUNDING and is_word(word, lang, PLAIN_WORD):
            return None  # "spaceship", "landmark": one thing, not a "space" that ships parcels
        for code in (lang, *(other for other in COMPOUNDING if other != lang)):
            found = self._split(word, code)
            if found:
                return found
        return None

    def _split(self, word: str, lang: str) -> tuple[list[Hit], str] | None:
        """The split whose head names the thing in a shop compound wins; else the longest known tail.

        Only splits about as likely as the likeliest reading of the word count: "ruimte|schip" (two
        common words) is how a Dutch reader cuts "ruimteschip", so "ruimtes|chip" never makes it a
        snack."""
        shop_words = language_data(lang).shop_words
        longest_tail: tuple[list[Hit], str] | None = None
        likely = self._likelihoods(word, lang)
        best = max(likely.values(), default=0.0)
        for cut in range(3, len(word) - 3):
            if likely.get(cut, 0.0) < best - UNLIKELIER_SPLIT:
                continue
            head, tail = word[:cut], word[cut:]
            strong = [h for h in self.hits_for(tail, lang) if not h.weak and h.lang == lang]
            shop_tail = tail in shop_words or (
                bool(strong) and all(self.lexicon.concepts[h.concept].kind == "shop" for h in strong)
            )
            if not (strong or shop_tail) or not self._is_part(head, lang):
                continue
            for form in _heads(head):
                named = [h for h in self.hits_for(form, lang) if not h.weak]
                if named and (
                    shop_tail or any(self.lexicon.concepts[h.concept].kind == "shop" for h in named)
                ):
                    return named, head
            if strong and longest_tail is None:
                longest_tail = strong, head
        return longest_tail

    def _likelihoods(self, word: str, lang: str) -> dict[int, float]:
        """How likely each cut of ``word`` is as a compound of two words of ``lang``: the frequency
        (Zipf) of its rarer part; a term of the lexicon counts as at least a plain word."""
        own = self.lexicon.words_by_lang.get(lang, frozenset())

        def score(part: str) -> float:
            return max(zipf(part, lang), PLAIN_WORD if part in own else 0.0)

        out = {}
        for cut in range(3, len(word) - 3):
            head, tail = word[:cut], word[cut:]
            out[cut] = min(max(score(form) for form in _heads(head)), score(tail))
        return out

    def _is_part(self, head: str, lang: str) -> bool:
        own = self.lexicon.words_by_lang.get(lang, frozenset())
        return any(form in own or is_word(form, lang, PLAIN_WORD) for form in _heads(head))

    def read(
        self,
        seq: list[str],
        lang: str,
        stop: frozenset[str],
        skip: frozenset[str],
        marked: frozenset[str] = frozenset(),
    ) -> list[Unit]:
        """Longest lexicon phrases first.

        ``stop`` words never start or end a phrase but may stand between its words ("display ist
        kaputt" reads as "display kaputt"); ``skip`` words (stop words and generic shop words) are
        dropped when they stand alone.
        """
        seq, fixed = self._fix_typos(seq, lang, stop | skip)
        units: list[Unit] = []
        i = unknown = 0
        while i < len(seq):
            start = i
            matched = self._phrase_at(seq, i, lang, stop, skip, marked)
            if matched:
                unit, i = matched
                unit.corrected = unit.corrected or any(j in fixed for j in range(start, i))
                units.append(unit)
                continue
            word = seq[i]
            i += 1
            if word in skip or len(word) < 3 or word.isdigit():
                continue
            unknown += 1
            unit = self._single(word, lang) if unknown <= MAX_UNKNOWN else Unit(word, [], (word,))
            unit.corrected = unit.corrected or start in fixed
            units.append(unit)
        return _drop_weak(units)

    def _fix_typos(self, seq: list[str], lang: str, small: frozenset[str]) -> tuple[list[str], set[int]]:
        """Typos corrected before phrases are read, so a slip in one word of a term still reads as
        the term ("ice craem", "sporing goods store"). Only words too rare to be listed (wordfreq)
        that the lexicon and the catalogue do not know are corrected."""
        out, fixed = list(seq), set()
        tried = 0
        for i, word in enumerate(seq):
            if word in small or len(word) < 4 or self._known(word, lang):
                continue
            tried += 1
            if tried > MAX_UNKNOWN:
                break
            better = self.correct(word, lang)
            if better and better != word and (_slip(word, better) or not self.compound(word, lang)):
                out[i] = better
                fixed.add(i)
        return out, fixed

    def _known(self, word: str, lang: str) -> bool:
        if is_word(word, lang, PLAIN_WORD):
            return True
        phrases, literal = self.lexicon.phrases, self.literal_vocabulary
        return any(form in phrases or form in literal for form in variants(word, lang))

    def _phrase_at(
        self,
        seq: list[str],
        i: int,
        lang: str,
        stop: frozenset[str],
        skip: frozenset[str],
        marked: frozenset[str] = frozenset(),
    ) -> tuple[Unit, int] | None:
        if seq[i] in stop:
            return None
        content = [j for j in range(i, len(seq)) if seq[j] not in stop][: self.lexicon.max_words]
        for n in range(min(self.lexicon.max_words, len(seq) - i), 0, -1):
            part = seq[i : i + n]
            if n == 1 and part[0] in skip:
                return None
            spans = [(part, i + n)]
            if n <= len(content) and n > 1:
                picked = content[:n]
                spans.append(([seq[j] for j in picked], picked[-1] + 1))
            for words, end in spans:
                if len(words) > 1 and (words[0] in stop or words[-1] in stop):
                    continue
                hits = self._phrase_hits(words, lang, marked)
                if hits:
                    text = " ".join(words)
                    return Unit(text, hits, tuple(words), len(text.split())), end
        return None

    def _phrase_hits(self, words: list[str], lang: str, marked: frozenset[str] = frozenset()) -> list[Hit]:
        key = " ".join(words)
        hits = self.hits_for(key, lang, marked)
        if not hits and len(words) > 1:
            accented = any(word in marked for word in words)
            hits = _prefer(self.lexicon.lookup(" ".join(lemma(w, lang) for w in words), accented), lang)
        if not hits and len(words) == 2:
            hits = self.hits_for("".join(words), lang)
        return hits

    def _single(self, word: str, lang: str) -> Unit:
        """A word the lexicon does not know as it stands: a product word of the catalogue, a compound
        of two words, or a typo. A word too rare to be listed (no Zipf value) one slip away from a
        known term is that term, so a compound's tail never wins over the whole word ("suppermarket");
        a compound of two real words wins over a term two edits away ("wekker|winkel")."""
        forms = tuple(dict.fromkeys(variants(word, lang)))
        if any(form in self.literal_vocabulary for form in forms):
            return Unit(word, [], forms)
        listed = is_word(word, lang, PLAIN_WORD)
        fixed = None if listed else self.correct(word, lang)
        compound = None if fixed and _slip(word, fixed) else self.compound(word, lang)
        if compound:
            return Unit(word, compound[0], forms)
        fixed = fixed or self.correct(word, lang)
        if fixed and fixed != word:
            hits = self.hits_for(fixed, lang)
            if not hits:
                compound = self.compound(fixed, lang)
                hits = compound[0] if compound else []
            return Unit(fixed, hits, tuple(dict.fromkeys(variants(fixed, lang))), corrected=True)
        return Unit(word, [], forms)


def _budget(length: int) -> int:
    """Edits allowed between a typed word and a term, by the longer of the two: two letters
    dropped from "yoghurt" ("yghrt") are still two slips of a seven-letter word."""
    return 1 if length < 7 else 2 if length < 12 else 3


def _slip(word: str, fixed: str) -> bool:
    """One edit: likelier a typo of the term than a compound that happens to be near it."""
    return OSA.distance(word, fixed) <= 1


def _heads(head: str) -> list[str]:
    """A compound's first part with and without a linking morpheme ("fietsen", "bloemen", "rijks")."""
    out = [head]
    for link in ("en", "es", "s", "e", "n"):
        if head.endswith(link) and len(head) - len(link) >= 3:
            out.append(head[: -len(link)])
    return out


def _prefer(hits: Sequence[Hit], lang: str) -> list[Hit]:
    """Hits in the question's language win over the same phrase meaning something else elsewhere."""
    if not hits:
        return []
    own = [h for h in hits if h.lang == lang]
    chosen = own or list(hits)
    strong = [h for h in chosen if not h.weak]
    return strong or chosen


def _drop_weak(units: list[Unit]) -> list[Unit]:
    if any(u.strong for u in units):
        return [u for u in units if u.strong or not u.hits]
    return units


@cache
def _phrasing() -> frozenset[tuple[str, ...]]:
    """Filter and question phrases of every language: never taken for a term."""
    out: set[tuple[str, ...]] = set()
    for code in LANGS:
        data = language_data(code)
        out.update(data.question_phrases)
        for phrases in data.filters.values():
            out.update(phrases)
    return frozenset(out)


def _protect_terms(seq: list[str], lexicon: Lexicon, lang: str) -> list[str]:
    """Terms of several words become one item before phrasing, filters and shop words are taken
    out, so their words stay together: "real estate office" is not "a real …", "cultureel centrum"
    is not the town centre, "winkel van goed doel" keeps its "winkel"."""
    out: list[str] = []
    phrasing = _phrasing()
    fixed = _without_slips(seq, lang)
    i = 0
    while i < len(seq):
        starting = _field_phrases().get(fixed[i], ())
        kept = next((p for p in starting if tuple(fixed[i : i + len(p)]) == p), None)
        if kept:  # "accessible en fauteuil roulant" is a filter, not a wheelchair to buy
            out.extend(kept)
            i += len(kept)
            continue
        for n in range(min(lexicon.max_words, len(seq) - i), 1, -1):
            span = tuple(seq[i : i + n])
            if span not in phrasing and any(not h.weak for h in lexicon.lookup(" ".join(span))):
                out.append(" ".join(span))
                i += n
                break
        else:
            out.append(seq[i])
            i += 1
    return out


def _context_span(seq: list[str], data: LanguageData) -> tuple[int, int]:
    """Where "for my dad" / "voor mijn hond" / "für meine Mutter" / "pour mon chat" stands: the
    for-word, the possessive and at most two words after it, up to the next small word. What follows
    ("…, he loves whisky") is a new clause and may well name the thing asked for."""
    for i in range(1, len(seq) - 1):
        if seq[i] in data.for_words and seq[i + 1] in data.possessives:
            end = i + 2
            while end < len(seq) and end < i + 4 and seq[end] not in data.stopwords:
                end += 1
            return i, end
    return len(seq), len(seq)


def _purpose_as_context(units: list[Unit], lexicon: Lexicon) -> list[Unit]:
    """ "A present, he loves whisky": a purpose (a gift) next to a thing named asks for the thing as
    that purpose, so the purpose only sharpens; alone ("a present for my dad") it is the question."""

    def purpose(unit: Unit) -> bool:
        return bool(unit.hits) and all(
            any(
                lexicon.concepts[c].purpose
                for c in (h.concept, *lexicon.ancestors(h.concept))
                if c in lexicon.concepts
            )
            for h in unit.hits
        )

    if any(u.strong and not u.context and not purpose(u) for u in units):
        for unit in units:
            if purpose(unit):
                unit.context = True
    return units


def _merge_context(
    units: list[Unit], context: list[Unit], reader: Reader, lang: str
) -> tuple[list[Unit], list[Unit]]:
    """ "Ersatzteile für mein Fahrrad" asks for bicycle parts, "food for my dog" for dog food: when the
    thing asked for and whom it is for form a known term together, they are one request."""
    for extra in list(context):
        for position, unit in enumerate(units):
            a, c = unit.text, extra.text
            tails = [c[i:] for i in range(1, len(c) - 2)] if " " not in c else []
            keys = [f"{c} {a}", f"{a} {c}"] + [
                f"{t}{link}{a}" for t in (c, *tails) for link in ("", "en", "s", "e")
            ]
            for key in keys:
                hits = [h for h in reader.hits_for(key, lang) if not h.weak]
                if hits:
                    units[position] = Unit(key, hits, (key,), unit.words + extra.words)
                    context.remove(extra)
                    break
            else:
                continue
            break
    return units, context


def disambiguate(units: list[Unit], lexicon: Lexicon) -> list[Unit]:
    """A word naming several concepts keeps those that share shop types with the rest of the question.

    "hakken" is minced meat or heels; next to "schoenen laten maken" it is heels.
    """

    def tags_of(unit: Unit) -> set[str]:
        out: set[str] = set()
        for hit in unit.hits:
            concept = lexicon.concepts[hit.concept]
            out.update(concept.tags)
            out.update(concept.also)
        return out

    for unit in units:
        concepts = {h.concept for h in unit.hits}
        if len(concepts) < 2:
            continue
        others: set[str] = set()
        for other in units:
            if other is not unit:
                others |= tags_of(other)
        if not others:
            continue
        overlapping = [
            h
            for h in unit.hits
            if others & (set(lexicon.concepts[h.concept].tags) | set(lexicon.concepts[h.concept].also))
        ]
        if overlapping:
            unit.hits = overlapping
    return units


def understand(
    question: str,
    reader: Reader,
    *,
    lang_hint: str | None = None,
    default_language: str = "nl",
) -> Understanding:
    text = clean(question)
    seq = tokens(text)[:60]
    lang = detect_language(seq, reader.lexicon, lang_hint, default_language)
    seq = _remove_all(list(seq), (p for code in LANGS for p in language_data(code).use_times))
    seq = _protect_terms(seq, reader.lexicon, lang)
    data = language_data(lang)
    skip = data.stopwords | data.shop_words
    unfiltered = seq
    seq, filters = _extract_filters(list(seq), lang)
    seq, where = _extract_place(seq, lang)
    seq = _remove_all(seq, data.question_phrases)
    if filters and not any(w not in skip for w in seq):
        # Nothing but a filter: it may name the thing asked ("takeaway", "à emporter", "bezorging").
        whole, place = _extract_place(_remove_all(list(unfiltered), data.question_phrases), lang)
        named = any(u.strong for u in reader.read(whole, lang, data.stopwords, skip))
        if named and all(":" in name for name in filters):
            # A listing-field filter names the thing only when it is a term as typed ("pinnen": a
            # cash machine), never through a typo ("contactloos" is no "contactlens").
            named = any(not hit.weak for word in whole for hit in reader.lexicon.lookup(word))
        if named:
            seq, filters, where = whole, [], place
    start, end = _context_span(seq, data)
    marked = marked_words(text)
    units = reader.read(seq[:start] + seq[end:], lang, data.stopwords, skip, marked)
    context = reader.read(seq[start:end], lang, data.stopwords, skip, marked)
    units, context = _merge_context(units, context, reader, lang)
    for unit in context:
        unit.context = True
    units = _purpose_as_context(units, reader.lexicon)
    units = disambiguate(units + context, reader.lexicon) if units else context
    rest = [w for w in seq if w not in skip] or seq
    return Understanding(text, lang, units, filters, where, rest)
