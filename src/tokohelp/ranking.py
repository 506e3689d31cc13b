"""Ranked search over the index: query analysis, two-stage ranking, confidence, snippets.

A query never reaches SQLite as user text: it is tokenised into ``[a-z0-9]``
words, each turned into quoted FTS5 terms, so quotes, operators, ``*``,
emoji or 10 KB of text can only ever produce a harmless OR of words.

Stage one asks FTS5 (BM25 with field weights) for a few dozen candidate
documents. Stage two re-ranks them by *coverage*: each query unit (a word with
its stems and corrections, or a synonym phrase) weighs what it says about the
topic (its idf), and a document earns that weight by the best field it appears
in. The score is the share of the query's weight a document explains, so it
does not grow with query length, one strong word cannot carry a query, and an
out-of-scope question (whose words the library does not use) scores low: that
score is what ``confident`` is decided on.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from tokohelp import textproc
from tokohelp.index import FIELD_SEP, LANG_BITS, QUESTION_SEP, WEIGHTS, Index, unpack
from tokohelp.record import Record

SNIPPET_CHARS = 180
# Marks, among a candidate's matched terms, that a partial query word extends one of them.
PREFIX_MARK = "*"
MAX_CORRECTIONS = 3
# Rare-word and all-words candidates added beside the champions, at most.
MAX_EXTRA = 300
# Stage one hands this many documents (at least) to the re-ranker.
CANDIDATES = 40
# What a unit earns by the field it is found in (title, questions, tags, summary, body).
FIELD_CREDIT = (1.0, 0.9, 0.75, 0.55, 0.3)
# A word the library never uses weighs this share of the rarest word's weight:
# enough to say "this is about something else", not so much that one odd word
# in a long story sinks it.
UNKNOWN_WEIGHT = 0.6
# A negated unit ("without a credit card") counts this much when a document has it
# only un-negated, and fully when the document negates it too.
NEGATED_PLAIN = -0.3
# The final score: coverage over all fields, the best single title, question or tag,
# and the share of the title's terms the query explains.
COVERAGE_SHARE = 0.4
LINE_SHARE = 0.4
TITLE_SHARE = 0.2
# Stage one's BM25 (relative to the best candidate's) adds this share: it knows how
# often and how densely an article uses the words, which coverage ignores.
BM25_SHARE = 0.15
# A title, question or tag line counts at least this share of its weight, the rest by how
# much of the line the query explains.
LINE_FLOOR = 0.5
# A topic's other-language version adds this share of its score to the order.
OTHER_VERSION = 0.1
# Below this many articles a word is no rarer (see _idf).
RARE_DOCS = 3
# A seller article counts this much for a query written from a buyer's side.
OTHER_SIDE = 0.85
# A generic word (data: [weak] in synonyms.toml) weighs this share of its idf.
WEAK = 0.5
# A hit is confident from this score on, and only near the best hit's score, and only
# when at most MAX_UNKNOWN of the query's weight is in words no article uses
# (tuned on tests/eval dev queries).
CONFIDENT = 0.25
CONFIDENT_NEAR = 0.75
MAX_UNKNOWN = 0.15
# A typo-repaired word is a guess: it weighs this share of a typed one.
CORRECTED = 0.7
# Documents in the query's own language win ties by this factor.
SAME_LANGUAGE = 1.03


class Unit:
    """One thing the query says: a word (with stems and repairs) or a synonym phrase.

    A plain class, not a dataclass: every search builds a few, and the search path
    should not pay for generating dataclass methods at import (issue 14).
    """

    __slots__ = ("alternatives", "corrected", "negated", "prefix", "weak", "weights", "word")

    def __init__(self, word: str, alternatives: set[str] | None = None) -> None:
        self.word = word
        self.alternatives: set[str] = alternatives if alternatives is not None else set()
        self.prefix = False
        self.corrected: list[str] = []
        self.negated = False
        self.weak = False  # a generic word ("barang", "item"): see [weak] in synonyms.toml
        # What the unit says about the topic in each language's articles (its idf there).
        self.weights: dict[str, float] = {}

    def fts_terms(self, skip: frozenset[str] = frozenset()) -> list[str]:
        """The alternatives as quoted FTS5 terms (``*`` marks a prefix), minus ``skip``."""
        star = "*" if self.prefix else ""
        alternatives = self.alternatives - skip
        if self.negated:
            alternatives |= {textproc.NEGATED_PREFIX + a for a in alternatives}
        return [f'"{alt}"{star}' for alt in sorted(alternatives)]

    def found_in(self, terms: set[str] | frozenset[str]) -> bool:
        """Whether any alternative is in ``terms`` (for a partial word: its PREFIX_MARK entry,
        which :meth:`ParsedQuery.matched` adds when a term extends it)."""
        if not self.alternatives.isdisjoint(terms):
            return True
        return self.prefix and self.word + PREFIX_MARK in terms


class ParsedQuery:
    """The units of a query, its language, and the stems used for highlighting."""

    __slots__ = ("_cache", "_seen", "language", "seller", "surface", "terms", "unknown_share")

    def __init__(self, terms: list[Unit], language: str = "", *,
                 surface: frozenset[str] = frozenset(), seller: bool = False) -> None:
        self.terms = terms
        self.language = language  # "id", "en", or "" when the words do not tell
        # The share of the query's weight in words no article uses, in any language.
        self.unknown_share = 0.0
        self.surface = surface  # stems of the phrase units' own words
        self.seller = seller  # written from a seller's side ([perspective] in synonyms.toml)
        self._seen: dict[str, bool] = {}
        self._cache: dict[str, Any] = {}

    def highlights(self, word: str) -> bool:
        """Whether a word of an article is one of the query's (cached: texts repeat words)."""
        if word not in self._seen:
            self._seen[word] = _matches(word, self.stems(), self.prefixes())
        return self._seen[word]

    def match_expression(self, skip: frozenset[str] = frozenset()) -> str:
        """The FTS5 MATCH string: an OR of quoted terms (safe by construction)."""
        parts = [fts for term in self.terms for fts in term.fts_terms(skip)]
        return " OR ".join(dict.fromkeys(parts))

    def exact_terms(self) -> list[str]:
        """Every whole (non-prefix) index term the query may match."""
        return sorted({alt for t in self.terms if not t.prefix for alt in t.alternatives})

    def all_of_expression(self) -> str:
        """Documents that match every query unit (one alternative of each)."""
        return " AND ".join(f"({' OR '.join(term.fts_terms())})" for term in self.terms)

    def stems(self) -> set[str]:
        """Every stem a matching word may have, for snippet highlighting."""
        if "stems" not in self._cache:
            self._cache["stems"] = {alt for term in self.terms if not term.negated
                                    for alt in term.alternatives}
        return self._cache["stems"]

    def prefixes(self) -> list[str]:
        """Words typed partially, highlighted by prefix."""
        if "prefixes" not in self._cache:
            self._cache["prefixes"] = [t.word for t in self.terms if t.prefix]
        return self._cache["prefixes"]

    def needles(self) -> list[str]:
        """Short substrings that every word matching the query contains (a cheap prefilter).

        A stem without its first letter survives Indonesian prefixes and sound changes
        ("kirim" in "mengirim" shows as "irim") and English endings ("deliveri" as "eliv").
        """
        if "needles" not in self._cache:
            words = {w for t in self.terms for w in t.word.split()} | set(self.prefixes())
            stems = {a for a in self.stems() if not a.startswith(textproc.CONCEPT_PREFIX)}
            cut = {w[1:5] if len(w) >= 5 else w for w in words | stems}
            self._cache["needles"] = sorted(n for n in cut if n)
        return self._cache["needles"]

    def lookup(self) -> frozenset[str]:
        """Every index term the re-ranker asks about: alternatives, their negated forms and
        the phrase words' stems."""
        if "lookup" not in self._cache:
            alternatives = {a for t in self.terms for a in t.alternatives}
            negated = {textproc.NEGATED_PREFIX + a for a in alternatives}
            self._cache["lookup"] = frozenset(alternatives | negated | self.surface)
        return self._cache["lookup"]

    def matched(self, terms: list[str]) -> frozenset[str]:
        """The query's terms among ``terms``, plus PREFIX_MARK entries for partial words."""
        found = self.lookup().intersection(terms)
        marks = [p + PREFIX_MARK for p in self.prefixes() if any(t.startswith(p) for t in terms)]
        return found.union(marks) if marks else found

    def total_weight(self, lang: str) -> float:
        """The query's whole weight for articles in ``lang``: what a perfect one explains."""
        return sum(t.weights.get(lang, 0.0) for t in self.terms) or 1.0

    def words(self) -> frozenset[str]:
        """Every term the query may match, for how much of a title the query explains.

        The stems of a phrase's own words count too ("tarik saldo" explains the
        "tarik" and "saldo" of a title, not only its concept).
        """
        return frozenset(alt for t in self.terms if not t.negated for alt in t.alternatives
                         ) | self.surface


