"""load_backend: config keys, secrets and the TLS rules, with errors naming file:line:key."""

from __future__ import annotations

import sys
import types

import pytest

from tests.backends.builders import write_config
from tokohelp.errors import ConfigError, NotFoundError
from tokohelp.tickets.backends import backend_names, is_loopback, load_backend

RT = '[backends.desk]\ntype = "rt"\nurl = "https://rt.example.com"\n'


def test_no_backends_means_none():
    assert load_backend(write_config('lang = "en"\n'), None) is None


def test_unknown_name_lists_configured_ones(monkeypatch):
    config = write_config(RT + '[backends.mail]\ntype = "email"\nhost = "localhost"\n'
                               'security = "none"\nfrom = "a@x.id"\nto = "b@x.id"\n')
    with pytest.raises(NotFoundError) as caught:
        load_backend(config, "nope")
    assert "configured: desk, mail" in caught.value.message
    assert backend_names(config) == ["desk", "mail"]


def test_default_backend_and_single_backend(monkeypatch):
    assert load_backend(write_config(RT), None).name == "desk"
    config = write_config('default_backend = "mail"\n' + RT)
    with pytest.raises(NotFoundError):
        load_backend(config, None)


@pytest.mark.parametrize(("extra", "line", "key", "words"), [
    ('timeout = "30"\n', 4, "timeout", "expected number"),
    ("queue = 5\n", 4, "queue", "expected text"),
    ("allow_insecure_http = 1\n", 4, "allow_insecure_http", "expected true/false"),
    ('pasword_env = "X"\n', 4, "pasword_env", "unknown for type 'rt'"),
    ('username = "root"\n', 4, "username", "needs password_env"),
])
def test_wrong_keys_name_file_line_and_key(extra, line, key, words):
    with pytest.raises(ConfigError) as caught:
        load_backend(write_config(RT + extra), None)
    assert f"config.toml:{line}: key 'backends.desk.{key}'" in caught.value.message
    assert words in caught.value.message


def test_missing_required_key():
    config = write_config('[backends.desk]\ntype = "http"\n')
    with pytest.raises(ConfigError, match=r"key 'backends\.desk\.url': required"):
        load_backend(config, None)


def test_unset_secret_variable_is_named_never_valued(monkeypatch):
    monkeypatch.delenv("RT_PW_UNSET", raising=False)
    config = write_config(RT + 'username = "root"\npassword_env = "RT_PW_UNSET"\n')
    with pytest.raises(ConfigError, match="environment variable RT_PW_UNSET is not set"):
        load_backend(config, None)


def test_token_wins_and_secret_comes_from_environment(monkeypatch):
    monkeypatch.setenv("RT_TOKEN", "tok-1")
    backend = load_backend(write_config(RT + 'token_env = "RT_TOKEN"\n'), None)
    assert (backend.settings["auth"], backend._secret) == ("token", "tok-1")
    assert "tok-1" not in repr(backend.settings)


def test_keyring_secret(monkeypatch):
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: "kr-pw" if (service, user) == ("rt", "root") \
        else None
    errors = types.ModuleType("keyring.errors")
    errors.KeyringError = RuntimeError
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    config = write_config(RT + 'username = "root"\npassword_keyring = "rt:root"\n')
    assert load_backend(config, None)._secret == "kr-pw"
    config = write_config(RT + 'username = "root"\npassword_keyring = "rt:other"\n')
    with pytest.raises(ConfigError, match="no secret for service 'rt' and user 'other'"):
        load_backend(config, None)


def test_keyring_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)
    config = write_config(RT + 'username = "root"\npassword_keyring = "rt:root"\n')
    with pytest.raises(ConfigError, match="'keyring' package is not installed"):
        load_backend(config, None)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9",
                                 "http://127.1:8080", "http://127.0.1"])
def test_plain_http_to_loopback_is_fine(url):
    config = write_config(f'[backends.desk]\ntype = "rt"\nurl = "{url}/"\n')
    assert load_backend(config, None).settings["url"] == url


@pytest.mark.parametrize("url", ["http://10.0.0.5", "ftp://rt.example.com",
                                 "https://user:pw@rt.example.com", "http://128.1",
                                 "http://127.1.example.com"])
def test_unsafe_urls_are_refused(url):
    with pytest.raises(ConfigError, match=r"backends\.desk\.url"):
        load_backend(write_config(f'[backends.desk]\ntype = "rt"\nurl = "{url}"\n'), None)


def test_loopback_detection():
    assert [is_loopback(h) for h in ("127.0.0.2", "::1", "LOCALHOST", "10.0.0.1",
                                     "localhost.example.com")] == [True, True, True, False,
                                                                   False]
    assert [is_loopback(h) for h in ("127.1", "127.0.1", "2130706433", "10.1", "", "127.",
                                     "127.1.1.1.1")] == [True, True, True, False, False,
                                                         False, False]


def test_email_defaults_port_from_security():
    config = write_config('[backends.mail]\ntype = "email"\nhost = "smtp.example.com"\n'
                          'security = "ssl"\nfrom = "a@x.id"\nto = "b@x.id"\n')
    settings = load_backend(config, None).settings
    assert (settings["port"], settings["security"]) == (465, "ssl")
