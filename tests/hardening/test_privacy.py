"""Personal data stays private and secrets never show.

File modes: the ticket store, its database files and the private attachment
copies are owner-only even under ``umask 0``, checked by stat-ing the real files
a real ``tokohelp ticket new --attach`` process leaves.

Secrets: known secrets sit in environment variables whose *names* do not look
secret (so only the backends' own ``register_secret`` calls can mask them), in
a secret-looking header of the config file, and an echoing server sends the
credentials back in its error message.  Every ``--debug`` run of ``ticket new
--dry-run``, ``ticket new``, ``ticket send``, ``ticket list/show``, ``config
show`` and ``config check`` against dead ports, a webhook and an SMTP server
that refuse the credentials is grepped for the secrets (plain and base64) in
stdout and stderr; so is every file in the ticket store afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.backends.builders import png_bytes
from tests.backends.servers import free_port
from tests.hardening.tools import Outcome, run_process
from tokohelp.config import load_config
from tokohelp.redact import MASK, redact

SECRETS = {"TKH_RT_CRED": "rt-pw-Zq8x7-7f3a91", "TKH_HOOK_CRED": "hook-tk-M3p9-2b8c44",
           "TKH_MAIL_CRED": "mail-pw-W4r2-9d1e07"}
HEADER_SECRET = "hdr-key-L1n5-5c6d2e"
ARGS = ["ticket", "new", "-s", "Refund not received", "-c", "refund",
        "-m", "Order INV/123: refund missing.", "--email", "buyer@example.com"]


def forms(secret: str, user: str = "agent") -> list[str]:
    """The secret as text and in the encodings that carry it on the wire."""
    encoded = [f"{user}:{secret}".encode(), f"\0{user}\0{secret}".encode(), secret.encode()]
    return [secret, *(base64.b64encode(raw).decode() for raw in encoded)]


ALL_FORMS = [form for secret in [*SECRETS.values(), HEADER_SECRET] for form in forms(secret)]


def assert_no_secret(text: str, where: str) -> None:
    for form in ALL_FORMS:
        assert form not in text, f"secret {form!r} in {where}:\n{text}"


# -- file modes --------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_store_and_attachment_copies_are_owner_only_even_with_umask_0(tmp_path, isolated_home):
    shot, notes = tmp_path / "shot.png", tmp_path / "notes.txt"
    shot.write_bytes(png_bytes())
    notes.write_text("Transfer receipt 123\n")
    for _ in range(2):  # the second run opens an existing store
        out = run_process(*ARGS, "--attach", str(shot), "--attach", str(notes),
                          preexec_fn=lambda: os.umask(0))
        assert out.code == 0, out.output
    data = isolated_home / "data"
    copies = sorted((data / "attachments").rglob("*.*"))
    assert [p.name for p in copies] == ["1-shot.png", "2-notes.txt"] * 2
    checked = [data, *data.rglob("*")]
    assert data / "tickets.db" in checked and len(checked) >= 8
    for path in checked:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_the_editor_gets_a_private_file_that_is_removed_after(tmp_path, monkeypatch):
    from tests.hardening.tools import run
    from tokohelp.cli.output import Env

    seen = tmp_path / "seen.json"
    script = tmp_path / "editor.py"
    script.write_text("import json, os, sys\n"
                      "mode = os.stat(sys.argv[1]).st_mode\n"
                      f"json.dump([sys.argv[1], mode], open({str(seen)!r}, 'w'))\n"
                      "open(sys.argv[1], 'a').write('My refund is missing.')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.setattr(Env, "stdin_isatty", property(lambda self: True))
    old = os.umask(0)
    try:
        out = run("ticket", "new", "-s", "Refund", "-c", "refund", "--yes")
    finally:
        os.umask(old)
    assert out.code == 0, out.output
    path, mode = json.loads(seen.read_text())
    assert stat.S_IMODE(mode) == 0o600 and not Path(path).exists()


# -- secrets -------------------------------------------------------------------------------


class EchoingDesk(BaseHTTPRequestHandler):
    """A careless help desk: it refuses every request and quotes the credentials it got."""

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def _refuse(self) -> None:
        said = f"{self.headers.get('Authorization')} / {self.headers.get('X-Api-Key')}"
        raw = json.dumps({"error": f"bad credentials: {said}"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._refuse()

    def do_GET(self) -> None:
        self._refuse()


@pytest.fixture
def echoing_desk():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingDesk)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tickets"
    server.shutdown()
    server.server_close()


def refuse_everyone(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=False, handled=False)


@pytest.fixture
def secret_setup(isolated_home, monkeypatch, echoing_desk, desk_factory, smtp_server):
    """Four backends, each with a planted secret and a way to fail."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    desk = desk_factory(token="the-right-token")
    controller, _ = smtp_server(authenticator=refuse_everyone, auth_require_tls=False)
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'default_backend = "echo"\n[send]\nattempts = 1\n'
        f'[backends.rt]\ntype = "rt"\nurl = "http://127.0.0.1:{free_port()}"\n'
        f'username = "agent"\npassword_env = "TKH_RT_CRED"\ntimeout = 2\n'
        f'[backends.echo]\ntype = "http"\nurl = "{echoing_desk}"\ntoken_env = "TKH_HOOK_CRED"\n'
        f'timeout = 5\nheaders = {{ X-Api-Key = "{HEADER_SECRET}", X-Team = "cs" }}\n'
        f'[backends.desk]\ntype = "http"\nurl = "{desk.url}"\ntoken_env = "TKH_HOOK_CRED"\n'
        f'timeout = 5\n'
        f'[backends.mail]\ntype = "email"\nhost = "127.0.0.1"\nport = {controller.port}\n'
        f'security = "none"\nfrom = "me@example.com"\nto = "cs@example.com"\n'
        f'username = "agent"\npassword_env = "TKH_MAIL_CRED"\ntimeout = 5\n')
    return isolated_home


