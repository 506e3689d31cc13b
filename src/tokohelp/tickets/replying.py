"""``ticket reply ID``: write a follow-up on a sent ticket, store it, send it once.

The reply is written like a ticket's message (``--message``, ``--body-file``,
piped stdin, else the editor, whose template quotes the desk's last message as
``#`` lines), its attachments pass the checks of ``ticket new``, and it is
stored before it is sent, so the outbox (retries, claims, the look-up after an
unknown outcome) delivers it exactly once.  Until the store has it, whatever
stops the command (an error, Ctrl-C, SIGTERM, SIGHUP, "no" at the question)
keeps the text in a private recovery file that ``--body-file`` reads back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from tokohelp.errors import (
    AbortedError,
    BackendError,
    BadInputError,
    ConfigError,
    StorageError,
    TokohelpError,
    UsageError,
)
from tokohelp.i18n import _, ngettext
from tokohelp.tickets import recovery, text
from tokohelp.tickets.recovery import KeptError, Partial
from tokohelp.tickets.results import reply_json
from tokohelp.tickets.signals import exit_status

if TYPE_CHECKING:
    from tokohelp.session import Session
    from tokohelp.tickets.backends.base import Backend
    from tokohelp.tickets.model import RemoteReply, RemoteStatus, Reply, Ticket
    from tokohelp.tickets.reply_store import ReplyStore
    from tokohelp.tickets.sender import SendOutcome
    from tokohelp.tickets.store import CheckedFile

QUOTE_LINES = 40  # at most this many lines of the desk's last message are quoted


@dataclass
class ReplyRequest:
    """What ``ticket reply`` was given."""

    ticket_id: int
    message: str | None = None
    body_file: Path | None = None
    attach: list[Path] = field(default_factory=list)
    yes: bool = False
    stdin: BinaryIO | None = None  # piped stdin, read when no other body is given


@dataclass
class ReplySent:
    """``ticket reply``: the stored reply, its ticket and how sending went."""

    ticket: Ticket
    reply: Reply
    outcome: SendOutcome | None = None
    failure: TokohelpError | None = None

    def to_json(self) -> dict[str, Any]:
        """The reply, with the id of its ticket and the send result."""
        return {**reply_json(self.reply),
                "result": self.outcome.result if self.outcome else None,
                "message": self.outcome.message if self.outcome else ""}


@dataclass
class ReplyDryRun:
    """``ticket reply --dry-run``: what would be sent, secrets masked; nothing stored."""

    backend: str
    ticket: Ticket
    reply: Reply
    request: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Backend name, ticket id, the reply as it would be stored, and the request."""
        return {"backend": self.backend, "ticket_id": self.ticket.id,
                "reply": reply_json(self.reply), "request": self.request}


# -- the use case -------------------------------------------------------------------------


def reply(session: Session, req: ReplyRequest, asker: Any, *, dry_run: bool = False
          ) -> ReplySent | ReplyDryRun:
    """Check the ticket, gather the reply, then describe it, or store and send it."""
    from tokohelp.tickets import filing, snapshot
    from tokohelp.tickets.listing import check_id

    ticket = session.store.get(check_id(req.ticket_id))
    require_sent(ticket)
    backend = _backend(session, ticket)
    with snapshot.staging() as staging:
        files = filing.checked_copies(session.config, req.attach, staging)
        body = gather_body(req, asker, ticket, backend, session.store.root)
        if dry_run:
            return _dry_run(ticket, backend, body, files)
        if asker.interactive and not req.yes:
            _confirm(asker, ticket, body, files, session.store.root)
        stored = _store(session, ticket, body, files)
    outcome = send_stored(session, backend, stored)
    return ReplySent(ticket, outcome.ticket or stored, outcome,  # type: ignore[arg-type]
                     _not_sent(stored, outcome))


def require_sent(ticket: Ticket) -> None:
    """Only a ticket the desk has can be answered; say what to do with the others."""
    if ticket.status == "sent" and ticket.remote_id:
        return
    hint = _("Send it first with: tokohelp ticket send {id}").format(id=ticket.id) \
        if ticket.status != "draft" else \
        _("Change the draft with: tokohelp ticket edit {id}, then send it with: "
          "tokohelp ticket send {id}").format(id=ticket.id)
    raise UsageError(_("ticket {id} is {status}, not sent yet: there is nothing to reply "
                       "to").format(id=ticket.id, status=_status_word(ticket.status)), hint)


