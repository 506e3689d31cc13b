"""Ranked search over the index: query parsing, typo repair, grouping, snippets.

A query never reaches SQLite as user text: it is tokenised into ``[a-z0-9]``
words, each turned into quoted FTS5 terms, so quotes, operators, ``*``,
emoji or 10 KB of text can only ever produce a harmless OR of words.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from tokohelp import textproc
from tokohelp.index import WEIGHTS, Index

SNIPPET_CHARS = 180
MAX_CORRECTIONS = 3
# Rare-word and all-words candidates added beside the champions, at most.
MAX_EXTRA = 300


@dataclass
class Term:
    """One query word with everything it may match in the index."""

    word: str
    alternatives: set[str] = field(default_factory=set)
    prefix: bool = False
    corrected: list[str] = field(default_factory=list)

    def fts_terms(self, skip: frozenset[str] = frozenset()) -> list[str]:
        """The alternatives as quoted FTS5 terms (``*`` marks a prefix), minus ``skip``."""
        star = "*" if self.prefix else ""
        return [f'"{alt}"{star}' for alt in sorted(self.alternatives - skip)]


@dataclass
class ParsedQuery:
    """The terms of a query, its concept terms, and the stems used for highlighting."""

    terms: list[Term]
    concepts: list[str]
    _seen: dict[str, bool] = field(default_factory=dict, repr=False)

    def highlights(self, word: str) -> bool:
        """Whether a word of an article is one of the query's (cached: texts repeat words)."""
        if word not in self._seen:
            self._seen[word] = _matches(word, self.stems(), self.prefixes())
        return self._seen[word]

    def match_expression(self, skip: frozenset[str] = frozenset()) -> str:
        """The FTS5 MATCH string: an OR of quoted terms (safe by construction)."""
        parts = [fts for term in self.terms for fts in term.fts_terms(skip)]
        parts.extend(f'"{c}"' for c in sorted(set(self.concepts) - skip))
        return " OR ".join(parts)

    def exact_terms(self) -> list[str]:
        """Every whole (non-prefix) index term the query may match."""
        terms = {alt for t in self.terms if not t.prefix for alt in t.alternatives}
        return sorted(terms | set(self.concepts))

    def all_of_expression(self) -> str:
        """Documents that match every query word (one alternative of each)."""
        return " AND ".join(f"({' OR '.join(term.fts_terms())})" for term in self.terms)

    def stems(self) -> set[str]:
        """Every stem a matching word may have, for snippet highlighting."""
        return {alt for term in self.terms for alt in term.alternatives}

    def prefixes(self) -> list[str]:
        """Words typed partially, highlighted by prefix."""
        return [t.word for t in self.terms if t.prefix]


@dataclass
class Hit:
    """One ranked article (in the reader's language where it exists)."""

    slug: str
    lang: str
    title: str
    category: str
    summary: str
    path: Path
    score: float
    snippet: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    fallback: bool = False


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


def corrections(db: sqlite3.Connection, word: str) -> list[tuple[str, str]]:
    """Indexed words (with their stems) closest to an unknown ``word``."""
    limit = _allowed_edits(word)
    if not limit:
        return []
    rows = db.execute(
        "SELECT word, stem FROM words"
        " WHERE word >= ? AND word < ? AND length(word) BETWEEN ? AND ?",
        (word[0], chr(ord(word[0]) + 1), len(word) - limit, len(word) + limit),
    ).fetchall()
    scored = sorted((osa_distance(word, w, limit), w, s) for w, s in rows)
    best = [(w, s) for d, w, s in scored if d <= limit and d == scored[0][0]] if scored else []
    return best[:MAX_CORRECTIONS]


def _known(db: sqlite3.Connection, word: str) -> bool:
    return db.execute("SELECT 1 FROM words WHERE word = ?", (word,)).fetchone() is not None


def parse_query(db: sqlite3.Connection, text: str) -> ParsedQuery:
    """Tokenise, drop stopwords, repair typos and mark prefixes."""
    tokens = textproc.query_tokens(text)
    stop = textproc.vocabulary().stopwords
    content = [t for t in tokens if t not in stop] or tokens
    terms, repaired = [], []
    for word in content:
        term = _term(db, word)
        terms.append(term)
        repaired.append(term.corrected[0] if term.corrected else word)
    return ParsedQuery(terms, textproc.concepts(tokens) + textproc.concepts(repaired))


