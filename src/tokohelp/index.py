"""The persistent full-text index (SQLite FTS5) and ranked search over it.

The index lives in the user cache dir, one file per set of article
directories.  It is rebuilt only when the articles' signature (paths, sizes,
mtimes, analyser version) changes, into a temporary file that replaces the
old one atomically, so concurrent searches never see half an index.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tokohelp import textproc

try:  # the BLAKE2 module alone: hashlib would load OpenSSL (2 ms) on every search
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b
from tokohelp.errors import BadInputError, StorageError

if TYPE_CHECKING:  # the article parser is needed to build an index, not to search one
    from tokohelp.articles import ArticleProblem

# Libraries up to this many files get the exact per-file check on every open.
FULL_CHECK_FILES = 5000
FULL_CHECK_SECONDS = 600
# A term in more documents than this is "frequent": scoring all its documents
# costs too much at 100k articles, so the build keeps its best CHAMPIONS
# (by title, tags and summary) and a query scores only those candidates.
CHAMPIONS = 200
# From this many files on, articles are analysed in a process per core.
PARALLEL_FILES = 2000
PROGRESS_EVERY = 100  # files between two progress reports of a rebuild
# Build workers check this often whether the building process still exists.
WATCH_SECONDS = 0.5
# Temporary build files start with this; one older than STALE_BUILD_SECONDS is stale.
BUILDING = ".building-"
STALE_BUILD_SECONDS = 3600
# Relative weights of the FTS columns for bm25(): title > questions > tags > summary > body.
# ``questions`` holds how people ask (front matter), so it counts nearly as much as the title.
WEIGHTS = (10.0, 8.0, 6.0, 3.0, 1.0)
# The columns that make an article's head: small, and most of the weight.
HEAD_COLUMNS = "{title questions tags summary}"
SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE blobs(key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE docs(id INTEGER PRIMARY KEY, slug TEXT, lang TEXT, category TEXT, title TEXT,
                  summary TEXT, path TEXT);
CREATE INDEX docs_slug ON docs(slug);
CREATE TABLE doc_terms(id INTEGER PRIMARY KEY, terms TEXT, text BLOB);
CREATE TABLE words(word TEXT PRIMARY KEY, langs INTEGER) WITHOUT ROWID;
CREATE TABLE df(term TEXT, lang TEXT, docs INTEGER, PRIMARY KEY(term, lang)) WITHOUT ROWID;
CREATE TABLE problems(path TEXT, reason TEXT);
CREATE TABLE aliases(alias TEXT, slug TEXT, PRIMARY KEY(alias, slug)) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(title, questions, tags, summary, body, content='',
    tokenize="unicode61 remove_diacritics 0", prefix='2 3');
CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, row);
CREATE TABLE champions(term TEXT, docid INTEGER);
CREATE TABLE frequent(term TEXT PRIMARY KEY, docs INTEGER) WITHOUT ROWID;
"""


class Index:
    """An open, fresh index; the files that failed to load are read only when asked for.

    ``notices`` are said once to the reader, e.g. that a damaged index was found and rebuilt.
    (A plain slotted class: every run that searches makes one; see ``tokohelp.record``.)
    """

    __slots__ = ("built_problems", "db", "dirs", "notices", "path", "rebuilt")

    def __init__(self, db: sqlite3.Connection, path: Path,
                 built_problems: list[ArticleProblem] | None = None, rebuilt: bool = False,
                 dirs: list[Path] | None = None, notices: list[str] | None = None) -> None:
        self.db, self.path, self.built_problems, self.rebuilt = db, path, built_problems, rebuilt
        self.dirs, self.notices = dirs or [], notices or []

    def repair(self) -> None:
        """Rebuild a damaged index in place and reconnect (the caller then retries once)."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        self.built_problems = build_index(self.dirs, self.path, snapshot(self.dirs))
        self.db = _connect(self.path)
        self.rebuilt = True
        self.notices.append(damaged_notice())

    @property
    def problems(self) -> list[ArticleProblem]:
        """Article files skipped at build time, with reasons."""
        if self.built_problems is None:
            rows = self.db.execute("SELECT path, reason FROM problems").fetchall()
            self.built_problems = _problems(rows) if rows else []
        return self.built_problems

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


def _problems(rows: list[tuple[str, str]]) -> list[ArticleProblem]:
    from tokohelp.articles import ArticleProblem

    return [ArticleProblem(Path(p), r) for p, r in rows]


class Snapshot:
    """The state of the article files: a digest of every file, and each directory's mtime."""

    __slots__ = ("dirs", "files", "signature")

    def __init__(self, signature: str, dirs: dict[str, int], files: int) -> None:
        self.signature, self.dirs, self.files = signature, dirs, files

    def dirs_text(self) -> str:
        """Directory stamps as ``path<TAB>mtime`` lines, the form stored in the index.

        A directory whose name is not valid UTF-8 cannot be stored; it is left out
        (its files are reported as problems, and the full check still sees them).
        """
        return "".join(f"{d}\t{m}\n" for d, m in sorted(self.dirs.items()) if _storable(d))