def _status_word(status: str) -> str:
    return {"draft": _("a draft"), "queued": _("queued"), "failed": _("failed")}.get(
        status, status)


def _backend(session: Session, ticket: Ticket) -> Backend:
    backend = session.backend(ticket.backend)
    if backend is None:
        raise ConfigError(_("no backend configured"),
                          _("Add one to the config file (see: tokohelp docs backends)."))
    return backend


def gather_body(req: ReplyRequest, asker: Any, ticket: Ticket, backend: Backend,
                data_dir: Path) -> str:
    """The reply's text: from an option, a file, piped stdin, else the editor."""
    if req.message is not None and req.body_file is not None:
        raise UsageError(_("give --message or --body-file, not both"))
    if req.message is not None:
        return text.clean_body(req.message, "--message")
    if req.body_file is not None:
        raw = text.read_file(req.body_file, "--body-file")
        return text.clean_body(text.decode(raw, str(req.body_file)), "--body-file")
    if req.stdin is not None:
        raw = text.read_bounded(req.stdin, _("stdin"))
        body = text.decode(raw, _("stdin"))
        try:
            return text.clean_body(body, _("the message on stdin"))
        except TokohelpError as exc:  # piped text exists nowhere else once read
            raise _kept(exc.message, exc.hint, int(exc.status), body, ticket.id,
                        data_dir) from None
    if not asker.interactive:
        raise UsageError(_("missing message"),
                         _("Without a terminal give --message, --body-file or pipe the reply "
                           "on stdin."))
    return _edit(asker, ticket, backend, data_dir)


def _edit(asker: Any, ticket: Ticket, backend: Backend, data_dir: Path) -> str:
    """The reply from the editor; interrupted or not UTF-8, its text is kept."""
    from tokohelp.tickets.editor import EditInterrupted

    template = reply_template(ticket, last_agent_message(ticket, backend, asker))
    try:
        edited = asker.edit(template)
    except EditInterrupted as exc:
        body = text.strip_comments(text.lenient(exc.raw))
        error = _kept(_("interrupted: the reply was not sent"), "", exit_status(exc), body,
                      ticket.id, data_dir)
        if error.kept.kind == "recovery":
            exc.discard()  # unless the editor still has it open
        raise error from None
    body = text.strip_comments(text.lenient(edited.raw))
    try:
        text.decode(edited.raw, _("the edited reply"))
    except TokohelpError as exc:
        raise BadInputError(exc.message, _(
            "The exact bytes are kept in {path}; in the kept text they show as \ufffd."
        ).format(path=edited.path)) from None
    edited.discard()
    if not body:
        raise AbortedError(_("Empty reply: nothing was sent."))
    return text.clean_body(body, _("the reply"))


def last_agent_message(ticket: Ticket, backend: Backend, asker: Any) -> RemoteReply | None:
    """The desk's newest message that is not ours, to quote; a failure is only a warning."""
    try:
        remote = backend.remote_status(str(ticket.remote_id))
    except TokohelpError as exc:
        asker.warn(_("could not read the desk's last message ({reason}); going on").format(
            reason=exc.message))
        return None
    agent = [r for r in (remote.replies if remote else []) if not is_own(r)]
    return agent[-1] if agent else None


def is_own(message: RemoteReply) -> bool:
    """A message we wrote: it carries a tokohelp key line, or the desk says it is ours."""
    from tokohelp.tickets.backends.base import REPLY_KEY_LINE

    marker = REPLY_KEY_LINE.split("{", 1)[0]
    return message.author == _("you") or any(line.startswith(marker)
                                             for line in message.text.splitlines())


def without_footer(message: str) -> str:
    """A message of ours as the user wrote it: the ``--`` footer with our key line dropped.

    Desks that flatten lines (HTML paragraphs) keep the footer on the text's last
    line; it is cut there too.
    """
    from tokohelp.tickets.backends.base import REPLY_KEY_LINE

    marker = REPLY_KEY_LINE.split("{", 1)[0]
    head, sep, tail = message.rpartition("--")
    if sep and marker in tail and not tail.split(marker, 1)[0].strip(" \n:"):
        return head.rstrip()
    return message


