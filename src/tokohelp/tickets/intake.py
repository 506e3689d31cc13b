"""Ticket intake: from what the user gave and typed to a ticket ready to store.

The order is the one a help desk wants and a user expects: first the values
given as options are checked (nothing is asked before a typo in ``--email`` is
reported), then what is missing is asked, then, on a terminal, the articles
that confidently match the subject are offered *before* the user writes the
whole complaint, then the optional order id, reply e-mail and attachments,
then the message in the editor.

Prompts go through an :class:`Asker` (the terminal one lives in the CLI, tests
script one), so every rule here is tested without a terminal.  Whatever stops
the intake once the user has typed something (an error, Ctrl-C, SIGTERM,
SIGHUP, a broken search index) keeps the text (``tokohelp.tickets.recovery``)
and the error says where and how to resume.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from tokohelp.errors import (
    AbortedError,
    BadInputError,
    ExitStatus,
    NotFoundError,
    TokohelpError,
    UsageError,
)
from tokohelp.i18n import _
from tokohelp.tickets import recovery, text
from tokohelp.tickets.recovery import Kept, KeptError, Partial
from tokohelp.tickets.signals import exit_status
from tokohelp.tickets.store import CheckedFile, NewTicket

if TYPE_CHECKING:
    from tokohelp.ranking import Hit
    from tokohelp.tickets.editor import Edited

OFFER_LIMIT = 3


@dataclass
class CategoryChoice:
    """A category as offered at the prompt: its id, label and every name it answers to."""

    id: str
    label: str
    names: tuple[str, ...] = ()


class Asker(Protocol):
    """Asks the person at the keyboard; a scripted one stands in for tests.

    ``text`` and ``confirm`` raise EOFError at end of input and KeyboardInterrupt on Ctrl-C.
    """

    interactive: bool

    def text(self, prompt: str, default: str = "") -> str:
        """One line typed by the user (``default`` when the answer is empty)."""

    def choose(self, prompt: str, choices: list[CategoryChoice]) -> str:
        """Show the numbered choices and return the raw answer."""

    def offer(self, hits: list[Hit]) -> bool:
        """Show articles that may answer the question; True to go on with the ticket."""

    def edit(self, template: str) -> Edited:
        """Open the editor on ``template``."""

    def warn(self, message: str) -> None:
        """Tell the user something went wrong but the intake goes on."""


@dataclass
class IntakeRequest:
    """The values ``ticket new`` was given; missing ones are None."""

    subject: str | None = None
    category: str | None = None
    message: str | None = None
    body_file: Path | None = None
    order_id: str | None = None
    email: str | None = None
    backend: str | None = None
    attach: list[Path] = field(default_factory=list)
    recover: Path | None = None
    yes: bool = False
    stdin: BinaryIO | None = None  # piped (not a terminal) stdin, read when no other body


@dataclass
class IntakeDeps:
    """What intake needs from the rest of tokohelp, resolved once per run."""

    data_dir: Path
    categories: Callable[[], list[CategoryChoice]]
    suggest: Callable[[str, str | None], list[Hit]]
    check_files: Callable[[list[Path]], list[CheckedFile]]
    save_draft: Callable[[NewTicket, list[CheckedFile]], tuple[int, Path]]
    default_email: str | None = None


@dataclass
class Gathered:
    """A complete ticket, its checked attachment copies, and the recovery file it came from."""

    ticket: NewTicket
    files: list[CheckedFile]
    recovered_from: Path | None = None


def gather(req: IntakeRequest, asker: Asker, deps: IntakeDeps) -> Gathered:
    """Check, ask and edit until the ticket is complete; on any failure keep what was typed."""
    partial = _from_request(req, deps)
    files = deps.check_files(partial.attach)
    try:
        files = _fill(partial, req, asker, deps, files)
    except AbortedError:
        raise
    except BaseException as exc:
        worth_keeping = partial.typed or (asker.interactive and partial.enough_for_draft)
        if isinstance(exc, SystemExit) or (isinstance(exc, TokohelpError) and not worth_keeping):
            raise  # everything given is still in the command line or its files
        kept = keep(partial, files, deps) if worth_keeping else Kept("nothing")
        raise kept_error(exc, kept) from exc
    ticket = NewTicket(partial.subject, partial.body, partial.category, partial.order_id,
                       partial.email, partial.backend)
    return Gathered(ticket, files, req.recover)


def _from_request(req: IntakeRequest, deps: IntakeDeps) -> Partial:
    """The options and the recovery file, checked before anything is asked."""
    partial = recovery.read(req.recover) if req.recover else Partial()
    partial.typed = False  # it is safe in its file until the intake succeeds
    overrides = {"subject": text.one_line(req.subject, "--subject") if req.subject else None,
                 "order_id": text.one_line(req.order_id, "--order-id") if req.order_id else None,
                 "email": req.email, "backend": req.backend, "category": req.category}
    for name, value in overrides.items():
        if value is not None:
            setattr(partial, name, value)
    partial.subject = text.one_line(partial.subject, "--subject")
    partial.email = text.check_email(partial.email) if partial.email else deps.default_email
    if partial.category is not None:
        partial.category = resolve_category(partial.category, deps.categories(), "--category")
    partial.attach = [*partial.attach, *req.attach]
    return partial


def _fill(partial: Partial, req: IntakeRequest, asker: Asker, deps: IntakeDeps,
          files: list[CheckedFile]) -> list[CheckedFile]:
    _body_from_sources(partial, req)
    _ask_subject(partial, asker)
    _ask_category(partial, asker, deps)
    if asker.interactive and not req.yes:
        _offer_articles(partial, asker, deps, files)
        files = _ask_optional(partial, asker, deps, files)
    if not partial.body or (req.recover and asker.interactive):
        _edit_body(partial, asker, files)
    partial.body = text.clean_body(partial.body, _("the message"))
    return files


def _body_from_sources(partial: Partial, req: IntakeRequest) -> None:
    """The message from --message, --body-file or piped stdin, when one of them is given."""
    if req.message is not None and req.body_file is not None:
        raise UsageError(_("give --message or --body-file, not both"))
    if req.message is not None:
        partial.body = text.clean_body(req.message, "--message")
    elif req.body_file is not None:
        raw = text.read_file(req.body_file, "--body-file")
        partial.body = text.clean_body(text.decode(raw, str(req.body_file)), "--body-file")
    elif req.stdin is not None and not partial.body:
        raw = text.read_bounded(req.stdin, _("stdin"))
        partial.body = text.clean_body(text.decode(raw, _("stdin")), _("the message on stdin"))
        partial.typed = True  # piped text exists nowhere else once read


def _ask_subject(partial: Partial, asker: Asker) -> None:
    if partial.subject:
        return
    if not asker.interactive:
        raise UsageError(_("missing --subject"),
                         _("Without a terminal give --subject, --category and the message "
                           "(--message, --body-file or stdin)."))
    while not partial.subject:
        answer = asker.text(_("Subject"))
        partial.typed = True
        try:
            partial.subject = text.one_line(answer, _("the subject"))
        except BadInputError as exc:  # bytes the terminal's locale could not decode
            asker.warn(exc.message)
            continue
        if not partial.subject:
            asker.warn(_("the subject cannot be empty"))


def _ask_category(partial: Partial, asker: Asker, deps: IntakeDeps) -> None:
    if partial.category:
        return
    if not asker.interactive:
        raise UsageError(_("missing --category"),
                         _("Choose one from: tokohelp categories"))
    choices = deps.categories()
    while partial.category is None:
        answer = asker.choose(_("Category"), choices)
        try:
            partial.category = resolve_category(answer, choices, _("the category"))
        except NotFoundError as exc:
            asker.warn(exc.message)


def resolve_category(answer: str, choices: list[CategoryChoice], source: str) -> str:
    """A category by id, by name in either language (any case) or by its number in the list."""
    wanted = text.one_line(answer, source).casefold()
    if wanted.isdigit() and 1 <= int(wanted) <= len(choices):
        return choices[int(wanted) - 1].id
    for choice in choices:
        if wanted in {choice.id.casefold(), *(name.casefold() for name in choice.names)}:
            return choice.id
    raise NotFoundError(
        _("unknown category {answer!r}").format(answer=text.one_line(answer, source)),
        _("Choose one of: {ids} (or its number in the list).").format(
            ids=", ".join(c.id for c in choices)))


def _offer_articles(partial: Partial, asker: Asker, deps: IntakeDeps,
                    files: list[CheckedFile]) -> None:
    """Articles that confidently match, before the message is written; a broken index is skipped."""
    try:
        hits = _confident_hits(partial, deps)
    except Exception as exc:  # a broken index must never cost the user their ticket
        asker.warn(_("could not look for matching articles ({reason}); going on").format(
            reason=getattr(exc, "message", type(exc).__name__)))
        return
    if hits and not asker.offer(hits[:OFFER_LIMIT]):
        _declined(partial, files, deps)


def _confident_hits(partial: Partial, deps: IntakeDeps) -> list[Hit]:
    """What the search is confident about for the subject, then for a message already given."""
    found: dict[str, Hit] = {}
    for query in filter(None, [partial.subject, partial.body[:2000]]):
        for hit in deps.suggest(query, partial.category):
            found.setdefault(hit.slug, hit)
    return list(found.values())


def _declined(partial: Partial, files: list[CheckedFile], deps: IntakeDeps) -> None:
    """The articles answered it: stop; keep a draft only when a message was already written."""
    if partial.enough_for_draft:
        kept = keep(partial, files, deps)
        raise AbortedError(_("Not filed."), kept.note())
    raise AbortedError(_("Not filed."), _("Nothing was stored."))


def _ask_optional(partial: Partial, asker: Asker, deps: IntakeDeps,
                  files: list[CheckedFile]) -> list[CheckedFile]:
    """Order id, reply e-mail and attachments: each may be left empty."""
    if partial.order_id is None:
        partial.order_id = text.one_line(asker.text(_("Order id (optional)")), _("the order id"))
        partial.order_id = partial.order_id or None
    _ask_email(partial, asker)
    if not files:
        files = _ask_attachments(partial, asker, deps)
    return files


def _ask_email(partial: Partial, asker: Asker) -> None:
    while True:
        answer = asker.text(_("Reply email (optional)"), default=partial.email or "").strip()
        try:
            partial.email = text.check_email(answer) if answer else None
            return
        except UsageError as exc:
            asker.warn(exc.message)


def _ask_attachments(partial: Partial, asker: Asker, deps: IntakeDeps) -> list[CheckedFile]:
    while True:
        answer = asker.text(_("Attach files (paths separated by spaces, optional)"))
        try:
            paths = [Path(p) for p in shlex.split(answer)]
            files = deps.check_files(paths)
        except (ValueError, TokohelpError) as exc:
            asker.warn(getattr(exc, "message", str(exc)))
            continue
        partial.attach = paths
        return files


def template_for(subject: str, category: str | None, order_id: str | None,
                 names: list[str], body: str = "") -> str:
    """The editor's starting text: the message so far, then the commented summary."""
    template = _("""
# Describe the problem above. Lines starting with '#' are ignored;
# an empty message stops here and files nothing.
#
# Subject:     {subject}
# Category:    {category}
# Order:       {order}
# Attachments: {attachments}
#
# Helpful: what you did, what you expected, what happened instead,
# dates, amounts and any error message shown by the app.
""")
    return body + template.format(subject=subject, category=category or "-",
                                  order=order_id or "-",
                                  attachments=", ".join(names) or _("none"))


