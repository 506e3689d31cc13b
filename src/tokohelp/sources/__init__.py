"""``tokohelp sync``: pull knowledge-base articles from help desks into the local library.

Sources are ``[sources.NAME]`` tables in the config file (``docs/sources.md``).  For each
one, the client says what changed since the last sync; the changes are applied to a copy
of that source's library, which then replaces the old one in one step
(:mod:`tokohelp.sources.library`).  One failing source is reported and the others still
sync; the search index is refreshed once at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokohelp.errors import TokohelpError
from tokohelp.sources.library import Build, State, load_state, save_state
from tokohelp.sources.model import Client, Fetched, SourceArticle, render, slugify

if TYPE_CHECKING:
    from tokohelp.config import Config


@dataclass
class SourceReport:
    """What one source's sync did (or would do, with ``--dry-run``)."""

    name: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    error: str = ""
    hint: str = ""

    @property
    def ok(self) -> bool:
        """The source synced (individual bad articles aside)."""
        return not self.error


@dataclass
class SyncReport:
    """The whole run: one report per source, and whether anything was written."""

    sources: list[SourceReport]
    dry_run: bool = False
    library_changed: bool = False

    @property
    def ok(self) -> bool:
        """Every source synced."""
        return all(s.ok for s in self.sources)

    @property
    def failure(self) -> TokohelpError | None:
        """A backend error naming the sources that failed, after the report is shown."""
        from tokohelp.errors import BackendError
        from tokohelp.i18n import _

        failed = [s for s in self.sources if not s.ok]
        if not failed:
            return None
        hint = failed[0].hint or _("The other sources were synced; run 'tokohelp sync' again.")
        return BackendError(_("could not sync: {names}").format(
            names=", ".join(s.name for s in failed)), hint)

    def to_json(self) -> dict[str, Any]:
        """The ``sync --json`` document."""
        return report_json(self)


Progress = Callable[[str, str], None]


def sync(config: Config, data_dir: Path, names: list[str] | None = None, *,
         dry_run: bool = False, full: bool = False,
         progress: Progress | None = None) -> SyncReport:
    """Sync the named sources (all configured ones by default)."""
    from tokohelp.sources.settings import load_sources

    clients = load_sources(config, names, full=full)
    report = SyncReport([], dry_run=dry_run)
    for name, client in clients.items():
        if progress:
            progress(name, "start")
        one = _sync_one(name, client, data_dir, dry_run)
        report.sources.append(one)
        report.library_changed |= bool(not dry_run and (one.added or one.updated or one.removed))
        if progress:
            progress(name, "done" if one.ok else "failed")
    return report


def _sync_one(name: str, client: Client, data_dir: Path, dry_run: bool) -> SourceReport:
    report = SourceReport(name)
    state = load_state(data_dir, name)
    try:
        fetched = client.fetch(state)
    except TokohelpError as exc:
        report.error, report.hint = exc.message, exc.hint
        return report
    report.failed = [{"article": what, "reason": why} for what, why in fetched.problems]
    plan = _plan(state, fetched, name)
    report.added, report.updated, report.removed = plan.added, plan.updated, plan.removed
    if not dry_run:
        try:
            _apply(name, data_dir, state, fetched, plan)
        except TokohelpError as exc:
            report.error, report.hint = exc.message, exc.hint
    return report


@dataclass
class _Plan:
    added: list[str]
    updated: list[str]
    removed: list[str]
    gone: list[str]


def _plan(state: State, fetched: Fetched, name: str) -> _Plan:
    known = set(state.articles)
    gone = set(fetched.removed)
    if fetched.complete:
        gone |= known - fetched.present
    gone &= known
    changed = {a.source_id for a in fetched.changed}
    def slug_of(source_id: str) -> str:
        return str(state.articles[source_id].get("file", source_id))
    return _Plan(
        added=sorted(_rel(name, a) for a in fetched.changed if a.source_id not in known),
        updated=sorted(_rel(name, a) for a in fetched.changed if a.source_id in known),
        removed=sorted(slug_of(s) for s in gone - changed),
        gone=sorted(gone - changed))


def _slug(name: str, article: SourceArticle) -> str:
    return f"{name}-{slugify(article.slug_key) or article.source_id}"


def _rel(name: str, article: SourceArticle) -> str:
    return f"{article.category}/{_slug(name, article)}.{article.lang}.md"


def _apply(name: str, data_dir: Path, state: State, fetched: Fetched, plan: _Plan) -> None:
    import time

    from tokohelp.sources.convert import html_to_markdown, plain_text

    if not (plan.gone or fetched.changed):
        if fetched.cursor and fetched.cursor != state.cursor:
            save_state(data_dir, name, State(state.articles, fetched.cursor, time.time()))
        return
    build = Build(data_dir, name)
    build.start()
    try:
        articles = dict(state.articles)
        for source_id in plan.gone:
            build.remove(articles.pop(source_id)["file"])
        for article in fetched.changed:
            old = articles.get(article.source_id, {}).get("file")
            rel = _rel(name, article)
            if old and old != rel:
                build.remove(old)
            article.title, article.summary = plain_text(article.title), plain_text(article.summary)
            build.write(rel, render(name, article, _slug(name, article),
                                    html_to_markdown(article.html)))
            articles[article.source_id] = {"file": rel, "updated": article.updated}
        build.commit(State(articles, fetched.cursor or state.cursor, time.time()))
    except BaseException:
        build.abandon()
        raise


def run_sync(session: Any, names: list[str], *, dry_run: bool = False,
             full: bool = False) -> SyncReport:
    """The ``tokohelp sync`` use case: sync, show progress on a terminal, reindex once."""
    from tokohelp.config import data_dir
    from tokohelp.i18n import _

    def progress(name: str, phase: str) -> None:
        if phase == "start" and _isatty(session.stderr):
            session.stderr.write(_("syncing {name}...").format(name=name) + "\n")

    report = sync(session.config, data_dir(), names, dry_run=dry_run, full=full,
                  progress=progress)
    if report.library_changed:
        session.__dict__.pop("article_dirs", None)
        session.open_index()
    return report


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def report_json(report: SyncReport) -> dict[str, Any]:
    """The ``sync --json`` document (keys are stable)."""
    return {"dry_run": report.dry_run, "ok": report.ok,
            "sources": [{"name": s.name, "ok": s.ok, "added": s.added, "updated": s.updated,
                         "removed": s.removed, "failed": s.failed, "error": s.error}
                        for s in report.sources]}
