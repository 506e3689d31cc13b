"""Search quality: tokohelp's search next to plain baselines, per query group and split.

The evaluation queries live in ``tests/eval/``: ``queries.toml`` (the first set,
written beside the articles) and ``dev.toml`` make the *dev* split, the one
ranking is tuned on; ``heldout.toml`` is only ever measured. Each ``[[query]]``
has ``q``, ``lang``, ``expect`` (slugs; empty means out of scope) and ``group``
(short, narrative, english, mixed, slang, oos; the first set is "original").

For in-scope queries: top-1, top-3 and MRR@5 (a query counts at k when one of
its expected slugs is among the first k distinct slugs). For out-of-scope
detection, a ranker "says no article fits" when it returns no confident hit;
precision and recall of that call are taken over every query of the group or
split (so an in-scope query answered with "nothing fits" lowers precision).

Baselines: plain SQLite FTS5 ``bm25()`` over the same files (title, tags,
summary, body; ``unicode61`` tokens, an OR of the query's words, no stemming,
synonyms or typo handling), and an in-memory Okapi BM25 (k1=1.2, b=0.75).
Neither has a notion of confidence: each "says nothing fits" only when it
returns nothing.

Usage: python bench/quality.py [--misses]   (uses a temporary TOKOHELP_HOME)
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
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
EVAL = ROOT / "tests" / "eval"
QUERIES = EVAL / "queries.toml"
SPLITS = {"dev": ("queries.toml", "dev.toml"), "heldout": ("heldout.toml",)}
ARTICLES = ROOT / "articles"
LIMIT = 10
MRR_AT = 5
GROUPS = ("short", "narrative", "english", "mixed", "slang", "oos", "original")
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Answer:
    """What a ranker returned for one query: slugs best first, and whether it is confident."""

    slugs: tuple[str, ...]
    confident: bool


Ranker = Callable[[str, str], Answer]


@dataclass(frozen=True)
class Query:
    """One evaluation query: what the user typed, in which language, and the right answers."""

    text: str
    lang: str
    expect: tuple[str, ...]
    group: str = "original"
    split: str = "dev"

    @property
    def in_scope(self) -> bool:
        """False for a query no article should answer."""
        return bool(self.expect)


@dataclass
class Scores:
    """The quality of one ranker over a query set."""

    name: str
    top1: float
    top3: float
    mrr: float
    queries: int
    misses: list[str] = field(default_factory=list)
    oos_precision: float | None = None
    oos_recall: float | None = None
    oos_queries: int = 0


def load_queries(path: Path = QUERIES, split: str = "dev") -> list[Query]:
    """One evaluation file, in file order ([] when the file does not exist yet)."""
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Query(q["q"], q["lang"], tuple(q.get("expect", [])), q.get("group", "original"),
                  split) for q in data.get("query", [])]


def load_split(split: str) -> list[Query]:
    """Every query of ``split`` ("dev" or "heldout"), expected slugs resolved through aliases."""
    renamed = aliases()
    return [Query(q.text, q.lang, tuple(renamed.get(e, e) for e in q.expect), q.group, q.split)
            for name in SPLITS[split] for q in load_queries(EVAL / name, split)]


def aliases() -> dict[str, str]:
    """Old slug -> topic, from the configured library: a query written for ``tokopoints``
    is answered by the topic that now carries that alias."""
    from tokohelp import config

    return {alias: a.slug for a in _library_dirs(config.article_dirs()) for alias in a.aliases}


def rank_of(ranked: Sequence[str], expect: Iterable[str]) -> int | None:
    """1-based position of the first expected slug in ``ranked``, None when absent."""
    wanted = set(expect)
    return next((i for i, slug in enumerate(ranked, start=1) if slug in wanted), None)


def top_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries answered within the first ``k`` results."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: Sequence[int | None], at: int = MRR_AT) -> float:
    """Mean reciprocal rank within the first ``at``; a miss counts 0."""
    if not ranks:
        return 0.0
    return sum(1 / r for r in ranks if r and r <= at) / len(ranks)


def precision_recall(said_none: Sequence[bool], truly_none: Sequence[bool]
                     ) -> tuple[float | None, float | None]:
    """Precision and recall of "no article fits" (None where undefined)."""
    both = sum(1 for s, t in zip(said_none, truly_none, strict=True) if s and t)
    said, true = sum(said_none), sum(truly_none)
    return (both / said if said else None), (both / true if true else None)


def evaluate(name: str, ranker: Ranker, queries: Sequence[Query]) -> Scores:
    """Score ``ranker`` on ``queries``: ranks over in-scope ones, the no-fit call over all."""
    answers = [ranker(q.text, q.lang) for q in queries]
    scoped = [(q, a) for q, a in zip(queries, answers, strict=True) if q.in_scope]
    ranks = [rank_of(a.slugs[:LIMIT], q.expect) for q, a in scoped]
    misses = [q.text for (q, _), r in zip(scoped, ranks, strict=True) if r is None or r > 3]
    precision, recall = precision_recall([not a.confident for a in answers],
                                         [not q.in_scope for q in queries])
    return Scores(name, top_k(ranks, 1), top_k(ranks, 3), mrr(ranks), len(scoped), misses,
                  precision, recall, sum(not q.in_scope for q in queries))


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


def _library(articles_dir: Path):  # type: ignore[no-untyped-def]
    return _library_dirs([articles_dir])


def _library_dirs(dirs: list[Path]):  # type: ignore[no-untyped-def]
    from tokohelp.articles import load_library

    return load_library(dirs).articles


def baseline_ranker(articles_dir: Path = ARTICLES) -> Ranker:
    """In-memory BM25 over every article file (both languages), keyed by slug."""
    articles = _library(articles_dir)
    index = BM25((a.slug, " ".join([a.title, *a.tags, a.summary, a.body])) for a in articles)

    def ranker(text: str, lang: str) -> Answer:
        slugs = tuple(index.rank(text))
        return Answer(slugs, bool(slugs))
    return ranker


class FTS5:
    """Plain SQLite FTS5 over the same files: what ``bm25()`` gives with no analysis at all."""

    def __init__(self, articles_dir: Path = ARTICLES):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE fts USING fts5(slug UNINDEXED, title, tags, "
                        "summary, body, tokenize='unicode61 remove_diacritics 2')")
        self.db.executemany("INSERT INTO fts VALUES (?, ?, ?, ?, ?)", [
            (a.slug, a.title, " ".join(a.tags), a.summary, a.body)
            for a in _library(articles_dir)])

    def rank(self, query: str, limit: int = LIMIT) -> list[str]:
        """Distinct slugs by bm25() for an OR of the query's words."""
        words = dict.fromkeys(tokenize(query))
        if not words:
            return []
        expression = " OR ".join(f'"{w}"' for w in words)
        rows = self.db.execute("SELECT slug FROM fts WHERE fts MATCH ? ORDER BY bm25(fts)",
                               (expression,))
        return list(dict.fromkeys(r[0] for r in rows))[:limit]


