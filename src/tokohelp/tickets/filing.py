"""The ticket use cases around intake: file a new ticket, edit, send and delete drafts.

Each function takes resolved values (config, store, backend) and returns a
dataclass; nothing here prints.  Sending itself is ``service.send`` and the
``Sender``; this module decides *what* may be sent (a draft passes the same
checks as ``ticket new`` first) and keeps the user's text when storing fails.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokohelp.errors import AbortedError, StorageError, TokohelpError, UsageError
from tokohelp.i18n import _, ngettext
from tokohelp.tickets import drafts, recovery, text
from tokohelp.tickets.intake import OFFER_LIMIT, CategoryChoice, Gathered, IntakeDeps
from tokohelp.tickets.recovery import KeptError, Partial
from tokohelp.tickets.signals import exit_status

if TYPE_CHECKING:
    from tokohelp.config import Config
    from tokohelp.tickets.backends.base import Backend
    from tokohelp.tickets.model import Ticket
    from tokohelp.tickets.sender import Sender, SendOutcome
    from tokohelp.tickets.service import Created
    from tokohelp.tickets.store import CheckedFile, Store

@dataclass
class Retrying:
    """A failed attempt is being retried: shown as progress on a terminal."""

    ticket_id: int
    attempt: int
    attempts: int
    delay: float


@dataclass
class Filed:
    """A stored ticket, how sending went, and warnings worth telling the user."""

    created: Created
    notes: list[str] = field(default_factory=list)


def profile_email(cfg: Config) -> str | None:
    """``[profile] email`` from the config: the default reply address."""
    value = cfg.get("profile.email", None, str)
    if not value:
        return None
    try:
        return text.check_email(value)
    except TokohelpError as exc:
        raise cfg.fail("profile.email", exc.message) from None


def intake_deps(cfg: Config, lang: str, staging: Path, data_dir: Path,
                store: Callable[[], Store], index: Callable[[], Any] | None = None) -> IntakeDeps:
    """Intake's view of the library, attachment rules and store, each loaded once."""
    return IntakeDeps(data_dir=data_dir,
                      categories=functools.cache(lambda: category_choices(lang, cfg)),
                      suggest=lambda query, category: _suggest(lang, query, index),
                      check_files=lambda paths: checked_copies(cfg, paths, staging),
                      save_draft=lambda new, files: _save_draft(store(), new, files),
                      default_email=profile_email(cfg))


def category_choices(lang: str, cfg: Config) -> list[CategoryChoice]:
    """Every category, labelled in ``lang``, answering to its id and both names."""
    from tokohelp import config
    from tokohelp.articles import load_categories

    return [CategoryChoice(c.id, c.name(lang), tuple(c.names.values()))
            for c in load_categories(config.article_dirs(cfg))]


def _suggest(lang: str, query: str, index: Callable[[], Any] | None) -> list:
    """Only the articles the search is confident about (weak matches would be noise)."""
    from tokohelp import catalog

    return catalog.confident_articles(query, lang, OFFER_LIMIT, index() if index else None)


def checked_copies(cfg: Config, paths: list[Path], staging: Path) -> list[CheckedFile]:
    """Check attachments and take the private copies that will be filed."""
    from tokohelp.tickets import snapshot
    from tokohelp.tickets.service import check_attachments

    return snapshot.take(check_attachments(paths, cfg), staging)


def _save_draft(store: Store, new: object, files: list[CheckedFile]) -> tuple[int, Path]:
    from tokohelp.tickets.service import save_draft

    created = save_draft(new, files, store)  # type: ignore[arg-type]
    return created.ticket.id, created.store_path


def file_ticket(gathered: Gathered, backend: Backend | None, cfg: Config,
                open_store: Callable[[], Store], data_dir: Path,
                report: Callable[[Retrying], None] | None = None) -> Filed:
    """Store the ticket and send it; a store that cannot be written keeps the text elsewhere."""
    new = gathered.ticket
    new.backend = backend.name if backend else new.backend
    try:
        store = open_store()
        sender = _sender(store, backend, cfg, report) if backend else None
        ticket = store.create(new, gathered.files, "queued")
    except StorageError as exc:
        kept = recovery.keep_recovery(_partial(gathered), data_dir, store_broken=True)
        raise KeptError(exc.message, "\n".join(filter(None, [exc.hint, kept.note()])),
                        int(exc.status), kept) from None
    except KeyboardInterrupt as exc:  # before the store committed: keep the text elsewhere
        kept = recovery.keep_recovery(_partial(gathered), data_dir)
        raise KeptError(_("interrupted: the ticket was not filed"), kept.note(),
                        exit_status(exc), kept) from None
    if gathered.recovered_from:
        recovery.forget(gathered.recovered_from, store.root)
    return Filed(_send_new(store, ticket, sender), _notes(backend, ticket))


