"""The ticket core the CLI calls: create, list, show, send, check backends.

Functions take plain values and return dataclasses; nothing here prints or
prompts.  Backends come from ``tokohelp.tickets.backends.load_backend``,
imported when first needed so the CLI starts without the network stack.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokohelp.config import Config, load_config
from tokohelp.errors import (
    ConfigError,
    TokohelpError,
)
from tokohelp.i18n import _
from tokohelp.redact import scrub
from tokohelp.tickets.model import Attachment, RemoteStatus, Ticket
from tokohelp.tickets.store import CheckedFile, NewTicket, Store, now_iso, open_store

if TYPE_CHECKING:
    from tokohelp.tickets.backends.base import Backend
    from tokohelp.tickets.sender import SendOutcome


@dataclass
class Created:
    """A stored ticket and, when a backend is configured, how sending it went."""

    ticket: Ticket
    store_path: Path
    outcome: SendOutcome | None = None


@dataclass
class DryRun:
    """What ``ticket new`` would send, and to which backend."""

    backend: str | None
    ticket: Ticket
    request: dict[str, Any] = field(default_factory=dict)


@dataclass
class RemoteView:
    """The backend's view of a sent ticket, or why it is not available."""

    status: RemoteStatus | None = None
    error: str | None = None


@dataclass
class BackendCheck:
    """The result of ``config check`` for one named backend."""

    name: str
    kind: str
    ok: bool
    detail: str
    default: bool = False
    error: TokohelpError | None = None


def load_backend(cfg: Config, name: str | None) -> Backend | None:
    """The named backend (None: the default); None when no backend is configured."""
    from tokohelp.tickets.backends import load_backend as load

    return load(cfg, name)


def check_attachments(paths: list[Path], cfg: Config | None = None) -> list[CheckedFile]:
    """Validate attachments against the configured limits before anything is written."""
    from tokohelp.tickets.attachments import check_files, limits_from_config

    return check_files(paths, limits_from_config(cfg or load_config()))


def save_draft(new: NewTicket, files: list[CheckedFile], store: Store | None = None) -> Created:
    """Keep what the user wrote so far without sending it."""
    store = store or open_store()
    return Created(store.create(new, files, "draft"), store.path)


def dry_run(new: NewTicket, files: list[CheckedFile], backend: Backend | None) -> DryRun:
    """Describe exactly what would be sent, secrets masked; store and send nothing."""
    ticket = Ticket(id=0, subject=new.subject, body=new.body, category=new.category,
                    backend=backend.name if backend else None, status="draft",
                    created=now_iso(), idempotency_key=str(uuid.uuid4()),
                    order_id=new.order_id, email=new.email,
                    attachments=[Attachment(f.name, f.mime, f.size, f.path) for f in files])
    if backend is None:
        return DryRun(None, ticket)
    return DryRun(backend.name, ticket, scrub(backend.describe(ticket), [_secret(backend)]))


def get_ticket(ticket_id: int, store: Store | None = None) -> Ticket:
    """One stored ticket (NotFoundError when there is none)."""
    return (store or open_store()).get(ticket_id)


def remote_status(ticket: Ticket, cfg: Config | None = None) -> RemoteView:
    """Ask the ticket's backend about it; failures become a note, not an error."""
    if ticket.status != "sent" or not ticket.remote_id:
        return RemoteView()
    try:
        backend = load_backend(cfg or load_config(), ticket.backend)
        if backend is None:
            return RemoteView(error="no backend configured")
        return RemoteView(status=backend.remote_status(ticket.remote_id))
    except TokohelpError as exc:
        return RemoteView(error=exc.message)


def send_targets(ids: list[int] | None, store: Store | None = None) -> list[int]:
    """The tickets ``send`` works on: the given ids (which must exist) or every queued one."""
    store = store or open_store()
    if ids is None:
        return store.ids_with_status("queued")
    for ticket_id in ids:
        store.get(ticket_id)  # an unknown id fails before anything is sent
    return list(dict.fromkeys(ids))


def send(ids: list[int], progress: Callable[[SendOutcome], None] | None = None, *,
         cfg: Config | None = None, store: Store | None = None,
         report: Callable[[Any], None] | None = None) -> list[SendOutcome]:
    """Send each ticket through its backend; one ticket's failure never stops the others.

    ``report`` hears each wait between attempts (``filing.Retrying``), for progress lines.
    """
    cfg = cfg or load_config()
    store = store or open_store()
    senders: dict[str | None, Any] = {}
    outcomes = []
    for ticket_id in ids:
        outcome = send_one(store, ticket_id,
                            lambda tid=ticket_id: _sender_for(store, store.get(tid), cfg,
                                                              senders, report, tid))
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