class Hit(Record):
    """One ranked article (in the reader's language where it exists).

    ``fit`` is how much of the query the article explains (0..1), what ``confident`` is
    decided on; ``score`` (the order) adds a share of BM25 and the same-language preference.
    """

    __slots__ = (
        "category",
        "confident",
        "doc_id",
        "fallback",
        "fit",
        "highlights",
        "lang",
        "path",
        "score",
        "slug",
        "snippet",
        "summary",
        "title",
    )

    def __init__(self, slug: str, lang: str, title: str, category: str, summary: str,
                 path: Path, score: float, snippet: str = "",
                 highlights: list[tuple[int, int]] | None = None, fallback: bool = False,
                 confident: bool = False, doc_id: int = 0, fit: float = 0.0) -> None:
        self.slug, self.lang, self.title, self.category = slug, lang, title, category
        self.summary, self.path, self.score, self.snippet = summary, path, score, snippet
        self.highlights, self.fallback, self.confident = highlights or [], fallback, confident
        self.doc_id, self.fit = doc_id, fit


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment edit distance, giving up (limit+1) once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _allowed_edits(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 7 else 2


def corrections(db: sqlite3.Connection, word: str) -> list[tuple[str, int]]:
    """Indexed words (with the languages they occur in) closest to an unknown ``word``."""
    limit = _allowed_edits(word)
    if not limit:
        return []
    rows = db.execute(
        "SELECT word, langs FROM words"
        " WHERE word >= ? AND word < ? AND length(word) BETWEEN ? AND ?",
        (word[0], chr(ord(word[0]) + 1), len(word) - limit, len(word) + limit),
    ).fetchall()
    scored = sorted((osa_distance(word, w, limit), w, langs) for w, langs in rows)
    best = [(w, g) for d, w, g in scored if d <= limit and d == scored[0][0]] if scored else []
    return best[:MAX_CORRECTIONS]


def _word_langs(db: sqlite3.Connection, words: list[str]) -> dict[str, int]:
    marks = ",".join("?" * len(words))
    return dict(db.execute(f"SELECT word, langs FROM words WHERE word IN ({marks})", words))


def detect_language(tokens: list[str], known: dict[str, int]) -> str:
    """The query's language from its function words and the words the library uses.

    "" when the words do not tell (no clue, or as much of one as of the other).
    """
    votes = textproc.language_votes(tokens)
    for token in tokens:
        langs = known.get(token, 0)
        if langs in (1, 2):  # a word the library uses in one language only
            votes["id" if langs == LANG_BITS["id"] else "en"] += 1
    if votes["id"] == votes["en"]:
        return ""
    return "id" if votes["id"] > votes["en"] else "en"


def adopt_vocabulary(db: sqlite3.Connection) -> None:
    """Use the vocabulary the index was built with, unless this process has one already."""
    if textproc.vocabulary_loaded():
        return
    try:
        row = db.execute("SELECT value FROM blobs WHERE key = 'vocabulary'").fetchone()
    except sqlite3.Error:
        return  # an index without it (or a test database): the data file is read instead
    if row is not None:
        textproc.use_packed(row[0])


def parse_query(db: sqlite3.Connection, text: str) -> ParsedQuery:
    """Tokenise, detect the language, find phrases and negations, repair typos."""
    adopt_vocabulary(db)
    tokens = textproc.query_tokens(text)
    known = _word_langs(db, tokens) if tokens else {}
    language = detect_language(tokens, known)
    stop, weak = textproc.vocabulary().stopwords, textproc.vocabulary().weak
    negated = textproc.negated_positions(tokens)
    spans: dict[int, tuple[int, list[str]]] = {}
    for start, end, concept in textproc.concept_spans(tokens):
        spans.setdefault(start, (end, []))[1].append(concept)
    units: list[Unit] = []
    position = 0
    while position < len(tokens):
        end, found = spans.get(position, (position + 1, []))
        unit = _unit(db, tokens[position:end], found, known, language)
        unit.negated = bool(negated & set(range(position, end)))
        unit.weak = end - position == 1 and tokens[position] in weak
        if found or tokens[position] not in stop or end - position > 1:
            units.append(unit)
        position = end
    units = units or [_unit(db, [t], [], known, language) for t in tokens]
    phrase_words = [w for u in units if " " in u.word and not u.negated for w in u.word.split()]
    surface = frozenset(stem for w in phrase_words if w not in stop
                        for stem in _stems(w, known.get(w, 0), language))
    return ParsedQuery(_merge(units), language, surface=surface,
                       seller=textproc.sellers_view(tokens))


def _unit(db: sqlite3.Connection, words: list[str], concepts: list[str],
          known: dict[str, int], language: str) -> Unit:
    """A unit for one word or one phrase; a phrase stands for its concept alone."""
    if len(words) > 1:
        return Unit(" ".join(words), set(concepts))
    word = words[0]
    unit = Unit(word, {word, *concepts, *_stems(word, known.get(word, 0), language)})
    if word.isdigit() or word in known:
        return unit
    fixes = corrections(db, word)
    unit.corrected = [w for w, _ in fixes]
    for fixed, langs in fixes:
        unit.alternatives.update({fixed, *_stems(fixed, langs, language)})
    unit.prefix = not fixes and len(word) >= 3
    return unit


def _stems(word: str, langs: int, language: str) -> set[str]:
    """Stems of ``word`` in the languages the library uses it in, else the query's language."""
    if langs:
        chosen = [lang for lang, bit in LANG_BITS.items() if langs & bit]
    else:
        chosen = [language] if language else list(LANG_BITS)
    return {textproc.stem(word, lang) for lang in chosen}


def _merge(units: list[Unit]) -> list[Unit]:
    """One unit per distinct meaning: "refund refund" or "pengembalian dana refund" count once."""
    merged: dict[frozenset[str], Unit] = {}
    for unit in units:
        concepts = frozenset(a for a in unit.alternatives if a.startswith(textproc.CONCEPT_PREFIX))
        key = concepts or frozenset(unit.alternatives)
        if unit.prefix:
            key = frozenset({unit.word + "*"})
        merged.setdefault(key, unit)
    return list(merged.values())


def run_search(index: Index, text: str, *, lang: str, category: str | None = None,
               limit: int = 10) -> list[Hit]:
    """Rank articles for ``text``; best first, one hit per slug, in ``lang`` where possible."""
    parsed = parse_query(index.db, text)
    return rank(index, parsed, lang=lang, category=category, limit=limit)


def rank(index: Index, parsed: ParsedQuery, *, lang: str, category: str | None = None,
         limit: int = 10) -> list[Hit]:
    """The two-stage ranking of an analysed query, with snippets and confidence."""
    if not parsed.match_expression() or limit <= 0:
        return []
    db = index.db
    candidates = _candidates(db, parsed, category, max(CANDIDATES, limit * 3), limit)
    if not candidates:
        return []
    _weigh(db, parsed)
    scored = _rerank(db, parsed, candidates)
    hits = _per_topic(db, scored, lang, parsed.language, limit)
    _mark_confident(hits, parsed)
    for hit in hits:
        hit.snippet, hit.highlights = make_snippet(_stored_text(db, hit.doc_id), parsed)
    return hits


# --- stage one: candidates by BM25 ---------------------------------------------------------


def _candidates(db: sqlite3.Connection, parsed: ParsedQuery, category: str | None,
                want: int, topics: int) -> dict[int, float]:
    """Up to ``want`` documents by BM25 (docid -> score, higher is better).

    Only when they hold fewer than ``topics`` distinct topics (the hits asked for)
    does a wider, dearer pass run: every term over the candidates, then everything.
    """
    expression, pool = _plan(db, parsed)
    best, slugs = _ranked(db, expression, category, want, pool)
    if pool is not None and slugs < topics:
        best, slugs = _ranked(db, parsed.match_expression(), category, want, pool)
        if slugs < topics:
            best, slugs = _ranked(db, parsed.match_expression(), category, want, None)
    return best


def _plan(db: sqlite3.Connection, parsed: ParsedQuery) -> tuple[str, list[int] | None]:
    """What to score: every match, or (when a term is frequent) only good candidates.

    Frequent terms bring their champions; rare and partial words bring their
    documents; a few documents with every query word come along too. Terms in
    more than a third of all articles barely move BM25 and cost the most to
    score, so they drop out of the scored expression (the rarest one stays).
    """
    terms = parsed.exact_terms()
    marks = ",".join("?" * len(terms))
    counts = dict(db.execute(f"SELECT term, docs FROM frequent WHERE term IN ({marks})", terms))
    frequent = sorted(counts, key=counts.__getitem__)
    if not frequent:
        return parsed.match_expression(), None
    found = {r[0] for r in db.execute(
        f"SELECT docid FROM champions WHERE term IN ({','.join('?' * len(frequent))})", frequent)}
    rare = [f'"{t}"' for t in terms if t not in frequent]
    rare += [f'"{t.word}"*' for t in parsed.terms if t.prefix]
    for expression in (" OR ".join(rare), parsed.all_of_expression()):
        if expression:
            found.update(r[0] for r in db.execute(
                "SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?", (expression, MAX_EXTRA)))
    total = _doc_count(db)
    common = [t for t in frequent if counts[t] * 3 > total]
    if len(common) == len(terms):
        common = common[1:]  # everything is common: score by the rarest term at least
    return parsed.match_expression(frozenset(common)), sorted(found)


def json_ints(values: Iterable[int]) -> str:
    """A JSON array of row ids for SQLite's ``json_each``, written without the json module
    (importing it costs about 5M instructions, some 1 ms, on every search)."""
    return "[" + ",".join(map(str, map(int, values))) + "]"


def _doc_count(db: sqlite3.Connection) -> int:
    return db.execute("SELECT MAX(id) FROM docs").fetchone()[0] or 0


def _ranked(db: sqlite3.Connection, expression: str, category: str | None, limit: int,
            candidates: list[int] | None) -> tuple[dict[int, float], int]:
    """The best ``limit`` documents for ``expression`` and how many topics they hold.

    The documents' rows are joined after the ``LIMIT``: every match is scored, but only
    the best few need their slug (without a category to filter on, that is 10-15% off
    the dearest query of a search in a large library).
    """
    if not expression:
        return {}, 0
    inner = f"SELECT fts.rowid AS id, bm25(fts, {', '.join(map(str, WEIGHTS))}) AS s FROM fts"
    if category:
        inner += " JOIN docs d ON d.id = fts.rowid"
    inner += " WHERE fts MATCH ?"
    params: list[object] = [expression]
    if candidates is not None:
        # "+rowid" keeps SQLite from probing the index once per candidate.
        inner += " AND +fts.rowid IN (SELECT value FROM json_each(?))"
        params.append(json_ints(candidates))
    if category:
        inner += " AND d.category = ?"
        params.append(category)
    inner += " ORDER BY s LIMIT ?"
    params.append(limit)
    rows = db.execute(f"SELECT f.id, f.s, d.slug FROM ({inner}) f JOIN docs d ON d.id = f.id",
                      params).fetchall()
    return {rowid: -score for rowid, score, _ in rows}, len({slug for _, _, slug in rows})


# --- stage two: coverage -------------------------------------------------------------------


def _weigh(db: sqlite3.Connection, parsed: ParsedQuery) -> None:
    """Give each unit its weight in each language: the idf of its most common alternative.

    Weights are per language because each language's articles use their own
    words: "barang" is in half the Indonesian articles, not rare because no English
    one has it. A unit no article of a language has (an unknown word, or a word
    of the other language) weighs UNKNOWN_WEIGHT of the rarest possible weight
    there; a generic word and a typo repair weigh less, being less telling.
    """
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key LIKE 'docs_%'"))
    totals = {lang: max(int(meta.get(f"docs_{lang}", 0)), 1) for lang in LANG_BITS}
    terms = sorted({alt for unit in parsed.terms for alt in unit.alternatives})
    marks = ",".join("?" * len(terms))
    df: dict[tuple[str, str], int] = {
        (term, lang): n for term, lang, n in db.execute(
            f"SELECT term, lang, docs FROM df WHERE term IN ({marks})", terms)}
    known = {term for term, _ in df}
    unknown = 0.0
    for unit in parsed.terms:
        factor = (CORRECTED if unit.corrected else 1.0) * (WEAK if unit.weak else 1.0)
        for lang, total in totals.items():
            counts = [df[a, lang] for a in unit.alternatives if (a, lang) in df]
            if counts:
                unit.weights[lang] = _idf(max(counts), total) * factor
            else:
                rarest = math.log(1 + (total - 0.5) / 1.5)  # idf of one article, uncapped
                unit.weights[lang] = rarest * (0.5 if unit.prefix else UNKNOWN_WEIGHT)
        if unit.alternatives.isdisjoint(known):
            unknown += max(unit.weights.values())
    everything = sum(max(unit.weights.values()) for unit in parsed.terms)
    parsed.unknown_share = unknown / everything if everything else 1.0


def _idf(docs: int, total: int) -> float:
    """Okapi idf, its rarest end flattened: a word in one or two articles is telling, but
    not so much more than one in three that a single odd word carries a query."""
    floor = max(1, min(RARE_DOCS, total // 25))  # a tiny library has no "rarest end"
    return math.log(1 + (total - max(docs, floor) + 0.5) / (max(docs, floor) + 0.5))


class _Finder:
    """Finds the query's terms in a stored field without splitting it into words.

    A stored field is its terms joined by single spaces, so a term is in it exactly when
    `` term `` is in the field with a space added at each end, and a partial word when
    `` word`` is: a few substring searches in C instead of a list and a set of every word
    of every candidate (the re-ranker's main cost at start-up and at 100k articles).
    The result equals :meth:`ParsedQuery.matched` of the field's words.
    """

    __slots__ = ("prefixes", "terms")

    def __init__(self, parsed: ParsedQuery) -> None:
        # A term holding whitespace can never equal one word (what ``matched`` compares).
        self.terms = [(f" {t} ", t) for t in parsed.lookup() if t and len(t.split()) == 1
                      and t.split()[0] == t]
        self.prefixes = [(f" {p}", p + PREFIX_MARK) for p in parsed.prefixes()
                         if p and len(p.split()) == 1 and p.split()[0] == p]

    def find(self, field: str) -> frozenset[str]:
        """The query's terms among the words of ``field`` (plus marks for partial words)."""
        padded = f" {field} "
        found = [term for needle, term in self.terms if needle in padded]
        found += [mark for needle, mark in self.prefixes if needle in padded]
        return frozenset(found)


class _Line:
    """One title, question or tag of a candidate: the query terms in it, and its length."""

    __slots__ = ("size", "terms")

    def __init__(self, text: str, finder: _Finder) -> None:
        self.terms = finder.find(text)
        self.size = len(text.split())


class _Doc:
    """A candidate's analysed fields, reduced to the query's terms found in each.

    Only what the query can match is kept, so scoring 40 candidates never builds their
    whole vocabularies.
    """

    __slots__ = ("fields", "id", "lang", "lines")

    def __init__(self, doc_id: int, lang: str, stored: str, finder: _Finder) -> None:
        title, questions, tags, summary, body = stored.split(FIELD_SEP)
        head = _Line(title, finder)
        asked, in_asked = _matching_lines(questions, finder)
        labels, in_labels = _matching_lines(tags, finder)
        self.id, self.lang = doc_id, lang
        self.fields: list[frozenset[str]] = [
            head.terms, in_asked, in_labels, finder.find(summary), finder.find(body)]
        self.lines: list[_Line] = [head, *asked, *labels]


def _matching_lines(field: str, finder: _Finder) -> tuple[list[_Line], frozenset[str]]:
    """The questions (or tags) of ``field`` that hold a query term, and all the terms found.

    A line without a query term scores nothing, so it is never built: most candidates'
    questions do not mention the query at all, and one search for the whole field says so.
    """
    found = finder.find(field.replace(QUESTION_SEP, " "))
    if not found:
        return [], found
    lines = (_Line(text, finder) for text in field.split(QUESTION_SEP) if text)
    return [line for line in lines if line.terms], found


def _rerank(db: sqlite3.Connection, parsed: ParsedQuery,
            candidates: dict[int, float]) -> list[tuple[float, float, int]]:
    """(score, bm25 share, docid) for every candidate, best first (by their sum)."""
    rows = db.execute("SELECT t.id, d.lang, d.category, t.terms FROM doc_terms t"
                      " JOIN docs d ON d.id = t.id WHERE t.id IN (SELECT value FROM json_each(?))",
                      (json_ints(candidates),))
    words = parsed.words()
    best = max(candidates.values(), default=0.0) or 1.0
    damped = set() if parsed.seller else textproc.vocabulary().seller_categories
    finder = _Finder(parsed)
    out = [(_score(_Doc(doc_id, lang, unpack(stored), finder), parsed, words)
            * (OTHER_SIDE if category in damped else 1.0),
            BM25_SHARE * candidates[doc_id] / best, doc_id)
           for doc_id, lang, category, stored in rows]
    return sorted(out, key=lambda row: row[0] + row[1], reverse=True)


def _score(doc: _Doc, parsed: ParsedQuery, words: frozenset[str]) -> float:
    """Coverage of the query by the document's fields and by its best line, and how much
    of the document's title the query explains (what the article is about)."""
    total = parsed.total_weight(doc.lang)
    coverage = max(sum(_credit(doc, unit) for unit in parsed.terms) / total, 0.0)
    best_line = max(_line_score(line, parsed, doc.lang, words) for line in doc.lines) / total
    title = doc.lines[0]
    about = len(title.terms & words) / title.size if title.size else 0.0
    score = COVERAGE_SHARE * coverage + LINE_SHARE * best_line + TITLE_SHARE * about
    return round(score, 4)


def _credit(doc: _Doc, unit: Unit) -> float:
    """What one unit earns in ``doc``: its weight times the best field's credit."""
    weight = unit.weights.get(doc.lang, 0.0)
    plain = _best_field(doc, unit.found_in)
    if not unit.negated:
        return weight * FIELD_CREDIT[plain] if plain is not None else 0.0
    negated = {textproc.NEGATED_PREFIX + a for a in unit.alternatives}
    denied = _best_field(doc, lambda terms: not negated.isdisjoint(terms))
    if denied is not None and (plain is None or denied <= plain):
        return weight * FIELD_CREDIT[denied]
    # The article is about the very thing the user does not have or mean.
    return weight * NEGATED_PLAIN if plain is not None else 0.0


def _best_field(doc: _Doc, found: Callable[[frozenset[str]], bool]) -> int | None:
    """The index of the strongest field (title first) where ``found`` holds, None if none."""
    return next((i for i, terms in enumerate(doc.fields) if found(terms)), None)


def _line_score(line: _Line, parsed: ParsedQuery, lang: str, words: frozenset[str]) -> float:
    """The weight of the (un-negated) units that one title, question or tag holds together,
    more when the line says little else (a line that is the query beats one that adds
    "failed" or "add a bank account" to it)."""
    share = sum(u.weights.get(lang, 0.0) for u in parsed.terms
                if not u.negated and u.found_in(line.terms))
    if not share or not line.size:
        return share
    precision = min(len(line.terms & words) / line.size, 1.0)
    return share * (LINE_FLOOR + (1 - LINE_FLOOR) * precision)


def _per_topic(db: sqlite3.Connection, scored: list[tuple[float, float, int]], lang: str,
               language: str, limit: int) -> list[Hit]:
    """One hit per topic, in ``lang`` where it exists, best topic first."""
    docs = _doc_rows(db, [doc_id for _, _, doc_id in scored])
    versions: dict[str, list[tuple[float, float]]] = {}
    for score, bm25, doc_id in scored:
        boost = SAME_LANGUAGE if docs[doc_id][1] == (language or lang) else 1.0
        versions.setdefault(docs[doc_id][0], []).append(((score + bm25) * boost, score))
    topics = {slug: _topic_score(found) for slug, found in versions.items()}
    order = sorted(topics.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    hits = [_pick_version(db, slug, round(rank, 4), lang) for slug, (rank, _) in order]
    for hit, (_, (_, fit)) in zip(hits, order, strict=True):
        hit.fit = min(fit, 1.0)
    return hits


def _topic_score(versions: list[tuple[float, float]]) -> tuple[float, float]:
    """(order, fit) of a topic: its best version, plus OTHER_VERSION of the other one's
    order (a code-mixed query finds part of itself in each language)."""
    ranked = sorted(versions, reverse=True)
    order, fit = ranked[0]
    if len(ranked) > 1:
        order += OTHER_VERSION * ranked[1][0]
    return order, fit


def _doc_rows(db: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.execute("SELECT id, slug, lang FROM docs WHERE id IN "
                      "(SELECT value FROM json_each(?))", (json_ints(ids),))
    return {doc_id: (slug, lang) for doc_id, slug, lang in rows}


def _mark_confident(hits: list[Hit], parsed: ParsedQuery) -> None:
    """Confident: a high enough score, close to the best (a clear second is fine too), for a
    query whose words the library mostly uses.

    Words no article uses are the surest sign of a question the library does
    not cover ("harga emas", "wordpress"): past MAX_UNKNOWN of the query's
    weight, nothing is confident, however well the rest matched.
    """
    if not hits or parsed.unknown_share > MAX_UNKNOWN:
        return
    top = max(hit.fit for hit in hits)
    for hit in hits:
        hit.confident = hit.fit >= CONFIDENT and hit.fit >= top * CONFIDENT_NEAR


def _pick_version(db: sqlite3.Connection, slug: str, score: float, lang: str) -> Hit:
    rows = db.execute("SELECT id, lang, title, category, summary, path FROM docs WHERE slug = ?",
                      (slug,)).fetchall()
    chosen = next((r for r in rows if r[1] == lang), rows[0])
    return Hit(slug=slug, lang=chosen[1], title=chosen[2], category=chosen[3],
               summary=chosen[4], path=Path(chosen[5]), score=score, fallback=chosen[1] != lang,
               doc_id=chosen[0])


# --- snippets ------------------------------------------------------------------------------


def _stored_text(db: sqlite3.Connection, doc_id: int) -> str:
    row = db.execute("SELECT text FROM doc_terms WHERE id = ?", (doc_id,)).fetchone()
    return unpack(row[0]) if row else ""


def _matches(word: str, stems: set[str], prefixes: list[str]) -> bool:
    norm = textproc.normalize(word)
    if norm in stems or any(norm.startswith(p) for p in prefixes):
        return True
    return textproc.stem(norm, "id") in stems or textproc.stem(norm, "en") in stems


def _sentences(text: str) -> list[str]:
    """Split stored snippet lines into sentences at ". ", "! ", "? " and ": "."""
    out: list[str] = []
    for line in text.splitlines():
        for mark in ". ", "! ", "? ", ": ":
            line = line.replace(mark, mark[0] + "\n")
        out.extend(s.strip() for s in line.split("\n") if s.strip())
    return out


@lru_cache(maxsize=1)
def _word_pattern():  # type: ignore[no-untyped-def]
    """Letter-and-digit runs; compiled on the first snippet, not at import."""
    import re

    return re.compile(r"[^\W_]+")


def _word_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the letter-and-digit runs of ``text`` (what the reader sees as words)."""
    return [m.span() for m in _word_pattern().finditer(text)]


def make_snippet(text: str, parsed: ParsedQuery) -> tuple[str, list[tuple[int, int]]]:
    """The body sentence with the most query words, trimmed, with highlight spans."""
    sentences = _sentences(text)
    if not sentences:
        return "", []
    hit = parsed.highlights
    needles = parsed.needles()

    def telling(sentence: str) -> bool:
        low = sentence.lower()
        return any(n in low for n in needles)

    # Only a sentence holding a needle can hold a query word: skip the rest unscored.
    likely = [s for s in sentences if telling(s)] or sentences[:1]

    def hits_in(sentence: str) -> int:
        return sum(hit(sentence[a:b]) for a, b in _word_spans(sentence))

    best = max(likely, key=hits_in)
    out = best if len(best) <= SNIPPET_CHARS else best[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    return out, [(a, b) for a, b in _word_spans(out) if hit(out[a:b])]