def fts5_ranker(articles_dir: Path = ARTICLES) -> Ranker:
    """The plain FTS5 baseline as a ranker."""
    index = FTS5(articles_dir)

    def ranker(text: str, lang: str) -> Answer:
        slugs = tuple(index.rank(text))
        return Answer(slugs, bool(slugs))
    return ranker


def tokohelp_ranker() -> Ranker:
    """tokohelp's own search over the bundled articles (TOKOHELP_ARTICLES must be unset).

    The query's ``lang`` is the reader's language, not given explicitly (as when
    no ``--lang`` is passed), so the query's own language may choose the version.
    """
    from tokohelp import catalog

    index = catalog.open_library_index()

    def ranker(text: str, lang: str) -> Answer:
        result = catalog.search(text, lang, limit=LIMIT, index=index, lang_explicit=False)
        return Answer(tuple(h.slug for h in result.hits), result.confident)
    return ranker


RANKERS: dict[str, Callable[[], Ranker]] = {
    "tokohelp search": tokohelp_ranker, "plain FTS5 bm25": fts5_ranker,
    "plain BM25": baseline_ranker}


@dataclass
class Report:
    """Scores per split and group for each ranker: report[split][group][ranker]."""

    rows: dict[str, dict[str, dict[str, Scores]]]
    counts: dict[str, int]


def compare(queries: Sequence[Query] | None = None) -> tuple[Scores, Scores]:
    """(tokohelp, plain FTS5) scores on one query set (the dev split by default)."""
    queries = list(queries) if queries is not None else load_split("dev")
    return (evaluate("tokohelp search", tokohelp_ranker(), queries),
            evaluate("plain FTS5 bm25", fts5_ranker(), queries))


def full_report(splits: Sequence[str] = ("dev", "heldout")) -> Report:
    """Every ranker on every split, overall ("all") and per group."""
    rankers = {name: make() for name, make in RANKERS.items()}
    rows: dict[str, dict[str, dict[str, Scores]]] = {}
    counts: dict[str, int] = {}
    for split in splits:
        queries = load_split(split)
        counts[split] = len(queries)
        if not queries:
            continue
        groups = ["all", *[g for g in GROUPS if any(q.group == g for q in queries)]]
        rows[split] = {}
        for group in groups:
            chosen = [q for q in queries if group in ("all", q.group)]
            rows[split][group] = {name: evaluate(name, r, chosen) for name, r in rankers.items()}
    return Report(rows, counts)


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render(report: Report) -> list[str]:
    """Markdown tables: one per split, a row per group and ranker."""
    lines: list[str] = []
    for split, groups in report.rows.items():
        lines += [f"### {split} ({report.counts[split]} queries)", "",
                  "| Group | Ranker | In scope | Top-1 | Top-3 | MRR@5 | Out of scope | "
                  "No-fit precision | No-fit recall |", "|---|---|---|---|---|---|---|---|---|"]
        for group, scores in groups.items():
            for s in scores.values():
                lines.append(f"| {group} | {s.name} | {s.queries} | {s.top1:.3f} | "
                             f"{s.top3:.3f} | {s.mrr:.3f} | {s.oos_queries} | "
                             f"{_figure(s.oos_precision)} | {_figure(s.oos_recall)} |")
        lines.append("")
    return lines


def main(argv: Sequence[str] = ()) -> None:
    """Print every table, using a throw-away index; ``--misses`` lists dev misses too."""
    os.environ.pop("TOKOHELP_ARTICLES", None)
    with tempfile.TemporaryDirectory(prefix="tokohelp-quality-") as home:
        os.environ["TOKOHELP_HOME"] = home
        os.environ.pop("TOKOHELP_CACHE_DIR", None)
        report = full_report()
        print("\n".join(render(report)))
        if "--misses" in argv and "dev" in report.rows:
            ours = report.rows["dev"]["all"]["tokohelp search"]
            print("dev misses (top-3):", *ours.misses, sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1:])
