"""Search quality: top-1, top-3 and MRR of tokohelp's search next to a plain BM25 baseline.

Both rankers answer the same queries from ``tests/eval/queries.toml`` over
the bundled articles and are scored by the same functions.  A query counts as
a hit at k when one of its expected slugs is among the first k distinct slugs
returned (at most 10); MRR is the mean of 1/rank, 0 when no expected slug is
returned.

The baseline is what a developer would write in an afternoon: in-memory Okapi
BM25 (k1=1.2, b=0.75) over title, tags, summary and body, lower-cased
``[a-z0-9]+`` tokens, no stemming, synonyms, slang or typo handling.

Usage: python bench/quality.py   (uses a temporary TOKOHELP_HOME for the index)
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "tests" / "eval" / "queries.toml"
ARTICLES = ROOT / "articles"
LIMIT = 10
_TOKEN = re.compile(r"[a-z0-9]+")

Ranker = Callable[[str, str], list[str]]


@dataclass(frozen=True)
class Query:
    """One evaluation query: what the user typed, in which language, and the right answers."""

    text: str
    lang: str
    expect: tuple[str, ...]


@dataclass
class Scores:
    """The quality of one ranker over a query set."""

    name: str
    top1: float
    top3: float
    mrr: float
    queries: int
    misses: list[str] = field(default_factory=list)


def load_queries(path: Path = QUERIES) -> list[Query]:
    """The evaluation set, in file order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Query(q["q"], q["lang"], tuple(q["expect"])) for q in data.get("query", [])]


def rank_of(ranked: Sequence[str], expect: Iterable[str]) -> int | None:
    """1-based position of the first expected slug in ``ranked``, None when absent."""
    wanted = set(expect)
    return next((i for i, slug in enumerate(ranked, start=1) if slug in wanted), None)


def top_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries answered within the first ``k`` results."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank; a query with no expected slug returned counts 0."""
    if not ranks:
        return 0.0
    return sum(1 / r for r in ranks if r) / len(ranks)


def evaluate(name: str, ranker: Ranker, queries: Sequence[Query]) -> Scores:
    """Score ``ranker`` (query text, lang -> slugs best first) on ``queries``."""
    ranks = [rank_of(ranker(q.text, q.lang)[:LIMIT], q.expect) for q in queries]
    misses = [q.text for q, r in zip(queries, ranks, strict=True) if r is None or r > 3]
    return Scores(name, top_k(ranks, 1), top_k(ranks, 3), mrr(ranks), len(queries), misses)


def tokenize(text: str) -> list[str]:
    """The baseline's tokenizer: lower-case ``[a-z0-9]+`` runs, nothing else."""
    return _TOKEN.findall(text.lower())


class BM25:
    """A straightforward in-memory Okapi BM25 index over (key, text) documents."""

    def __init__(self, docs: Iterable[tuple[str, str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.keys: list[str] = []
        self.lengths: list[int] = []
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for key, text in docs:
            self._add(key, tokenize(text))
        self.avgdl = sum(self.lengths) / len(self.lengths) if self.lengths else 0.0

    def _add(self, key: str, tokens: list[str]) -> None:
        doc = len(self.keys)
        self.keys.append(key)
        self.lengths.append(len(tokens))
        counts: dict[str, int] = {}
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
        for token, tf in counts.items():
            self.postings.setdefault(token, []).append((doc, tf))

    def idf(self, term: str) -> float:
        """Okapi idf with the +1 that keeps it positive."""
        df = len(self.postings.get(term, ()))
        n = len(self.keys)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> dict[int, float]:
        """BM25 score of every document sharing a term with ``query``."""
        out: dict[int, float] = {}
        for term in dict.fromkeys(tokenize(query)):
            idf = self.idf(term)
            for doc, tf in self.postings.get(term, ()):
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.avgdl)
                out[doc] = out.get(doc, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return out

    def rank(self, query: str, limit: int = LIMIT) -> list[str]:
        """Distinct keys, best score first (ties by key, so results are stable)."""
        ordered = sorted(self.scores(query).items(), key=lambda kv: (-kv[1], self.keys[kv[0]]))
        keys = dict.fromkeys(self.keys[doc] for doc, _ in ordered)
        return list(keys)[:limit]


def baseline_ranker(articles_dir: Path = ARTICLES) -> Ranker:
    """BM25 over every article file (both languages), keyed by slug."""
    from tokohelp.articles import load_library

    library = load_library([articles_dir])
    docs = ((a.slug, " ".join([a.title, *a.tags, a.summary, a.body])) for a in library.articles)
    index = BM25(docs)
    return lambda text, lang: index.rank(text)


def tokohelp_ranker() -> Ranker:
    """tokohelp's own search over the bundled articles (TOKOHELP_ARTICLES must be unset)."""
    from tokohelp import catalog

    return lambda text, lang: [h.slug for h in catalog.search(text, lang, limit=LIMIT).hits]


def compare(queries: Sequence[Query] | None = None) -> tuple[Scores, Scores]:
    """(tokohelp, baseline) scores on the evaluation set."""
    queries = queries if queries is not None else load_queries()
    return (evaluate("tokohelp search", tokohelp_ranker(), queries),
            evaluate("plain BM25", baseline_ranker(), queries))


def main() -> None:
    """Print both rankers' scores, using a throw-away index."""
    os.environ.pop("TOKOHELP_ARTICLES", None)
    with tempfile.TemporaryDirectory(prefix="tokohelp-quality-") as home:
        os.environ["TOKOHELP_HOME"] = home
        os.environ.pop("TOKOHELP_CACHE_DIR", None)
        for scores in compare():
            print(f"{scores.name:16} top-1 {scores.top1:.3f}  top-3 {scores.top3:.3f}  "
                  f"MRR {scores.mrr:.3f}  ({scores.queries} queries)")


if __name__ == "__main__":
    main()