def _partial(gathered: Gathered) -> Partial:
    t = gathered.ticket
    return Partial(t.subject, t.category, t.body, t.order_id, t.email, t.backend,
                   [f.path for f in gathered.files], typed=True)


def _send_new(store: Store, ticket: Ticket, sender: Sender | None) -> Created:
    """Send the ticket just stored; whatever happens, the outcome says what state it is in."""
    from tokohelp.tickets.service import Created, send_one

    if sender is None:
        return Created(ticket, store.path)
    if isinstance(sender.sleep, RetrySleep):
        sender.sleep.start(ticket.id)
    try:  # stored already: a failure is the ticket's outcome, not an error of the filing
        outcome = send_one(store, ticket.id, lambda: sender)
    except KeyboardInterrupt as exc:
        raise stays_queued([ticket.id], exc) from None
    return Created(outcome.ticket or ticket, store.path, outcome)


def _notes(backend: Backend | None, ticket: Ticket) -> list[str]:
    if backend is not None and backend.kind == "email" and not ticket.email:
        return [_("the email to the help desk has no Reply-To address, so any answer goes to "
                  "the backend's 'from' address; give --email or set [profile] email")]
    return []


def _sender(store: Store, backend: Backend, cfg: Config,
            report: Callable[[Retrying], None] | None) -> Sender:
    """A sender whose waits between attempts are reported (progress on a terminal)."""
    from tokohelp.tickets.sender import Sender, policy_from_config

    policy = policy_from_config(cfg)
    return Sender(store, backend, policy, RetrySleep(policy.attempts, report))


