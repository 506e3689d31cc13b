"""``tokohelp config path|show|init|check``: where the config is, what it says, does it work.

The config file only *names* the environment variables or keyring entries
that hold secrets, but ``show`` and ``check`` mask anything that looks like a
secret anyway, in case one was pasted into the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import typer

from tokohelp.cli.common import JsonOpt, env
from tokohelp.cli.output import Env, emit_json, safe
from tokohelp.errors import BackendError, ConfigError
from tokohelp.redact import mask_config, redact
from tokohelp.safe import escape_c1

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help="Show, create and check the config file.")

EXAMPLE = """\
# tokohelp config file (TOML).  Every key: docs/config.md; backends: docs/backends.md.
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

# A company's own help desk behind a JSON webhook (contract: docs/backends.md).
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
# to = "cs@tokopedia.com"
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


@app.command("path")
def path_cmd() -> None:
    """Print where the config file is (or would be); TOKOHELP_CONFIG moves it.

    Example: tokohelp config path
    """
    from tokohelp.config import config_path

    env().stdout.write(f"{config_path()}\n")


@app.command("show")
def show_cmd(json_out: JsonOpt = False) -> None:
    """Print the config file's settings, with anything secret-looking masked.

    Example: tokohelp config show
    """
    from tokohelp.config import load_config

    cfg = load_config()
    data = mask_config(cfg.data)
    if json_out:
        return emit_json(env(), {"path": str(cfg.path), "exists": cfg.exists, "config": data})
    env().err.print(f"[dim]# {safe(str(cfg.path))}"
                    + ("" if cfg.exists else " (no file: built-in defaults)") + "[/dim]",
                    soft_wrap=True)
    env().stdout.write(to_toml(data))
    return None


@app.command("init")
def init_cmd(
    force: bool = typer.Option(False, "--force", help="Replace an existing config file."),
) -> None:
    """Write an example config file (mode 0600) with commented rt, http and email backends.

    Example: tokohelp config init && $EDITOR "$(tokohelp config path)"
    """
    from tokohelp.config import config_path

    path = config_path()
    if path.exists() and not force:
        raise ConfigError(f"{path}: config file already exists",
                          "Use 'tokohelp config init --force' to replace it.")
    write_private(path, EXAMPLE)
    env().err.print(f"Wrote {safe(str(path))}. Uncomment a backend, then run: "
                    "tokohelp config check", soft_wrap=True)


@app.command("check")
def check_cmd(json_out: JsonOpt = False) -> None:
    """Check every setting, load every configured backend and connect to it; report what works.

    Exits non-zero when a setting is wrong or any backend fails.  Example: tokohelp config check
    """
    from tokohelp.config import load_config
    from tokohelp.tickets import service

    cfg = load_config()
    service.check_settings(cfg)
    results = service.check_backends(cfg)
    if json_out:
        emit_json(env(), {"path": str(cfg.path), "backends": [_check_json(r) for r in results]})
    else:
        show_checks(env(), cfg.path, results)
    failed = [r for r in results if not r.ok]
    if failed:
        kind = ConfigError if any(isinstance(r.error, ConfigError) for r in failed) \
            else BackendError
        raise kind(f"{len(failed)} of {len(results)} backends failed the check: "
                   + ", ".join(r.name for r in failed), "Fix them in " + str(cfg.path) + ".")


def _check_json(result: Any) -> dict[str, Any]:
    return {"name": result.name, "type": result.kind, "default": result.default,
            "ok": result.ok, "detail": redact(result.detail)}


def show_checks(env: Env, path: Path, results: list[Any]) -> None:
    """One line per backend: ok or error, and what it said."""
    if not results:
        env.out.print(f"No backends configured in {safe(str(path))}.", soft_wrap=True)
        env.out.print("Tickets stay queued until you add one: tokohelp config init "
                      "(see docs/backends.md).")
        return
    for r in results:
        mark = "[green]ok[/green]" if r.ok else "[red]error[/red]"
        default = " [dim](default)[/dim]" if r.default else ""
        env.out.print(f"{mark}  {safe(r.name)} [dim]{safe(r.kind)}[/dim]{default}: "
                      f"{safe(redact(r.detail))}", soft_wrap=True)


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """Render parsed config data back as TOML: scalars first, then sub-tables."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict)]
    text = "\n".join(lines) + ("\n" if lines else "")
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}.{_toml_key(k)}" if prefix else _toml_key(k)
            text += f"\n[{name}]\n" + to_toml(v, name)
    return text


def _toml_key(key: str) -> str:
    import json

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else escape_c1(json.dumps(key))


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return escape_c1(json.dumps(value, ensure_ascii=False))
    return json.dumps(str(value))


def write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600 in a 0700 directory (replacing any old file)."""
    from tokohelp.tickets.store import private_dir, storage_errors

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with storage_errors(path):
        private_dir(path.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