# (arguments, exit status, text that must show: the mask or the variable's name)
DEBUG_RUNS = [
    (["ticket", "new", "--dry-run", "-b", "rt"], 0, '"Authorization": "****"'),
    (["ticket", "new", "--dry-run", "-b", "echo"], 0, '"X-Api-Key": "****"'),
    (["ticket", "new", "--dry-run", "-b", "mail", "--json"], 0, '"password": "****"'),
    (["ticket", "new", "-b", "rt"], 6, "cannot connect"),
    (["ticket", "new", "-b", "echo"], 6, "bad credentials: Bearer ****"),
    (["ticket", "new", "-b", "desk"], 6, "access denied (HTTP 401)"),
    (["ticket", "new", "-b", "mail"], 6, "login refused"),
    (["ticket", "send", "1", "2", "3", "4"], 6, "4 of 4 tickets not sent"),
    (["ticket", "send", "--all", "--json"], 6, "cannot connect"),
    (["ticket", "list", "--json"], 0, "Bearer ****"),
    (["ticket", "show", "2"], 0, "Bearer ****"),
    (["config", "show"], 0, 'password_env = "TKH_RT_CRED"'),
    (["config", "show", "--json"], 0, '"X-Api-Key": "****"'),
    (["config", "check"], 6, "4 backends failed the check"),
    (["config", "check", "--json"], 6, "Bearer ****"),
]


def _debug_run(args: list[str], env: dict[str, str] | None = None) -> Outcome:
    extra = ARGS[2:] if args[:2] == ["ticket", "new"] else []
    return run_process("--debug", *args, *extra, env=env)


def test_debug_output_errors_and_store_never_show_a_secret(secret_setup):
    for args, code, shows in DEBUG_RUNS:
        out = _debug_run(args)
        where = " ".join(args)
        assert out.code == code, f"{where}: exit {out.code}\n{out.output}"
        assert "tokohelp: debug: config file:" in out.stderr, where
        assert "Traceback" not in out.output, out.output
        assert shows in out.output, f"{where}: {shows!r} not in\n{out.output}"
        assert_no_secret(out.output, where)
    for path in (secret_setup / "data").rglob("*"):
        if path.is_file():
            assert_no_secret(path.read_bytes().decode("latin-1"), str(path))


def test_tokohelp_debug_variable_masks_the_same_way(secret_setup):
    out = _debug_run(["ticket", "new", "-b", "echo"], env={"TOKOHELP_DEBUG": "1"})
    assert out.code == 6 and "tokohelp: debug:" in out.stderr
    assert "Bearer ****" in out.output and "Traceback" not in out.output
    assert_no_secret(out.output, "TOKOHELP_DEBUG=1 ticket new")


def test_a_missing_secret_is_named_by_its_variable_never_guessed(secret_setup, monkeypatch):
    monkeypatch.delenv("TKH_RT_CRED")
    out = run_process("--debug", "ticket", "new", "-b", "rt", *ARGS[2:])
    assert out.code == 4 and "environment variable TKH_RT_CRED is not set" in out.stderr
    assert_no_secret(out.output, "missing secret")


def test_a_secret_pasted_into_the_config_is_masked_and_never_quoted(isolated_home):
    pasted = f"pasted-{uuid.uuid4().hex[:10]}"
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[backends.rt]\ntype = "rt"\nurl = "https://rt.example.com"\n'
                      f'password = "{pasted}"\n[backends.rt.headers]\nCookie = "{pasted}"\n')
    for args in (["config", "show"], ["config", "show", "--json"], ["config", "check"],
                 ["ticket", "new", "--dry-run", *ARGS[2:]]):
        out = run_process("--debug", *args)
        assert "Traceback" not in out.output and pasted not in out.output, out.output
        assert MASK in out.output or "key 'backends.rt.password'" in out.output, out.output


