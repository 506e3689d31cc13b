"""``tokohelp ticket edit``: options to a draft change, or the editor when none is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokohelp.errors import UsageError
from tokohelp.i18n import _

if TYPE_CHECKING:
    from tokohelp.session import Session
    from tokohelp.tickets.drafts import DraftChange
    from tokohelp.tickets.results import DraftSaved


@dataclass
class EditOptions:
    """What ``ticket edit`` was given; None and empty lists mean unchanged."""

    subject: str | None = None
    category: str | None = None
    message: str | None = None
    body_file: Path | None = None
    attach: list[Path] = field(default_factory=list)
    detach: list[str] = field(default_factory=list)
    order_id: str | None = None
    email: str | None = None

    @property
    def empty(self) -> bool:
        """No option given: the editor decides."""
        return not any([self.subject, self.category, self.message is not None, self.body_file,
                        self.attach, self.detach, self.order_id is not None,
                        self.email is not None])


def run(session: Session, usecases: Any, ticket_id: int, options: EditOptions,
        asker: object) -> DraftSaved:
    """Apply the options (or, with none, the editor's result) to draft ``ticket_id``."""
    from tokohelp.tickets import snapshot

    with snapshot.staging() as staging:
        change = None if options.empty else _change(session, options, staging)
        return usecases.edit_ticket(session, ticket_id, change, asker)


def _change(session: Session, options: EditOptions, staging: Path) -> DraftChange:
    """Checked values: the same rules as ``ticket new``."""
    from tokohelp.tickets import filing, intake, text
    from tokohelp.tickets.drafts import DraftChange

    cfg = session.config
    values: dict[str, str | None] = {"subject": options.subject,
                                     "order_id": _one_line(options.order_id, "--order-id"),
                                     "email": text.check_email(options.email)
                                     if options.email else None}
    if options.category:
        values["category"] = intake.resolve_category(
            options.category, filing.category_choices("en", cfg), "--category")
    values["body"] = _body(options)
    files = filing.checked_copies(cfg, options.attach, staging)
    return DraftChange(values, files, options.detach)


def _one_line(value: str | None, source: str) -> str | None:
    from tokohelp.tickets import text

    return text.one_line(value, source) if value is not None else None


def _body(options: EditOptions) -> str | None:
    from tokohelp.tickets import text

    if options.message is not None and options.body_file is not None:
        raise UsageError(_("give --message or --body-file, not both"))
    if options.message is not None:
        return options.message
    if options.body_file is not None:
        raw = text.read_file(options.body_file, "--body-file")
        return text.decode(raw, str(options.body_file))
    return None
