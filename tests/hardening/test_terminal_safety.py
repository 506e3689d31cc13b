"""Hostile text in ticket fields, server answers and config values prints inert.

Escape sequences (CSI, OSC titles and hyperlinks, their 8-bit C1 forms), control
characters and Rich markup reach the terminal as harmless text: no raw control
byte in any output, markup shown literally (so ``[/]`` cannot crash Rich), and
``--json`` keeps the exact stored value, only escaped.  Articles, contact channels
and server replies in ``ticket show`` are covered in tests/cli, tests/contact and
tests/tickets/test_ticket_cli.py; this file covers the rest of the ticket and
config output.
"""

from __future__ import annotations

import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.backends.builders import png_bytes
from tests.backends.servers import json_reply
from tests.hardening.tools import run
from tokohelp.tickets.store import CheckedFile, NewTicket, Store, new_owner

MARKUP = "[bold red]FAKE[/] [/bold]"
HOSTILE = ("\x1b]0;pwned\x07\x1b[2J\x1b[31m" + MARKUP + "\x1b]8;;http://evil.example\x1b\\"
           "link\x1b]8;;\x1b\\ \x9b31m\x9d0;title8\x9c \r\b\x00\x7f end\\")
FILE_NAME = "[bold red]FAKE [red]x"  # markup that fits in a file name (no "/")
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # every control byte but \t and \n
NEW = ["ticket", "new", "-c", "refund"]


def assert_inert(text: str) -> None:
    """No control byte at all; the payload of an OSC title never shows."""
    found = RAW.findall(text)
    assert not found, f"raw control characters {found!r} in:\n{text!r}"


def assert_shown_literally(text: str) -> None:
    """Rich printed the markup as text instead of obeying it."""
    assert_inert(text)
    assert MARKUP in text and "pwned" not in text, text


@pytest.fixture
def hostile_ticket(tmp_path) -> int:
    """A stored ticket whose every text field is hostile, as an old version or a
    hand-edited database could leave it: the views must not rely on input checks."""
    shot = tmp_path / "shot.png"
    shot.write_bytes(png_bytes())
    store = Store()
    ticket = store.create(NewTicket(subject=HOSTILE, body=f"Body {HOSTILE}", category=HOSTILE,
                                    order_id=HOSTILE, email=HOSTILE, backend=HOSTILE),
                          [CheckedFile(shot, f"shot \x1b]0;pwned\x07{FILE_NAME}\x9b2J.png",
                                       "image/png", shot.stat().st_size)], "queued")
    owner = new_owner()
    assert store.claim(ticket.id, owner) is not None
    store.attempt_failed(ticket.id, owner, f"server said {HOSTILE}", False)
    store.release(ticket.id, owner)
    store.close()
    return ticket.id


def test_ticket_list_table_is_inert(hostile_ticket):
    out = run("ticket", "list")
    assert out.code == 0, out.output
    assert_inert(out.output)
    assert "[bold red]FAKE" in out.stdout


def test_ticket_show_is_inert_in_every_field(hostile_ticket):
    out = run("ticket", "show", str(hostile_ticket))
    assert out.code == 0, out.output
    assert_shown_literally(out.output)
    for label in ("category", "backend", "order", "email", "last error"):
        line = next(x for x in out.stdout.splitlines() if x.strip().startswith(label))
        assert MARKUP in line, line
    assert f"attached: shot {FILE_NAME}2J.png" in out.stdout
    assert f"Body {MARKUP}" in out.stdout


@pytest.mark.parametrize("args", [["ticket", "list", "--json"], ["ticket", "show", "1", "--json"]],
                         ids=["list", "show"])
def test_ticket_json_is_escaped_but_exact(hostile_ticket, args):
    out = run(*args)
    assert out.code == 0, out.output
    assert_inert(out.output)
    data = json.loads(out.stdout)
    ticket = data[0] if isinstance(data, list) else data
    assert ticket["subject"] == HOSTILE and ticket["email"] == HOSTILE
    assert ticket["attachments"][0]["name"] == f"shot \x1b]0;pwned\x07{FILE_NAME}\x9b2J.png"


def test_ticket_new_output_and_stored_fields_are_clean(tmp_path):
    shot = tmp_path / f"shot \x1b[31m{FILE_NAME}\x07\x9b2J.png"
    shot.write_bytes(png_bytes())
    out = run(*NEW, "-s", HOSTILE, "-m", f"Body {HOSTILE}", "--order-id", HOSTILE,
              "-a", str(shot))
    assert out.code == 0, out.output
    assert_inert(out.output)
    assert f"queued: {MARKUP}" in out.stdout
    stored = json.loads(run("ticket", "show", "1", "--json").stdout)
    for name in ("subject", "body", "order_id"):
        assert not RAW.search(stored[name]) and MARKUP in stored[name], stored[name]
    assert stored["attachments"][0]["name"] == f"shot {FILE_NAME}2J.png"
    assert_shown_literally(run("ticket", "show", "1").output)


def test_ticket_new_json_output_is_inert():
    out = run(*NEW, "-s", HOSTILE, "-m", HOSTILE, "--json")
    assert out.code == 0, out.output
    assert_inert(out.output)
    assert MARKUP in json.loads(out.stdout)["subject"]