def _term(db: sqlite3.Connection, word: str) -> Term:
    term = Term(word, {word, textproc.stem(word, "id"), textproc.stem(word, "en")})
    if not word.isdigit() and not _known(db, word):
        fixes = corrections(db, word)
        term.corrected = [w for w, _ in fixes]
        term.alternatives.update(s for _, s in fixes)
        term.prefix = not fixes and len(word) >= 3
    return term


def run_search(index: Index, text: str, *, lang: str, category: str | None = None,
               limit: int = 10) -> list[Hit]:
    """Rank articles for ``text``; best first, one hit per slug, in ``lang`` where possible."""
    parsed = parse_query(index.db, text)
    if not parsed.match_expression() or limit <= 0:
        return []
    best = _best_per_slug(index.db, parsed, category, limit)
    hits = [_pick_version(index.db, slug, score, lang) for slug, score in best]
    for hit in hits:
        hit.snippet, hit.highlights = make_snippet(hit.path, parsed)
    return hits


def _best_per_slug(db: sqlite3.Connection, parsed: ParsedQuery, category: str | None,
                   limit: int) -> list[tuple[str, float]]:
    expression, candidates = _plan(db, parsed)
    best = _ranked(db, expression, category, limit, candidates)
    if candidates is None or len(best) >= limit:
        return best
    # Too few: score the candidates by every term, and only then everything.
    best = _ranked(db, parsed.match_expression(), category, limit, candidates)
    if len(best) < limit:
        best = _ranked(db, parsed.match_expression(), category, limit, None)
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
    total = db.execute("SELECT MAX(id) FROM docs").fetchone()[0] or 0
    common = [t for t in frequent if counts[t] * 3 > total]
    if len(common) == len(terms):
        common = common[1:]  # everything is common: score by the rarest term at least
    return parsed.match_expression(frozenset(common)), sorted(found)


def _ranked(db: sqlite3.Connection, expression: str, category: str | None, limit: int,
            candidates: list[int] | None) -> list[tuple[str, float]]:
    sql = (f"SELECT d.slug, bm25(fts, {', '.join(map(str, WEIGHTS))}) AS s "
           "FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ?")
    params: list[object] = [expression]
    if candidates is not None:
        # "+rowid" keeps SQLite from probing the index once per candidate.
        sql += " AND +fts.rowid IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(candidates))
    if category:
        sql += " AND d.category = ?"
        params.append(category)
    sql += " ORDER BY s LIMIT ?"
    params.append(limit * 2 + 10)
    best: dict[str, float] = {}
    for slug, score in db.execute(sql, params):
        best.setdefault(slug, round(-score, 4))
    return list(best.items())[:limit]


def _pick_version(db: sqlite3.Connection, slug: str, score: float, lang: str) -> Hit:
    rows = db.execute("SELECT lang, title, category, summary, path FROM docs WHERE slug = ?",
                      (slug,)).fetchall()
    chosen = next((r for r in rows if r[0] == lang), rows[0])
    return Hit(slug=slug, lang=chosen[0], title=chosen[1], category=chosen[2],
               summary=chosen[3], path=Path(chosen[4]), score=score, fallback=chosen[0] != lang)


_MARKUP = re.compile(r"[#*_`>|]+|^\s*\d+\.\s+|^\s*[-+]\s+", re.MULTILINE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _plain_body(path: Path) -> str:
    from tokohelp.articles import link_text_only, split_front_matter

    try:
        _, body = split_front_matter(path.read_text(encoding="utf-8", errors="replace"))
    except Exception:
        return ""
    return _MARKUP.sub("", link_text_only(body))


def _matches(word: str, stems: set[str], prefixes: list[str]) -> bool:
    norm = textproc.normalize(word)
    if norm in stems or any(norm.startswith(p) for p in prefixes):
        return True
    return textproc.stem(norm, "id") in stems or textproc.stem(norm, "en") in stems


def make_snippet(path: Path, parsed: ParsedQuery) -> tuple[str, list[tuple[int, int]]]:
    """The body sentence with the most query words, trimmed, with highlight spans."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?:])\s+|\n+", _plain_body(path)) if s.strip()]
    if not sentences:
        return "", []
    hit = parsed.highlights
    best = max(sentences, key=lambda sentence: sum(map(hit, _WORD.findall(sentence))))
    text = best if len(best) <= SNIPPET_CHARS else best[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    return text, [m.span() for m in _WORD.finditer(text) if hit(m.group())]
