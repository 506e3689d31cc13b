"""The persistent full-text index (SQLite FTS5) and ranked search over it.

The index lives in the user cache dir, one file per set of article
directories.  It is rebuilt only when the articles' signature (paths, sizes,
mtimes, analyser version) changes, into a temporary file that replaces the
old one atomically, so concurrent searches never see half an index.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tokohelp import textproc
from tokohelp.articles import Article, ArticleProblem, load_categories, read_article
from tokohelp.errors import BadInputError, StorageError

# Relative weights of the FTS columns for bm25(): title > tags > summary > body.
WEIGHTS = (10.0, 6.0, 3.0, 1.0)
SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE docs(id INTEGER PRIMARY KEY, slug TEXT, lang TEXT, category TEXT, title TEXT,
                  summary TEXT, path TEXT);
CREATE INDEX docs_slug ON docs(slug);
CREATE TABLE words(word TEXT PRIMARY KEY, stem TEXT) WITHOUT ROWID;
CREATE TABLE problems(path TEXT, reason TEXT);
CREATE VIRTUAL TABLE fts USING fts5(title, tags, summary, body, content='',
    tokenize="unicode61 remove_diacritics 0", prefix='2 3');
"""


@dataclass(frozen=True)
class DocRef:
    """What the index knows of one article file."""

    slug: str
    lang: str
    category: str
    title: str
    summary: str
    path: Path


@dataclass
class Index:
    """An open, fresh index and the problems found while building it."""

    db: sqlite3.Connection
    path: Path
    problems: list[ArticleProblem] = field(default_factory=list)
    rebuilt: bool = False

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


def signature(dirs: Iterable[Path]) -> str:
    """A digest of every article file's path, size and mtime: cheap to compute, stat only."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"analyzer={textproc.ANALYZER_VERSION}".encode())
    for base in dirs:
        digest.update(os.fsencode(base.resolve()) + b"\0")
        for path, st in _walk_stats(str(base)):
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "replace"))
    return digest.hexdigest()


def _walk_stats(top: str) -> Iterator[tuple[str, os.stat_result]]:
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=True):
            yield from _walk_stats(entry.path)
        elif entry.name.endswith((".md", ".toml")):
            try:
                yield entry.path, entry.stat()
            except OSError:
                continue


def index_path(cache: Path, dirs: list[Path]) -> Path:
    """One index file per distinct list of article directories."""
    key = "\0".join(str(d.resolve()) for d in dirs).encode()
    return cache / "index" / f"articles-{hashlib.sha1(key).hexdigest()[:16]}.sqlite"


def open_index(dirs: list[Path], cache: Path) -> Index:
    """Open the index for ``dirs``, rebuilding it first when the articles changed."""
    path = index_path(cache, dirs)
    sig = signature(dirs)
    db = _connect_if_fresh(path, sig)
    if db is not None:
        return Index(db, path, _stored_problems(db))
    problems = build_index(dirs, path, sig)
    return Index(_connect(path), path, problems, rebuilt=True)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    db.execute("PRAGMA query_only=1")
    return db


def _connect_if_fresh(path: Path, sig: str) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        db = _connect(path)
        row = db.execute("SELECT value FROM meta WHERE key='signature'").fetchone()
    except sqlite3.DatabaseError:
        return None
    if row and row[0] == sig:
        return db
    db.close()
    return None


def _stored_problems(db: sqlite3.Connection) -> list[ArticleProblem]:
    return [ArticleProblem(Path(p), r) for p, r in db.execute("SELECT path, reason FROM problems")]


def build_index(dirs: list[Path], path: Path, sig: str) -> list[ArticleProblem]:
    """Build a fresh index into a temp file and move it into place atomically."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".building-", suffix=".sqlite", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise StorageError(f"cannot write the search index in {path.parent}: {exc.strerror}",
                           "Set TOKOHELP_CACHE_DIR to a writable directory.") from None
    try:
        problems = _fill(Path(tmp), dirs, sig)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return problems


def _fill(tmp: Path, dirs: list[Path], sig: str) -> list[ArticleProblem]:
    db = sqlite3.connect(tmp)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
    categories = [c.id for c in load_categories(dirs)]
    words: dict[str, str] = {}
    problems: list[ArticleProblem] = []
    with db:
        for rowid, article in enumerate(_articles(dirs, categories, problems), start=1):
            _insert(db, rowid, article, words)
        db.executemany("INSERT INTO words VALUES (?, ?)", words.items())
        db.executemany("INSERT INTO problems VALUES (?, ?)",
                       [(str(p.path), p.reason) for p in problems])
        db.execute("INSERT INTO meta VALUES ('signature', ?)", (sig,))
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.close()
    return problems


def _articles(dirs: list[Path], categories: list[str],
              problems: list[ArticleProblem]) -> Iterator[Article]:
    from tokohelp.articles import iter_article_files

    for path in iter_article_files(dirs):
        try:
            yield read_article(path, categories)
        except BadInputError as exc:
            problems.append(ArticleProblem(path, exc.message))


def _insert(db: sqlite3.Connection, rowid: int, a: Article, words: dict[str, str]) -> None:
    db.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
               (rowid, a.slug, a.lang, a.category, a.title, a.summary, str(a.path)))
    fields = (a.title, " ".join(a.tags), a.summary, a.body)
    terms = [" ".join(textproc.index_terms(text, a.lang)) for text in fields]
    db.execute("INSERT INTO fts(rowid, title, tags, summary, body) VALUES (?, ?, ?, ?, ?)",
               (rowid, *terms))
    for token in textproc.tokenize(" ".join(fields[:3])):
        if token not in words and not token.isdigit():
            words[token] = textproc.stem(token, a.lang)
    for token in set(textproc.tokenize(a.body)):
        if token not in words and not token.isdigit():
            words[token] = textproc.stem(token, a.lang)