def test_hostile_email_is_refused_and_echoed_inert():
    out = run(*NEW, "-s", "Refund", "-m", "body", "--email", f"a{HOSTILE}@b.co")
    assert out.code == 2 and "cannot be used as an email address" in out.stderr
    assert_inert(out.output)


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["plain", "json"])
def test_dry_run_without_backend_is_inert(json_flag):
    out = run(*NEW, "-s", HOSTILE, "-m", HOSTILE, "--order-id", HOSTILE, "--dry-run", *json_flag)
    assert out.code == 0, out.output
    assert_inert(out.output)
    assert MARKUP in out.stdout and not Path(os.environ["TOKOHELP_DATA_DIR"]).exists()


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["plain", "json"])
def test_dry_run_request_for_a_backend_is_inert(isolated_home, json_flag):
    write_config(isolated_home, f'[backends.hook]\ntype = "http"\n'
                                f'url = "http://127.0.0.1:1/t"\npublic_headers = ["X-Note"]\n'
                                f'{escaped_toml("X-Note", MARKUP)}')
    out = run(*NEW, "-s", HOSTILE, "-m", HOSTILE, "--dry-run", *json_flag)
    assert out.code == 0, out.output
    assert_inert(out.output)
    assert MARKUP in out.stdout


def test_a_header_value_with_control_characters_is_refused_inert(isolated_home):
    """HTTP cannot carry it (issue 13, item 6): a config error now, not exit 70 later."""
    write_config(isolated_home, f'[backends.hook]\ntype = "http"\n'
                                f'url = "http://127.0.0.1:1/t"\n{escaped_toml("X-Note", HOSTILE)}')
    out = run(*NEW, "-s", "Refund", "-m", "body", "--dry-run")
    assert out.code == 4 and "printable ASCII" in out.stderr, out.output
    assert_inert(out.output)


# -- server answers a create with hostile ids and refuses with hostile messages -------------


class HostileDesk(BaseHTTPRequestHandler):
    """Creates tickets with a hostile id and URL, then refuses every further POST."""

    created = 0

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def _answer(self, code: int, data: dict) -> None:
        json_reply(self, code, data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).created:
            return self._answer(400, {"message": f"rejected {HOSTILE}"})
        type(self).created += 1
        return self._answer(201, {"id": f"T1 {HOSTILE}", "url": f"http://x/{HOSTILE}"})

    def do_GET(self) -> None:
        self._answer(200, {"id": "T1", "status": HOSTILE, "replies": []})


@pytest.fixture
def hostile_desk(isolated_home):
    HostileDesk.created = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileDesk)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    write_config(isolated_home, f'[backends.hook]\ntype = "http"\n'
                                f'url = "http://127.0.0.1:{server.server_address[1]}/t"\n'
                                "timeout = 5\n[send]\nattempts = 1\n")
    yield server
    server.shutdown()
    server.server_close()


def test_remote_id_url_and_refusals_from_a_server_are_inert(hostile_desk):
    sent = run(*NEW, "-s", "Refund", "-m", "body")
    assert sent.code == 0, sent.output
    refused = run(*NEW, "-s", "Refund", "-m", "body")
    assert refused.code == 6, refused.output
    for out in (sent, refused, run("ticket", "list"), run("ticket", "show", "1"),
                run("ticket", "show", "1", "--json"), run("ticket", "send", "2"),
                run("ticket", "send", "2", "--json")):
        assert_inert(out.output)
        assert "pwned" not in out.output.replace("\\u001b]0;pwned", "")
    assert MARKUP in run("ticket", "show", "1").stdout


# -- config values ------------------------------------------------------------------------


def escaped_toml(key: str, value: str) -> str:
    """A headers table whose key and value hold the hostile text as TOML escapes."""
    return f"[backends.hook.headers]\n{json.dumps(key)} = {toml_string(value)}\n"


def toml_string(value: str) -> str:
    return '"' + "".join(ch if ch.isalnum() or ch in " []/.:;=" else f"\\u{ord(ch):04x}"
                         for ch in value) + '"'


def write_config(isolated_home: Path, text: str) -> Path:
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def hostile_config(isolated_home) -> Path:
    return write_config(isolated_home, f"motd = {toml_string(HOSTILE)}\n"
                                       f"{toml_string(HOSTILE)} = 1\n"
                                       f"[backends.{toml_string(HOSTILE)}]\ntype = \"http\"\n"
                                       f'url = "http://127.0.0.1:1/t"\ntimeout = 1\n')


def test_config_show_prints_hostile_values_inert_and_exact(hostile_config):
    out = run("config", "show")
    assert out.code == 0, out.output
    assert_inert(out.output)
    from tokohelp.config import _load_toml_text

    assert _load_toml_text(out.stdout, hostile_config)["motd"] == HOSTILE  # round-trips


def test_config_show_json_is_inert_and_exact(hostile_config):
    out = run("config", "show", "--json")
    assert out.code == 0, out.output
    assert_inert(out.output)
    assert json.loads(out.stdout)["config"]["motd"] == HOSTILE


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["plain", "json"])
def test_config_check_names_a_hostile_backend_inert(hostile_config, json_flag):
    out = run("config", "check", *json_flag)
    assert out.code == 6, out.output
    assert_inert(out.output)
    if not json_flag:
        assert MARKUP in out.stdout


@pytest.mark.parametrize("text", ["C:\\Users\\", "end\\\\", "a\\", "\\", "x [b]\\"])
@pytest.mark.parametrize("template", ["{}", "[dim]{}[/dim]", "{} tail", "[bold]{}[/bold] x"])
def test_trailing_backslashes_print_once_with_or_without_markup_after(text, template):
    """Issue 13: ``C:\\Users\\`` printed as ``C:\\Users\\\\`` when nothing followed it."""
    from rich.text import Text

    from tokohelp.safe import inert

    expected = template.replace("[dim]", "").replace("[/dim]", "").replace(
        "[bold]", "").replace("[/bold]", "").format(text)
    assert Text.from_markup(template.format(inert(text))).plain == expected