class RetrySleep:
    """The sender's sleep between attempts, telling the user which attempt comes next."""

    def __init__(self, attempts: int, report: Callable[[Retrying], None] | None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.attempts = attempts
        self.report = report
        self.sleep = sleep
        self.ticket_id = 0
        self.next = 1

    def start(self, ticket_id: int) -> None:
        """A new ticket: counting starts again."""
        self.ticket_id, self.next = ticket_id, 1

    def __call__(self, delay: float) -> None:
        self.next += 1
        if self.report:
            self.report(Retrying(self.ticket_id, self.next, self.attempts, delay))
        self.sleep(delay)


def stays_queued(ids: list[int], exc: BaseException) -> TokohelpError:
    """The error for an interrupted send: which tickets stay queued and how to resume."""
    listed = " ".join(str(i) for i in ids)
    error = TokohelpError(
        ngettext("interrupted: ticket {ids} stays queued",
                 "interrupted: tickets {ids} stay queued", len(ids)).format(ids=listed),
        _("Resume with: tokohelp ticket send {ids}").format(ids=listed))
    error.status = exit_status(exc)  # type: ignore[assignment]
    return error


# -- drafts -------------------------------------------------------------------------------


def draft_problem(ticket: Ticket, choices: list[CategoryChoice]) -> str | None:
    """Why a draft cannot be sent yet (the checks of ``ticket new``), or None."""
    from tokohelp.tickets.intake import resolve_category

    try:
        if not text.one_line(ticket.subject, _("the subject")):
            return _("it has no subject")
        text.clean_body(ticket.body, _("its message"))
        if ticket.category is None:
            return _("it has no category")
        resolve_category(ticket.category, choices, _("its category"))
        if ticket.email:
            text.check_email(ticket.email)
    except TokohelpError as exc:
        return exc.message
    return None


def queue_drafts(store: Store, ids: list[int], cfg: Config,
                 choices: list[CategoryChoice]) -> dict[int, str]:
    """Queue each draft among ``ids`` that passes the checks; return why the others cannot go."""
    from tokohelp.tickets.service import load_backend

    refused: dict[int, str] = {}
    default: list[str | None] = []
    for ticket_id in ids:
        ticket = store.get(ticket_id)
        if ticket.status != "draft":
            continue
        problem = draft_problem(ticket, choices)
        if problem:
            refused[ticket_id] = problem
            continue
        if ticket.backend is None and not default:
            backend = load_backend(cfg, None)
            default.append(backend.name if backend else None)
        drafts.queue(store, ticket_id, ticket.backend or (default[0] if default else None))
    return refused


def refused_outcome(ticket: Ticket, problem: str) -> SendOutcome:
    """A draft that cannot be sent yet, and the command that fixes it."""
    from tokohelp.tickets.sender import SKIPPED, SendOutcome

    return SendOutcome(ticket.id, SKIPPED,
                       _("is a draft that cannot be sent yet: {problem}").format(problem=problem),
                       ticket, _("Complete it with: tokohelp ticket edit {id}").format(
                           id=ticket.id))


def send_all(ids: list[int], cfg: Config, store: Store,
             progress: Callable[[SendOutcome], None] | None = None,
             report: Callable[[Retrying], None] | None = None) -> list[SendOutcome]:
    """Send ``ids`` (queuing checked drafts first); Ctrl-C names the tickets that stay queued."""
    from tokohelp.tickets import service

    refused = queue_drafts(store, ids, cfg, category_choices("en", cfg))  # names of both languages
    to_send = [i for i in ids if i not in refused]
    try:
        outcomes = service.send(to_send, progress, cfg=cfg, store=store, report=report)
    except KeyboardInterrupt as exc:
        raise stays_queued(_not_sent(store, to_send), exc) from None
    by_id = {o.ticket_id: o for o in outcomes}
    by_id.update({i: refused_outcome(store.get(i), p) for i, p in refused.items()})
    return [by_id[i] for i in ids]


def _not_sent(store: Store, ids: list[int]) -> list[int]:
    """The tickets among ``ids`` that are still waiting (what an interruption leaves)."""
    return [i for i in ids if store.get(i).status in ("queued", "failed")]


def edit_draft(store: Store, ticket: Ticket, change: drafts.DraftChange,
               max_count: int | None = None) -> Ticket:
    """Apply flag or editor changes to a draft; message and attachments stay within limits."""
    from tokohelp.errors import BadInputError

    count = len(ticket.attachments) - len(drafts.positions(ticket, change.detach)) + len(
        change.add)
    if max_count is not None and count > max_count:
        raise BadInputError(
            _("draft {id} would have {count} attachments, at most {limit} allowed").format(
                id=ticket.id, count=count, limit=max_count),
            _("Remove one with: tokohelp ticket edit {id} --detach NAME").format(id=ticket.id))
    body = change.values.get("body")
    if body is not None:
        change.values["body"] = text.clean_body(body, _("the message"))
    if change.values.get("subject") is not None:
        change.values["subject"] = text.one_line(change.values["subject"], "--subject")
        if not change.values["subject"]:
            raise UsageError(_("--subject is empty"), _("Give the ticket a subject."))
    return drafts.update(store, ticket, change)


def edit_in_editor(store: Store, ticket: Ticket, asker: object) -> Ticket:
    """The draft's message in the editor; interrupted, what the editor holds is kept."""
    from tokohelp.tickets.editor import EditInterrupted
    from tokohelp.tickets.intake import template_for

    template = template_for(ticket.subject, ticket.category, ticket.order_id,
                            [a.name for a in ticket.attachments], ticket.body + "\n")
    try:
        edited = asker.edit(template)  # type: ignore[attr-defined]
    except EditInterrupted as exc:
        kept = _keep_edit(store, ticket, exc.raw)
        exc.discard()
        raise KeptError(_("interrupted while editing draft {id}").format(id=ticket.id),
                        kept.note(), exit_status(exc), kept) from None
    try:
        text.decode(edited.raw, _("the edited message"))
    except TokohelpError as exc:
        kept = _keep_edit(store, ticket, edited.raw)
        raise KeptError(exc.message, kept.note() + "\n" + _(
            "The exact bytes are kept in {path}; in the kept text they show as \ufffd."
        ).format(path=edited.path), int(exc.status), kept) from None
    edited.discard()
    body = text.strip_comments(text.lenient(edited.raw))
    if not body:
        raise AbortedError(_("Empty message: draft {id} is unchanged.").format(id=ticket.id))
    return edit_draft(store, ticket, drafts.DraftChange({"body": body}))


def _keep_edit(store: Store, ticket: Ticket, raw: bytes) -> recovery.Kept:
    """Save what the editor holds into the draft (when it holds a message)."""
    body = text.strip_comments(text.lenient(raw))
    if body and body != ticket.body:
        try:
            drafts.update(store, ticket, drafts.DraftChange({"body": body}))
        except TokohelpError:
            partial = Partial(ticket.subject, ticket.category, body, ticket.order_id,
                              ticket.email, ticket.backend, typed=True)
            return recovery.keep_recovery(partial, store.root)
    return recovery.Kept("draft", ticket_id=ticket.id, path=store.path)