def snapshot(dirs: Iterable[Path]) -> Snapshot:
    """Stat every article file (path, size, mtime) and every directory below ``dirs``."""
    from tokohelp.walking import walk

    digest = blake2b(digest_size=16)
    digest.update(f"analyzer={textproc.ANALYZER_VERSION}".encode())
    vocab = _file_stamp(textproc.vocabulary_path())
    digest.update(f"vocabulary={vocab}".encode())
    stamps: dict[str, int] = {}
    files = 0
    for base in dirs:
        root = str(base.resolve())
        for entry, is_dir in walk(Path(root)):
            if is_dir:
                where = entry.path if entry is not None else root
                stamps[where] = _mtime(where)
                continue
            st = _file_stat(entry)
            if st is not None:
                files += 1
                digest.update(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode(
                    "utf-8", "replace"))
    return Snapshot(digest.hexdigest(), stamps, files)


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _file_stat(entry: os.DirEntry[str] | None) -> os.stat_result | None:
    if entry is None or not entry.name.endswith((".md", ".toml")):
        return None
    try:
        return entry.stat()
    except OSError:
        return None


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def signature(dirs: Iterable[Path]) -> str:
    """The full digest of every article file; the exact, slower freshness check."""
    return snapshot(dirs).signature


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def index_path(cache: Path, dirs: list[Path]) -> Path:
    """One index file per distinct list of article directories."""
    key = "\0".join(str(d.resolve()) for d in dirs).encode("utf-8", "surrogateescape")
    return cache / "index" / f"articles-{blake2b(key, digest_size=8).hexdigest()}.sqlite"


def open_index(dirs: list[Path], cache: Path, *, rebuild: bool = False,
               progress: Callable[[int, int], None] | None = None) -> Index:
    """Open the index for ``dirs``, rebuilding it first when the articles changed.

    ``progress(done, total)`` hears how far a rebuild has got (a big library takes
    seconds, and a person at a terminal should see that something is happening).
    """
    path = index_path(cache, dirs)
    db = None if rebuild else _open_existing(path)
    damaged = db is None and not rebuild and path.is_file()
    if db is not None:
        try:
            if is_fresh(db, dirs, path):
                return Index(db, path, dirs=dirs)
        except sqlite3.DatabaseError as exc:
            damaged = not is_busy(exc)
        db.close()
    problems = build_index(dirs, path, snapshot(dirs), progress)
    return Index(_connect(path), path, problems, rebuilt=True, dirs=dirs,
                 notices=[damaged_notice()] if damaged else [])


def damaged_notice() -> str:
    """What the reader is told when a damaged index was found and replaced."""
    from tokohelp.i18n import _

    return _("the search index was damaged; it has been rebuilt")


def is_busy(exc: sqlite3.DatabaseError) -> bool:
    """A locked or busy database is not a damaged one: rebuilding would not help."""
    return "locked" in str(exc) or "busy" in str(exc)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    db.execute("PRAGMA query_only=1")
    return db