def reply_template(ticket: Ticket, last: RemoteReply | None) -> str:
    """The editor's starting text: room for the reply, then the quoted last message."""
    head = _("""
# Write your reply above. Lines starting with '#' are ignored;
# an empty reply sends nothing.
#
# Ticket {id}: {subject}
""").format(id=ticket.id, subject=ticket.subject)
    if last is None:
        return head
    from tokohelp.safe import strip_control

    lines = strip_control(last.text).splitlines()[:QUOTE_LINES]
    said = _("# On {when}, {author} wrote:").format(when=last.created or "?",
                                                     author=strip_control(last.author))
    return head + "#\n" + said + "\n" + "".join(f"# > {line}".rstrip() + "\n" for line in lines)


def _confirm(asker: Any, ticket: Ticket, body: str, files: list[CheckedFile],
             data_dir: Path) -> None:
    """Ask before sending; "no" or end of input keeps the text and sends nothing."""
    question = ngettext("Send this reply to ticket {id} with {count} attachment?",
                        "Send this reply to ticket {id} with {count} attachments?",
                        len(files)).format(id=ticket.id, count=len(files))
    try:
        yes = asker.confirm(question, default=True)
    except EOFError:
        yes = False
    if not yes:
        kept = recovery.keep_recovery(Partial(body=body, typed=True), data_dir)
        raise AbortedError(_("Not sent."), kept_note(kept, ticket.id))


def _dry_run(ticket: Ticket, backend: Backend, body: str,
             files: list[CheckedFile]) -> ReplyDryRun:
    import uuid

    from tokohelp.redact import scrub
    from tokohelp.tickets.model import Attachment, Reply
    from tokohelp.tickets.store import now_iso

    reply = Reply(id=0, ticket_id=ticket.id, body=body, status="queued", created=now_iso(),
                  idempotency_key=f"reply-{uuid.uuid4()}",
                  attachments=[Attachment(f.name, f.mime, f.size, f.path) for f in files])
    described = scrub(backend.describe_reply(ticket, reply), [getattr(backend, "_secret", None)])
    return ReplyDryRun(backend.name, ticket, reply, described)


def _store(session: Session, ticket: Ticket, body: str, files: list[CheckedFile]) -> Reply:
    """Store the reply; if that fails or is interrupted first, keep its text elsewhere."""
    try:
        return replies_of(session).create(ticket.id, body, files)
    except StorageError as exc:
        raise _kept(exc.message, exc.hint, int(exc.status), body, ticket.id,
                    session.store.root, store_broken=True) from None
    except KeyboardInterrupt as exc:
        raise _kept(_("interrupted: the reply was not stored"), "", exit_status(exc), body,
                    ticket.id, session.store.root) from None


def replies_of(session: Session) -> ReplyStore:
    """The reply side of the run's store (its tables are added on first use)."""
    from tokohelp.tickets.reply_store import ReplyStore

    return ReplyStore(session.store)


def _kept(message: str, hint: str, status: int, body: str, ticket_id: int, data_dir: Path,
          store_broken: bool = False) -> KeptError:
    kept = recovery.keep_recovery(Partial(body=body, typed=True), data_dir, store_broken)
    return KeptError(message, "\n".join(filter(None, [hint, kept_note(kept, ticket_id)])),
                     status, kept)


def kept_note(kept: recovery.Kept, ticket_id: int) -> str:
    """Where the reply's text went and the command that sends it from there."""
    if kept.kind == "recovery":
        return _("Your reply is saved in {path}\n"
                 "Send it with: tokohelp ticket reply {id} --body-file {path}").format(
                     path=kept.path, id=ticket_id)
    return kept.note()


# -- sending ------------------------------------------------------------------------------


def send_stored(session: Session, backend: Backend, stored: Reply) -> SendOutcome:
    """Send one stored reply; Ctrl-C leaves it queued and says how to resume."""
    replies = replies_of(session)
    try:
        return send_reply_id(replies, backend, session.config, stored.id)
    except KeyboardInterrupt as exc:
        error = TokohelpError(_("interrupted: reply {id} to ticket {ticket} stays queued").format(
            id=stored.id, ticket=stored.ticket_id),
            _("Resume with: tokohelp ticket send {ticket}").format(ticket=stored.ticket_id))
        error.status = exit_status(exc)  # type: ignore[assignment]
        raise error from None


