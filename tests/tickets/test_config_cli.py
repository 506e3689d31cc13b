"""``tokohelp config path|show|init|check`` against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
import stat
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from tokohelp.cli import app
from tokohelp.config import load_config

SECRET = "pw-9f8e-very-secret"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def write_config(isolated_home, text: str):
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


class NotFound(BaseHTTPRequestHandler):
    """A webhook that knows no ticket: what ``check`` expects for its probe key."""

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def webhook_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tickets"
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def test_path_follows_tokohelp_config(isolated_home):
    result = run("config", "path")
    assert result.exit_code == 0
    assert result.stdout.strip() == str(isolated_home / "config" / "config.toml")


def test_init_writes_a_private_example_with_no_active_backend(isolated_home):
    result = run("config", "init")
    assert result.exit_code == 0, result.output
    path = isolated_home / "config" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    for needle in ('type = "rt"', 'type = "http"', 'type = "email"', "helpdesk@example.invalid"):
        assert needle in text
    from tokohelp.tickets.backends import load_backend

    assert load_backend(load_config(), None) is None


def test_init_refuses_to_overwrite_without_force(isolated_home):
    path = write_config(isolated_home, "lang = 'id'\n")
    result = run("config", "init")
    assert result.exit_code == 4 and "--force" in result.stderr
    assert path.read_text() == "lang = 'id'\n"
    assert run("config", "init", "--force").exit_code == 0
    assert "helpdesk@example.invalid" in path.read_text()


def test_every_example_backend_is_valid_once_uncommented(isolated_home, monkeypatch):
    from tokohelp.tickets.attachments import limits_from_config
    from tokohelp.tickets.backends import load_backend
    from tokohelp.tickets.sender import policy_from_config

    assert run("config", "init").exit_code == 0
    path = isolated_home / "config" / "config.toml"
    setting = re.compile(r'^# ((\[[\w.]+\])|([\w"-]+ = .*))$', re.MULTILINE)
    path.write_text(setting.sub(r"\1", path.read_text()))
    for variable in ("RT_PASSWORD", "DESK_TOKEN", "SMTP_PASSWORD"):
        monkeypatch.setenv(variable, SECRET)
    cfg = load_config()
    kinds = {name: load_backend(cfg, name).kind for name in ("desk", "webhook", "mail")}
    assert kinds == {"desk": "rt", "webhook": "http", "mail": "email"}
    assert load_backend(cfg, None).name == "desk"
    assert limits_from_config(cfg).max_count == 5 and policy_from_config(cfg).attempts == 4


def test_show_masks_anything_secret(isolated_home):
    write_config(isolated_home, f'default_backend = "x"\n[backends.x]\ntype = "http"\n'
                                f'url = "https://user:{SECRET}@desk.example.com/t"\n'
                                f'password = "{SECRET}"\ntoken = "{SECRET}"\n'
                                f'password_env = "RT_PASSWORD"\n'
                                f'headers = {{ Authorization = "Bearer {SECRET}", '
                                f'X-Team = "cs" }}\n')
    result = run("config", "show")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert 'password_env = "RT_PASSWORD"' in result.stdout and "****" in result.stdout
    assert 'X-Team = "cs"' in result.stdout and "[backends.x.headers]" in result.stdout
    as_json = run("config", "show", "--json")
    data = json.loads(as_json.stdout)
    assert SECRET not in as_json.output
    assert data["config"]["backends"]["x"]["password"] == "****"
    assert data["config"]["backends"]["x"]["url"] == "https://user:****@desk.example.com/t"


def test_show_without_a_file():
    result = run("config", "show")
    assert result.exit_code == 0 and "no file" in result.stderr


def test_check_without_backends():
    result = run("config", "check")
    assert result.exit_code == 0 and "No backends configured" in result.stdout


def test_check_reports_each_backend_and_fails_when_one_fails(isolated_home, monkeypatch,
                                                           webhook_url, smtp_port):
    monkeypatch.setenv("HOOK_TOKEN", SECRET)
    write_config(isolated_home, f'default_backend = "hook"\n'
                                f'[backends.hook]\ntype = "http"\nurl = "{webhook_url}"\n'
                                f'token_env = "HOOK_TOKEN"\n'
                                f'[backends.mail]\ntype = "email"\nhost = "127.0.0.1"\n'
                                f'port = {smtp_port}\nsecurity = "none"\n'
                                f'from = "me@example.com"\nto = "cs@example.com"\n'
                                f'[backends.gone]\ntype = "http"\n'
                                f'url = "http://127.0.0.1:{free_port()}/x"\ntimeout = 2\n')
    result = run("config", "check")
    assert result.exit_code == 6, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.strip()}
    assert lines["hook"].startswith("ok") and "(default)" in lines["hook"]
    assert lines["mail"].startswith("ok") and "SMTP" in lines["mail"]
    assert lines["gone"].startswith("error") and "cannot connect" in lines["gone"]
    assert "gone" in result.stderr and SECRET not in result.output
    data = json.loads(run("config", "check", "--json").stdout)
    assert [(b["name"], b["ok"]) for b in data["backends"]] == [
        ("hook", True), ("mail", True), ("gone", False)]


def test_check_reports_a_missing_secret_as_a_config_error(isolated_home, monkeypatch,
                                                         webhook_url):
    monkeypatch.delenv("HOOK_TOKEN", raising=False)
    path = write_config(isolated_home, f'[backends.hook]\ntype = "http"\nurl = "{webhook_url}"\n'
                                       f'token_env = "HOOK_TOKEN"\n')
    result = run("config", "check")
    assert result.exit_code == 4
    assert "HOOK_TOKEN is not set" in result.stdout and f"{path}:4" in result.stdout


def test_config_error_names_file_line_and_key(isolated_home):
    path = write_config(isolated_home, '[attachments]\nmax_count = "x"\n')
    result = CliRunner().invoke(app, ["ticket", "new", "-s", "s", "-c", "refund", "-m", "b"])
    assert result.exit_code == 4
    assert f"{path}:2: key 'attachments.max_count'" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_init_in_a_new_directory_makes_it_private(isolated_home):
    assert not (isolated_home / "config").exists()
    assert run("config", "init").exit_code == 0
    assert stat.S_IMODE((isolated_home / "config").stat().st_mode) == 0o700