def test_every_backend_registers_the_secret_it_resolves(isolated_home, monkeypatch):
    from tokohelp.tickets.backends import load_backend

    fresh = {name: f"{name.lower()}-{uuid.uuid4().hex}" for name in ("TKH_A", "TKH_B", "TKH_C")}
    header = f"hdr-{uuid.uuid4().hex}"
    for name, value in fresh.items():
        monkeypatch.setenv(name, value)
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[backends.rt]\ntype = "rt"\nurl = "http://127.0.0.1:1"\ntoken_env = "TKH_A"\n'
        f'[backends.hook]\ntype = "http"\nurl = "http://127.0.0.1:1/t"\ntoken_env = "TKH_B"\n'
        f'headers = {{ X-Api-Key = "{header}" }}\n'
        f'[backends.mail]\ntype = "email"\nhost = "127.0.0.1"\nsecurity = "none"\n'
        f'from = "a@b.co"\nto = "c@d.co"\nusername = "me"\npassword_env = "TKH_C"\n')
    cfg = load_config()
    for name in ("rt", "hook", "mail"):
        load_backend(cfg, name)
    for value in [*fresh.values(), header]:
        assert redact(f"x {value} y") == f"x {MASK} y"


# -- issue 13: every header value is secret unless public; URL query secrets ----------------

LOOSE_HEADERS = {"X-Auth-Token": "auth-tok-Q7w1-88", "Private-Token": "priv-tok-R2d2-99",
                 "Api-Key": "api-key-C3po-77", "X-Secret": "x-sec-B8b8-66"}


def _headers_config(isolated_home, url: str, extra: str = "") -> None:
    table = ", ".join(f'"{k}" = "{v}"' for k, v in LOOSE_HEADERS.items())
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[backends.hook]\ntype = "http"\nurl = "{url}"\ntimeout = 5\n'
                      f'public_headers = ["X-Team"]\n'
                      f'headers = {{ {table}, "X-Team" = "support-cs" }}\n'
                      f'[send]\nattempts = 1\n{extra}')


def test_every_header_value_is_secret_unless_marked_public(isolated_home):
    _headers_config(isolated_home, f"http://127.0.0.1:{free_port()}/t")
    for args in (["ticket", "new", "--dry-run", *ARGS[2:]],
                 ["ticket", "new", "--dry-run", "--json", *ARGS[2:]],
                 ["config", "show"], ["config", "show", "--json"]):
        out = run_process("--debug", *args)
        assert out.code == 0, out.output
        for value in LOOSE_HEADERS.values():
            assert value not in out.output, f"{args}: {value} shown\n{out.output}"
        assert "support-cs" in out.output  # the public one is shown as it is


class EchoAllHeaders(EchoingDesk):
    """Refuses and quotes every header it got, whatever its name."""

    def _refuse(self) -> None:
        said = "; ".join(f"{k}={v}" for k, v in self.headers.items())
        raw = json.dumps({"error": f"bad request: {said}"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def test_header_values_echoed_by_the_server_never_reach_output_or_store(isolated_home):
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoAllHeaders)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        _headers_config(isolated_home, f"http://127.0.0.1:{server.server_address[1]}/t")
        out = run_process("ticket", "new", *ARGS[2:])
    finally:
        server.shutdown()
        server.server_close()
    assert out.code == 6 and "bad request" in out.stderr, out.output
    stored = "".join(p.read_bytes().decode("latin-1")
                     for p in (isolated_home / "data").rglob("*") if p.is_file())
    for value in LOOSE_HEADERS.values():
        assert value not in out.output and value not in stored


def test_a_secret_in_the_url_query_is_masked_in_every_label(isolated_home):
    secret = "qs-pw-Zz91-4411"
    port = free_port()
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[backends.hook]\ntype = "http"\ntimeout = 2\n'
                      f'url = "http://127.0.0.1:{port}/t?team=cs&password={secret}"\n'
                      f'[send]\nattempts = 1\n')
    for args in (["ticket", "new", *ARGS[2:]], ["ticket", "new", "--dry-run", *ARGS[2:]],
                 ["ticket", "send", "1"], ["ticket", "show", "1"], ["config", "check"],
                 ["config", "show"]):
        out = run_process("--debug", *args)
        assert "Traceback" not in out.output and secret not in out.output, out.output
    assert "password=****" in run_process("ticket", "send", "1").output
    stored = "".join(p.read_bytes().decode("latin-1")
                     for p in (isolated_home / "data").rglob("*") if p.is_file())
    assert secret not in stored


@pytest.mark.parametrize(("text", "shown"), [
    ("https://h/x?password=abc&team=cs", "https://h/x?password=****&team=cs"),
    ("see http://h/?api_key=k1&token=t2#frag", "see http://h/?api_key=****&token=****#frag"),
    ("https://u:pw@h/", "https://u:****@h/"),
    ("https://h/x?idempotency_key=K", "https://h/x?idempotency_key=K"),
    ("not a url ?password=x", "not a url ?password=x"),
])
def test_url_secrets_are_masked_by_position(text, shown):
    from tokohelp.redact import mask_url_secrets

    assert mask_url_secrets(text) == shown