def send_reply_id(replies: ReplyStore, backend: Backend, cfg: Any, reply_id: int
                  ) -> SendOutcome:
    """One reply through the outbox; an expected failure becomes its outcome."""
    from tokohelp.tickets.reply_sender import ReplySender, reply_advice
    from tokohelp.tickets.sender import SendOutcome, UnrecordedDelivery, policy_from_config

    sender = ReplySender(replies, backend, policy_from_config(cfg))
    try:
        return sender.send(reply_id)
    except TokohelpError as exc:
        reply = replies.get(reply_id)
        return SendOutcome(reply.ticket_id, reply.status, exc.message, reply,  # type: ignore[arg-type]
                           exc.hint or reply_advice(reply.ticket_id, reply.status),
                           delivered=isinstance(exc, UnrecordedDelivery))


def send_queued(session: Session, ticket_ids: list[int] | None,
                progress: Callable[[SendOutcome], None] | None = None) -> list[SendOutcome]:
    """``ticket send``: the queued and failed replies of ``ticket_ids`` (None: of all)."""
    from tokohelp.tickets.reply_store import ReplyStore

    replies = ReplyStore(session.store)
    ids = replies.ids_with_status("queued", ticket_ids)
    if ticket_ids is not None:
        ids += replies.ids_with_status("failed", ticket_ids)
    outcomes = []
    for reply_id in sorted(ids):
        outcomes.append(_send_queued_one(session, replies, reply_id))
        if progress:
            progress(outcomes[-1])
    return outcomes


def tickets_with_queued_replies(session: Session, ticket_ids: list[int] | None) -> list[int]:
    """The tickets (among ``ticket_ids``) whose replies still wait, for an interruption."""
    replies = replies_of(session)
    waiting = replies.ids_with_status("queued", ticket_ids) + replies.ids_with_status(
        "failed", ticket_ids)
    return sorted({replies.get(i).ticket_id for i in waiting})


def _send_queued_one(session: Session, replies: ReplyStore, reply_id: int) -> SendOutcome:
    from tokohelp.tickets.sender import QUEUED, SendOutcome

    reply = replies.get(reply_id)
    ticket = replies.tickets.get(reply.ticket_id)
    try:
        backend = _backend(session, ticket)
    except TokohelpError as exc:
        return SendOutcome(ticket.id, QUEUED, _("reply {id}: {reason}").format(
            id=reply_id, reason=exc.message), reply, exc.hint)  # type: ignore[arg-type]
    return send_reply_id(replies, backend, session.config, reply_id)


def _not_sent(reply: Reply, outcome: SendOutcome) -> TokohelpError | None:
    if not outcome.needs_action:
        return None
    if outcome.delivered:
        return StorageError(outcome.message, outcome.advice)
    return BackendError(_("reply {id} to ticket {ticket} was stored but not sent: {reason}")
                        .format(id=reply.id, ticket=reply.ticket_id, reason=outcome.message),
                        outcome.advice)


# -- what the desk said, for "new reply" in ``ticket list`` -------------------------------


def agent_messages(remote: RemoteStatus | None) -> int:
    """How many messages of the thread the desk's people wrote (not ours)."""
    return sum(not is_own(r) for r in (remote.replies if remote else []))


def remember_thread(session: Session, ticket_id: int, remote: RemoteStatus | None, *,
                    seen: bool) -> None:
    """Cache the count of agent messages; a store that cannot be written only loses the mark."""
    if remote is None:
        return
    with contextlib.suppress(StorageError):
        replies_of(session).record_fetch(ticket_id, agent_messages(remote), seen=seen)


def refresh_threads(session: Session) -> list[str]:
    """``ticket list --refresh``: fetch every sent ticket's thread; failures are warnings."""
    warnings = []
    for ticket in session.store.tickets("sent"):
        try:
            backend = _backend(session, ticket)
            remote = backend.remote_status(str(ticket.remote_id))
        except TokohelpError as exc:
            warnings.append(_("ticket {id}: could not fetch replies ({reason})").format(
                id=ticket.id, reason=exc.message))
            continue
        remember_thread(session, ticket.id, remote, seen=False)
    return warnings