def _open_existing(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        db = _connect(path)
        db.execute("SELECT 1 FROM meta LIMIT 1")
    except sqlite3.DatabaseError:
        return None
    return db


def is_fresh(db: sqlite3.Connection, dirs: list[Path], path: Path) -> bool:
    """The "did anything change?" check.

    Adding, removing or renaming a file changes its directory's mtime, so
    stat-ing the recorded directories catches those at any library size.  An
    in-place edit only shows in the file's own stat: small libraries check every
    file each time; large ones (where that costs more than a search) do so at
    most every FULL_CHECK_SECONDS, and ``tokohelp index --rebuild`` forces it.
    """
    meta = dict(db.execute("SELECT key, value FROM meta"))
    if meta.get("analyzer") != textproc.ANALYZER_VERSION or not _dirs_unchanged(meta):
        return False
    large = int(meta.get("files", 0)) > FULL_CHECK_FILES
    if large and not _full_check_due(path):
        return True
    if signature(dirs) != meta.get("signature"):
        return False
    if large:  # small libraries are fully checked every time: no marker to keep
        _mark_checked(path)
    return True


def _dirs_unchanged(meta: dict[str, str]) -> bool:
    for line in meta.get("dirs", "").splitlines():
        directory, _, stamp = line.rpartition("\t")
        if _mtime(directory) != int(stamp):
            return False
    return bool(meta.get("dirs"))


def _checked_marker(path: Path) -> Path:
    return path.with_suffix(".checked")


def _full_check_due(path: Path) -> bool:
    try:
        return time.time() - _checked_marker(path).stat().st_mtime > FULL_CHECK_SECONDS
    except OSError:
        return True


def _mark_checked(path: Path) -> None:
    # A read-only cache only means the next open checks every file again.
    with contextlib.suppress(OSError):
        _checked_marker(path).touch()


def build_index(dirs: list[Path], path: Path, snap: Snapshot,
                progress: Callable[[int, int], None] | None = None) -> list[ArticleProblem]:
    """Build a fresh index into a temp file and move it into place atomically."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_builds(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f"{BUILDING}{os.getpid()}-", suffix=".sqlite",
                                   dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _cannot_write(path, exc.strerror) from None
    try:
        problems = _fill(Path(tmp), dirs, snap, progress)
        os.replace(tmp, path)
        _mark_checked(path)
    except (OSError, sqlite3.Error) as exc:  # a full disk fails here, not at mkstemp
        Path(tmp).unlink(missing_ok=True)
        raise _cannot_write(path, getattr(exc, "strerror", None) or str(exc)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return problems


def clean_stale_builds(directory: Path) -> list[Path]:
    """Remove the temporary files of builds that died (killed, power cut); return them.

    A build file names its process: it is stale when that process is gone, or,
    whatever the name says, when it is older than STALE_BUILD_SECONDS (no build
    takes that long, and a process id may have been reused).
    """
    removed = []
    for candidate in directory.glob(BUILDING + "*"):
        if _build_is_stale(candidate):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def _build_is_stale(path: Path) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    pid_text = path.name[len(BUILDING):].split("-", 1)[0]
    return age > STALE_BUILD_SECONDS or not (pid_text.isdigit() and _alive(int(pid_text)))


def _alive(pid: int) -> bool:
    from tokohelp.processes import alive

    return pid == os.getpid() or alive(pid)


def _cannot_write(path: Path, reason: str | None) -> StorageError:
    from tokohelp.i18n import _

    return StorageError(_("cannot write the search index in {folder}: {reason}").format(
                            folder=path.parent, reason=reason),
                        _("Free some disk space, or set TOKOHELP_CACHE_DIR to a writable "
                          "directory."))


# Separators of the analysed fields stored per document (see ``stored_terms``).
FIELD_SEP, QUESTION_SEP = "\x1f", "\x1e"
LANG_BITS = {"id": 1, "en": 2}


class Analyzed:
    """One article turned into index rows; built in worker processes for big libraries.

    A plain class with slots (it pickles as such between processes): the search path
    imports this module and should not pay for a dataclass it never uses.
    """

    __slots__ = ("aliases", "distinct", "doc", "lang", "stored", "terms", "text", "tokens")

    def __init__(self, doc: tuple[str, ...], terms: tuple[str, ...], stored: bytes,
                 text: bytes, tokens: set[str], lang: str, aliases: tuple[str, ...],
                 distinct: set[str]) -> None:
        self.doc = doc  # slug, lang, category, title, summary, path
        self.terms = terms  # title, questions, tags, summary, body
        self.stored = stored  # the same terms per field for the re-ranker (packed)
        self.text = text  # the plain body, compressed, for snippets
        self.tokens, self.lang, self.aliases = tokens, lang, aliases
        self.distinct = distinct  # every index term, once (for df)


def _analyze(path: Path, categories: list[str]) -> Analyzed | ArticleProblem:
    """Read, parse and analyse one file; a broken file becomes an ArticleProblem."""
    from tokohelp.articles import link_text_only, problem, read_article

    try:
        a = read_article(path, categories)
    except BadInputError as exc:
        return problem(path, exc.message)
    body = textproc.strip_boilerplate(link_text_only(a.body, keep_text=False))
    lines = [textproc.tokenize(line) for line in (*a.questions, *a.tags)]
    fields = [textproc.tokenize(text) for text in (a.title, a.summary, body)]
    analysed = [textproc.terms_for_tokens(t, a.lang) for t in lines]
    questions, tags = analysed[:len(a.questions)], analysed[len(a.questions):]
    title, summary, body_terms = (textproc.terms_for_tokens(f, a.lang) for f in fields)
    flat = [t for q in questions for t in q]
    labels = [t for g in tags for t in g]
    terms = tuple(" ".join(f) for f in (title, flat, labels, summary, body_terms))
    tokens = {t for group in (*fields, *lines) for t in group if not t.isdigit()}
    distinct = set(title).union(flat, labels, summary, body_terms)
    doc = (a.slug, a.lang, a.category, a.title, a.summary, str(a.path))
    stored = stored_terms(title, questions, tags, summary, body_terms)
    shown = textproc.strip_boilerplate(link_text_only(a.body))
    return Analyzed(doc, terms, _pack(stored), _pack(snippet_text(shown)), tokens, a.lang,
                    tuple(a.aliases), distinct)


def stored_terms(title: list[str], questions: list[list[str]], tags: list[list[str]],
                 summary: list[str], body: list[str]) -> str:
    """One document's analysed fields as one string: cheap to store and to split at query time.

    Fields are separated by FIELD_SEP, questions and tags by QUESTION_SEP; the body keeps
    only its distinct terms (the re-ranker asks "is it there", not "how often").
    """
    parts = [" ".join(title), QUESTION_SEP.join(" ".join(q) for q in questions),
             QUESTION_SEP.join(" ".join(t) for t in tags), " ".join(summary),
             " ".join(dict.fromkeys(body))]
    return FIELD_SEP.join(parts)


def snippet_text(body: str) -> str:
    """The body as plain sentences, one per line: what snippets are cut from."""
    lines = []
    for line in body.splitlines():
        plain = line.strip().lstrip("#>-+*|").strip()
        head, dot, rest = plain.partition(". ")
        if dot and head.isdigit():
            plain = rest
        plain = plain.replace("**", "").replace("*", "").replace("`", "").replace("_", " ")
        if plain:
            lines.append(plain)
    return "\n".join(lines)


def _pack(text: str) -> bytes:
    import zlib

    return zlib.compress(text.encode("utf-8"), 1)


def unpack(blob: bytes | None) -> str:
    """A packed text of a document (its snippet text or its stored terms)."""
    import zlib

    return zlib.decompress(blob).decode("utf-8") if blob else ""


def _analyzed(dirs: list[Path]) -> Iterator[Analyzed | ArticleProblem]:
    """Every article analysed, in file order; spread over all cores for big libraries."""
    from functools import partial

    from tokohelp.articles import iter_article_files, load_categories

    walked: list[ArticleProblem] = []
    paths = list(iter_article_files(dirs, walked))
    yield from walked
    work = partial(_analyze, categories=[c.id for c in load_categories(dirs)])
    workers = os.cpu_count() or 1
    if len(paths) < PARALLEL_FILES or workers < 2:
        yield from map(work, paths)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, initializer=_watch_parent,
                             initargs=(os.getpid(),)) as pool:
        yield from pool.map(work, paths, chunksize=256)


def _watch_parent(parent: int) -> None:
    """In a build worker: exit as soon as the building process is gone.

    A killed parent cannot tell its pool to stop, and the workers would wait for
    work forever; a daemon thread polls the parent's id and ends the worker.
    """
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="tokohelp-parent-watch", daemon=True).start()


def _fill(tmp: Path, dirs: list[Path], snap: Snapshot,
          progress: Callable[[int, int], None] | None = None) -> list[ArticleProblem]:
    db = sqlite3.connect(tmp)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
    words: dict[str, set[str]] = {lang: set() for lang in LANG_BITS}
    df: dict[str, Counter[str]] = {lang: Counter() for lang in LANG_BITS}
    problems: list[ArticleProblem] = []
    with db:
        for done, item in enumerate(_analyzed(dirs), start=1):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, snap.files)
            if not isinstance(item, Analyzed):
                problems.append(item)
            else:
                _insert(db, item)
                words[item.lang].update(item.tokens)
                df[item.lang].update(item.distinct)
        db.executemany("INSERT INTO words VALUES (?, ?)", _word_langs(words))
        rows = ((term, lang, n) for lang, counts in df.items() for term, n in counts.items())
        db.executemany("INSERT INTO df VALUES (?, ?, ?)", rows)
        db.executemany("INSERT INTO problems VALUES (?, ?)",
                       [(str(p.path), p.reason) for p in problems])
        db.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("signature", snap.signature), ("dirs", snap.dirs_text()), ("files", str(snap.files)),
            ("analyzer", textproc.ANALYZER_VERSION), ("built", str(int(time.time()))),
            *((f"docs_{lang}", str(_docs_in(db, lang))) for lang in LANG_BITS)])
        db.execute("INSERT INTO blobs VALUES ('vocabulary', ?)", (textproc.vocabulary().pack(),))
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        _store_champions(db)
    db.close()
    return problems


def _docs_in(db: sqlite3.Connection, lang: str) -> int:
    return db.execute("SELECT COUNT(*) FROM docs WHERE lang = ?", (lang,)).fetchone()[0]


def _word_langs(words: dict[str, set[str]]) -> Iterator[tuple[str, int]]:
    """(word, bitmask of the languages it occurs in) for the words table."""
    for word in set().union(*words.values()):
        yield word, sum(bit for lang, bit in LANG_BITS.items() if word in words[lang])


def _insert(db: sqlite3.Connection, item: Analyzed) -> None:
    rowid = db.execute("INSERT INTO docs VALUES (NULL, ?, ?, ?, ?, ?, ?)", item.doc).lastrowid
    db.execute("INSERT INTO fts(rowid, title, questions, tags, summary, body)"
               " VALUES (?, ?, ?, ?, ?, ?)", (rowid, *item.terms))
    db.execute("INSERT INTO doc_terms VALUES (?, ?, ?)", (rowid, item.stored, item.text))
    if item.aliases:
        db.executemany("INSERT OR IGNORE INTO aliases VALUES (?, ?)",
                       [(alias, item.doc[0]) for alias in item.aliases])


def _store_champions(db: sqlite3.Connection) -> None:
    """For every frequent term, remember the documents it matters most in.

    Ranking by the head fields only keeps this cheap (title, tags and summary
    are a small part of each article) and they carry most of the weight.
    """
    weights = ", ".join(map(str, WEIGHTS))
    db.execute("INSERT INTO frequent SELECT term, doc FROM vocab WHERE doc > ?", (CHAMPIONS,))
    for (term,) in db.execute("SELECT term FROM frequent").fetchall():
        rows = db.execute(
            f"SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, {weights}) LIMIT ?",
            (f'{HEAD_COLUMNS}: "{term}"', CHAMPIONS)).fetchall()
        db.executemany("INSERT INTO champions VALUES (?, ?)", [(term, r[0]) for r in rows])
    db.execute("CREATE INDEX champions_term ON champions(term)")