def _edit_body(partial: Partial, asker: Asker, files: list[CheckedFile]) -> None:
    """The message from the editor; an empty one files nothing, a non-UTF-8 one is kept."""
    if not asker.interactive:
        raise UsageError(_("missing message"),
                         _("Without a terminal give --message, --body-file or pipe the "
                           "message on stdin."))
    from tokohelp.tickets.editor import EditInterrupted

    partial.typed = True
    try:
        edited = asker.edit(template_for(partial.subject, partial.category, partial.order_id,
                                         [f.name for f in files], partial.body))
    except EditInterrupted as exc:
        partial.body = text.strip_comments(text.lenient(exc.raw)) or partial.body
        raise
    partial.body = text.strip_comments(text.lenient(edited.raw))
    try:
        text.decode(edited.raw, _("the edited message"))
    except BadInputError as exc:  # the temp file stays: it holds the exact bytes
        raise BadInputError(exc.message, _(
            "The exact bytes are kept in {path}; in the kept text they show as \ufffd."
        ).format(path=edited.path)) from None
    edited.discard()
    if not partial.body:
        raise AbortedError(_("Empty message: nothing was filed."))


def keep(partial: Partial, files: list[CheckedFile], deps: IntakeDeps) -> Kept:
    """A draft when there is enough for one and the store works; else a recovery file."""
    store_broken = False
    if partial.enough_for_draft:
        ticket = NewTicket(partial.subject, partial.body, partial.category, partial.order_id,
                           partial.email, partial.backend)
        try:
            ticket_id, path = deps.save_draft(ticket, files)
            return Kept("draft", ticket_id=ticket_id, path=path)
        except (TokohelpError, OSError):
            store_broken = True
    if not partial.anything:
        return Kept("nothing")
    return recovery.keep_recovery(partial, deps.data_dir, store_broken)


def kept_error(exc: BaseException, kept: Kept) -> KeptError:
    """The error to report, with where the text went added to its hint."""
    from tokohelp.tickets.editor import EditInterrupted

    note = kept.note()
    if isinstance(exc, EditInterrupted) and exc.still_open:
        note += "\n" + _("Your editor still has {path} open; it is kept.").format(path=exc.path)
    elif isinstance(exc, EditInterrupted) and kept.kind in ("draft", "recovery"):
        exc.discard()
    if isinstance(exc, TokohelpError):
        return KeptError(exc.message, "\n".join(filter(None, [exc.hint, note])),
                         int(exc.status), kept)
    if isinstance(exc, EOFError):
        return KeptError(_("end of input: the ticket was not filed"), note,
                         int(ExitStatus.ABORTED), kept)
    if isinstance(exc, KeyboardInterrupt):
        return KeptError(_("interrupted: the ticket was not filed"), note, exit_status(exc), kept)
    return KeptError(_("internal error: {name}").format(name=type(exc).__name__),
                     note + "\n" + _("Run again with TOKOHELP_DEBUG=1 for details and report it."),
                     int(ExitStatus.INTERNAL), kept)