def send_one(store: Store, ticket_id: int, sender: Callable[[], Any]) -> SendOutcome:
    """Send one stored ticket; any expected failure becomes its outcome, with its state."""
    from tokohelp.tickets.sender import SendOutcome, UnrecordedDelivery, retry_advice

    try:
        return sender().send(ticket_id)
    except TokohelpError as exc:
        ticket = _reread(store, ticket_id)
        status = ticket.status if ticket else "queued"
        return SendOutcome(ticket_id, status, exc.message, ticket,
                           exc.hint or retry_advice(ticket_id, status),
                           delivered=isinstance(exc, UnrecordedDelivery))


def _reread(store: Store, ticket_id: int) -> Ticket | None:
    """The ticket as stored now; None when the store cannot even be read."""
    try:
        return store.get(ticket_id)
    except TokohelpError:
        return None


def _sender_for(store: Store, ticket: Ticket, cfg: Config, cache: dict[str | None, Any],
                report: Callable[[Any], None] | None = None, ticket_id: int = 0) -> Any:
    """One Sender per backend name, so each backend is loaded once per run."""
    if ticket.backend not in cache:
        backend = load_backend(cfg, ticket.backend)
        if backend is None:
            raise ConfigError(_("no backend configured"),
                              _("Add one to the config file (see: tokohelp docs backends), or "
                                "start from 'tokohelp config init'."))
        cache[ticket.backend] = _sender(store, backend, cfg, report)
    sender = cache[ticket.backend]
    sender.sleep.start(ticket_id)
    return sender


def _sender(store: Store, backend: Backend, cfg: Config,
            report: Callable[[Any], None] | None = None) -> Any:
    from tokohelp.tickets.filing import RetrySleep
    from tokohelp.tickets.sender import Sender, policy_from_config

    policy = policy_from_config(cfg)
    return Sender(store, backend, policy, RetrySleep(policy.attempts, report))


def check_settings(cfg: Config) -> None:
    """Validate every key outside ``[backends]``; a ConfigError names file, line and key."""
    from tokohelp.config import check_configured_lang
    from tokohelp.contacts import load_channels
    from tokohelp.tickets.attachments import limits_from_config
    from tokohelp.tickets.filing import profile_email
    from tokohelp.tickets.sender import policy_from_config

    check_top_level_keys(cfg)
    _check_default_backend(cfg)
    check_configured_lang(cfg)
    limits_from_config(cfg)
    policy_from_config(cfg)
    load_channels(cfg)
    profile_email(cfg)


TOP_LEVEL = ("lang", "article_lang", "default_backend", "backends", "send", "attachments",
             "channels", "profile", "sources", "library")


def check_top_level_keys(cfg: Config) -> None:
    """A misspelt top-level key (``defualt_backend``) is named, with the key it resembles.

    A key that resembles none is left alone: it is not a typo of ours, and the file may
    carry the user's own notes.
    """
    import difflib

    for key in cfg.data:
        if key not in TOP_LEVEL:
            close = difflib.get_close_matches(key, TOP_LEVEL, n=1, cutoff=0.75)
            if close:
                raise cfg.fail(key, _("unknown; did you mean '{key}'?").format(key=close[0]))


def _check_default_backend(cfg: Config) -> None:
    """``default_backend`` must name a ``[backends.NAME]`` table that exists."""
    default = cfg.get("default_backend", None, str)
    tables = cfg.get("backends", {}, kind=dict)
    if default and default not in tables:
        raise cfg.fail("default_backend", _(
            "names backend '{name}', but there is no [backends.{name}] table").format(
                name=default))


def check_backends(cfg: Config | None = None) -> list[BackendCheck]:
    """Load and check every configured backend; each result says ok or what failed."""
    from tokohelp.tickets.backends import backend_names

    cfg = cfg or load_config()
    default = cfg.get("default_backend", None, str)
    results = []
    for name in backend_names(cfg):
        results.append(_check_one(cfg, name, name == default))
    return results


def _check_one(cfg: Config, name: str, default: bool) -> BackendCheck:
    kind = str(cfg.get(f"backends.{name}.type", "?"))
    try:
        backend = load_backend(cfg, name)
        if backend is None:
            return BackendCheck(name, kind, False, "not loaded", default)
        return BackendCheck(name, kind, True, scrub(backend.check(), [_secret(backend)]), default)
    except TokohelpError as exc:
        return BackendCheck(name, kind, False, exc.message, default, exc)


def _secret(backend: Backend) -> str | None:
    """The backend's own secret, masked as a last line of defence wherever it appears."""
    return getattr(backend, "_secret", None)
