"""The terminal's side of ticket intake: prompts on stderr, answers from stdin, the editor.

Prompts read a line from stdin themselves (not through Click) so end of input
(EOFError) and Ctrl-C (KeyboardInterrupt) stay distinct: the core keeps the
user's text either way but reports them differently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokohelp.cli.output import Env, safe
from tokohelp.i18n import _

if TYPE_CHECKING:
    from tokohelp.ranking import Hit
    from tokohelp.tickets.editor import Edited
    from tokohelp.tickets.intake import CategoryChoice

YES = ("y", "yes", "ya")
NO = ("n", "no", "t", "tidak")


class TerminalAsker:
    """An :class:`tokohelp.tickets.intake.Asker` over the run's streams."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.interactive = env.stdin_isatty

    def text(self, prompt: str, default: str = "") -> str:
        """One line; EOFError at end of input; a line that is not UTF-8 is asked again."""
        shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
        while True:
            self.env.stderr.write(shown)
            self.env.stderr.flush()
            try:
                line = self.env.stdin.readline()
            except UnicodeDecodeError:
                self.env.warn(_("that was not valid UTF-8 text; type it again"))
                continue
            if not line:
                self.env.stderr.write("\n")  # the prompt line has no newline yet
                raise EOFError
            return line.rstrip("\r\n").strip() or default

    def choose(self, prompt: str, choices: list[CategoryChoice]) -> str:
        """Numbered choices on stderr, then the raw answer."""
        for number, choice in enumerate(choices, start=1):
            self.env.err.print(f"  {number:>2}. [cyan]{safe(choice.id)}[/cyan]  "
                               f"{safe(choice.label)}", soft_wrap=True)
        return self.text(prompt)

    def confirm(self, prompt: str, default: bool) -> bool:
        """Yes or no (ya/tidak too); an empty answer is ``default``."""
        hint = "Y/n" if default else "y/N"
        while True:
            answer = self.text(f"{prompt} [{hint}]").casefold()
            if not answer:
                return default
            if answer in YES or answer in NO:
                return answer in YES
            self.env.warn(_("answer y or n"))

    def offer(self, hits: list[Hit]) -> bool:
        """The matching articles, then whether to go on with the ticket."""
        from tokohelp.cli import ticket_views as views

        views.show_suggestions(self.env, hits)
        return self.confirm(_("File a ticket anyway?"), default=True)

    def edit(self, template: str) -> Edited:
        """The user's editor on a private temp file."""
        from tokohelp.tickets.editor import edit

        return edit(template)

    def warn(self, message: str) -> None:
        """A warning line; the intake goes on."""
        self.env.warn(message)
