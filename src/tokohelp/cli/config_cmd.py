"""``tokohelp config path|show|init|check``: where the config is, what it says, does it work.

The config file only *names* the environment variables or keyring entries that hold
secrets, but ``show`` and ``check`` mask anything that looks like a secret anyway, in
case one was pasted into the file.  The jobs are in :mod:`tokohelp.configure`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tokohelp.cli.common import JsonOpt, session_of
from tokohelp.cli.output import Env, safe
from tokohelp.i18n import N_, _

if TYPE_CHECKING:
    from tokohelp.configure import ConfigChecked, ConfigPath, ConfigShown, ConfigWritten

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None)

EXAMPLE = """\
# tokohelp config file (TOML).  Every key: tokohelp docs config; backends: tokohelp docs backends.
# Secrets never go in this file: name the environment variable that holds them
# (password_env / token_env) or a keyring entry (password_keyring = "service:user").

# lang = "id"                    # article language: id | en

# Which backend 'tokohelp ticket new' uses; without any backend tickets stay queued.
# default_backend = "desk"

# Request Tracker 5 (REST2).
# [backends.desk]
# type = "rt"
# url = "https://rt.example.com"
# queue = "General"
# username = "me"
# password_env = "RT_PASSWORD"   # or token_env = "RT_TOKEN"
# timeout = 30                   # seconds per attempt

# A company's own help desk behind a JSON webhook (contract: tokohelp docs backends).
# [backends.webhook]
# type = "http"
# url = "https://desk.example.com/api/tickets"
# token_env = "DESK_TOKEN"       # sent as "Authorization: Bearer ..."
# attachments = "base64"         # base64 | multipart
# headers = { "X-Team" = "support" }   # every value is masked as a secret, except:
# public_headers = ["X-Team"]

# E-mail over SMTP.
# [backends.mail]
# type = "email"
# host = "smtp.example.com"
# port = 587
# security = "starttls"          # starttls | ssl | none (none: loopback only)
# from = "me@example.com"
# to = "helpdesk@example.invalid"
# username = "me@example.com"
# password_env = "SMTP_PASSWORD"

# [attachments]
# max_size_mb = 10
# max_count = 5
# max_video_mb = 25

# [send]
# attempts = 4
# backoff_seconds = 1
# max_backoff_seconds = 30
# retry_after_max_seconds = 60
"""


@app.command("path", help=N_("Print where the config file is (or would be); TOKOHELP_CONFIG "
                             "moves it.\n\nExample: tokohelp config path"))
def path_cmd(ctx: typer.Context) -> None:
    """``tokohelp config path``."""
    from tokohelp import configure
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, configure.path(session))


@app.command("show", help=N_("Print the config file's settings, with anything secret-looking "
                             "masked.\n\nExample: tokohelp config show"))
def show_cmd(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """``tokohelp config show``."""
    from tokohelp import configure
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, configure.show(session), json_out)


@app.command("init", help=N_("Write an example config file (mode 0600) with commented rt, "
                             "http and email backends.\n\nExample: tokohelp config init "
                             "&& $EDITOR \"$(tokohelp config path)\""))
def init_cmd(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help=N_("Replace an existing config file.")),
) -> None:
    """``tokohelp config init [--force]``."""
    from tokohelp import configure
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, configure.init(session, EXAMPLE, force))


@app.command("check", help=N_("Check every setting, load every configured backend and connect "
                              "to it; report what works.\n\nExits non-zero when a setting is "
                              "wrong or any backend fails.  Example: tokohelp config check"))
def check_cmd(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """``tokohelp config check``."""
    from tokohelp import configure
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, configure.check(session), json_out)


# --- views (registered in tokohelp.cli.render.VIEWS) ---------------------------

def show_path(env: Env, result: ConfigPath) -> None:
    """The path alone on stdout, for ``$EDITOR "$(tokohelp config path)"``."""
    env.stdout.write(f"{result.path}\n")


def show_config(env: Env, result: ConfigShown) -> None:
    """A comment naming the file on stderr, the masked TOML on stdout."""
    note = "" if result.exists else _(" (no file: built-in defaults)")
    env.err.print(f"[dim]# {safe(str(result.path))}{safe(note)}[/dim]", soft_wrap=True)
    env.stdout.write(result.toml())


def show_written(env: Env, result: ConfigWritten) -> None:
    """Say where the example went and what to do next."""
    env.err.print(safe(_("Wrote {path}. Uncomment a backend, then run: tokohelp config check")
                       .format(path=result.path)), soft_wrap=True)


def show_checks(env: Env, result: ConfigChecked) -> None:
    """One line per backend: ok or error, and what it said."""
    from tokohelp.redact import redact

    if not result.checks:
        env.out.print(safe(_("No backends configured in {path}.").format(path=result.path)),
                      soft_wrap=True)
        env.out.print(safe(_("Tickets stay queued until you add one: tokohelp config init "
                             "(see: tokohelp docs backends).")))
        return
    for r in result.checks:
        mark = "[green]ok[/green]" if r.ok else "[red]" + safe(_("error")) + "[/red]"
        default = " [dim]" + safe(_("(default)")) + "[/dim]" if r.default else ""
        env.out.print(f"{mark}  {safe(r.name)} [dim]{safe(r.kind)}[/dim]{default}: "
                      f"{safe(redact(r.detail))}", soft_wrap=True)
