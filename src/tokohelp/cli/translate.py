"""Show the Click command tree and Click's usage errors in the run's language.

Help texts are English msgids (marked with ``N_``) when Typer builds the tree; once the
run's language is active, :func:`translate_tree` replaces them in place with their
translation (keeping the msgid, so a tree can be shown again in another language) and
gives every command a context whose formatter translates Click's own headings.  Typer's
few gettext messages ("Options", "No such command ...") are routed to our catalogue;
vendored Click's hard-coded ones are matched and translated by :func:`usage_message`.
"""

from __future__ import annotations

from typing import Any

from typer._click.core import Context
from typer._click.formatting import HelpFormatter

from tokohelp.i18n import N_, _

# Strings Click and Typer show that are not in our sources; listed for the catalogue.
CLICK_MESSAGES = (
    N_("Usage: "), N_("Options"), N_("Arguments"), N_("Commands"),
    N_("Show this message and exit."), N_("required"), N_("default: {default}"),
    N_("No such command {name!r}."), N_("Missing command."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)
_SAVED = "_tokohelp_msgids"


class TranslatedFormatter(HelpFormatter):
    """Click's help formatter with its usage prefix, headings and option notes translated."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """``Usage: ...`` in the active language."""
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        """Section headings ("Options", "Commands") in the active language."""
        super().write_heading(_(heading))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """Option rows, with Click's built-in help text and ``[default: x]`` translated."""
        super().write_dl([(term, _note(text)) for term, text in rows], col_max, col_spacing)


def _note(text: str) -> str:
    text = _(text)  # the help option's "Show this message and exit."
    default, required = _("default: {default}").partition("{")[0], _("required")
    return text.replace("[default: ", f"[{default}").replace("[required]", f"[{required}]")


class TranslatedContext(Context):
    """A context whose help formatter speaks the active language."""

    formatter_class = TranslatedFormatter


def translate_tree(command: Any) -> None:
    """Translate the help texts of ``command`` and its loaded sub-commands, in place."""
    _translate(command, ("help", "short_help", "epilog"))
    command.context_class = TranslatedContext
    for param in getattr(command, "params", []):
        _translate(param, ("help",))
    for sub in getattr(command, "commands", {}).values():
        translate_tree(sub)


def _translate(obj: Any, attrs: tuple[str, ...]) -> None:
    saved = obj.__dict__.setdefault(_SAVED, {})
    for attr in attrs:
        original = saved.setdefault(attr, getattr(obj, attr, None))
        if isinstance(original, str) and original:
            setattr(obj, attr, _(original))


def route_typer_messages() -> None:
    """Let Typer's gettext messages ("Options", "No such command ...") use our catalogue."""
    import typer.core

    typer.core._ = _  # Typer calls gettext.gettext through this module name


# --- usage errors ---------------------------------------------------------------

def usage_message(exc: Any) -> tuple[str, str]:
    """The translated message and hint of a Click usage error."""
    message = _exception_message(exc)
    ctx = getattr(exc, "ctx", None)
    hint = ""
    if ctx is not None:
        hint = _("Try '{command} --help' for help.").format(command=ctx.command_path)
    return message, hint


def _exception_message(exc: Any) -> str:
    from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption

    if isinstance(exc, NoSuchOption):
        text = _("No such option: {option}").format(option=exc.option_name)
        if exc.possibilities:
            text += " " + _("Did you mean {options}?").format(
                options=", ".join(sorted(exc.possibilities)))
        return text
    if isinstance(exc, MissingParameter):
        return _missing(exc)
    if isinstance(exc, BadParameter):
        return _invalid(exc)
    return _known(exc.format_message())


def _hint_of(exc: Any) -> str:
    from typer._click.exceptions import _join_param_hints

    if exc.param_hint is not None:
        return _join_param_hints(exc.param_hint)
    if exc.param is not None:
        return _join_param_hints(exc.param.get_error_hint(exc.ctx))
    return ""


def _missing(exc: Any) -> str:
    kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "")
    name = _hint_of(exc)
    if kind == "argument":
        return _("Missing argument {name}.").format(name=name)
    if kind == "option":
        return _("Missing option {name}.").format(name=name)
    return _("Missing parameter {name}.").format(name=name)


def _invalid(exc: Any) -> str:
    name = _hint_of(exc)
    detail = _known(exc.message)
    if not name:
        return _("Invalid value: {detail}").format(detail=detail)
    return _("Invalid value for {name}: {detail}").format(name=name, detail=detail)


def _known(text: str) -> str:
    """Translate the English messages of Click's types and parser by their shape."""
    import re

    for pattern, msgid in _SHAPES:
        match = re.fullmatch(pattern, text, re.DOTALL)
        if match:
            return _(msgid).format(**match.groupdict())
    return text


_SHAPES = (
    (r"(?P<value>'.*') is not a valid (?:integer|int range)\.",
     N_("{value} is not a valid integer.")),
    (r"(?P<value>'.*') is not a valid (?:float|float range)\.",
     N_("{value} is not a valid number.")),
    (r"(?P<value>.*) is not in the range (?P<range>.*)\.",
     N_("{value} is not in the range {range}.")),
    (r"(?P<value>'.*') is not one of (?P<choices>.*)\.", N_("{value} is not one of {choices}.")),
    (r"Option (?P<option>'.*') requires an argument\.", N_("Option {option} requires a value.")),
    (r"Option (?P<option>'.*') does not take a value\.",
     N_("Option {option} does not take a value.")),
    (r"Got unexpected extra argument\(s\) \((?P<args>.*)\)",
     N_("Got unexpected extra argument: {args}")),
)
