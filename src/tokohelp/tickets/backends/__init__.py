"""Build the configured backend from the ``[backends.<name>]`` tables of the config file.

Every key is checked here, once, so a typo or a wrong type is reported with
the file, line and key before anything is sent.  Secrets are never read from
the config file: it names an environment variable (``*_env``) or a keyring
entry (``*_keyring = "service:username"``) that holds them.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError, MissingSecretError, NotFoundError
from tokohelp.i18n import _
from tokohelp.redact import register_secret

if TYPE_CHECKING:
    from tokohelp.config import Config
    from tokohelp.tickets.backends.base import Backend

TYPES = ("rt", "http", "email", "zendesk")
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
NUMBER = (int, float)
MAX_TIMEOUT = 300  # seconds; a whole call gets 4 x timeout, well inside a 15-minute claim

# key -> accepted Python type(s); the same tables drive validation and docs/backends.md.
COMMON_KEYS: dict[str, Any] = {"type": str, "timeout": NUMBER, "ca_file": str}
SECRET_KEYS: dict[str, Any] = {"password_env": str, "password_keyring": str,
                               "token_env": str, "token_keyring": str}
KEYS: dict[str, dict[str, Any]] = {
    "rt": {"url": str, "queue": str, "username": str, "allow_insecure_http": bool,
           **SECRET_KEYS},
    "http": {"url": str, "status_url": str, "headers": dict, "public_headers": list,
             "attachments": str, "allow_insecure_http": bool, "token_env": str,
             "token_keyring": str},
    "email": {"host": str, "port": int, "security": str, "from": str, "to": str,
              "username": str, "password_env": str, "password_keyring": str},
    "zendesk": {"url": str, "email": str, "name": str, "anonymous": bool, "token_env": str,
                "token_keyring": str, "oauth_token_env": str, "oauth_token_keyring": str,
                "category_field": int, "category_values": dict, "order_field": int,
                "key_field": int, "allow_insecure_http": bool},
}
REQUIRED = {"rt": ("url",), "http": ("url",), "email": ("host", "from", "to"),
            "zendesk": ("url",)}


def backend_names(config: Config) -> list[str]:
    """The configured backend names, in file order."""
    return list(config.get("backends", {}, kind=dict))


def load_backend(config: Config, name: str | None = None) -> Backend | None:
    """The named backend (or the default one); None when no backend is configured at all."""
    tables = config.get("backends", {}, kind=dict)
    if not tables and name is None:
        default = config.get("default_backend", kind=str)
        if default:
            raise config.fail("default_backend", _(
                "names backend '{name}', but there is no [backends.{name}] table").format(
                    name=default))
        return None
    name = name or _default_name(config, tables)
    if name not in tables:
        known = ", ".join(sorted(tables)) or _("none configured")
        raise NotFoundError(_("no backend named '{name}' (configured: {known})").format(
                                name=name, known=known),
                            _("Add a [backends.{name}] table to {path} "
                              "or pick another with --backend.").format(
                                name=name, path=config.path))
    key = f"backends.{name}"
    table = tables[name]  # not config.get(key): a quoted name may contain dots
    if not isinstance(table, dict):
        raise config.fail(key, _("expected a table, got {got}").format(
            got=type(table).__name__))
    kind = _check_table(config, key, table)
    return _build(config, name, kind, table)


def _default_name(config: Config, tables: dict[str, Any]) -> str:
    """``default_backend``, or the only backend there is."""
    default = config.get("default_backend", kind=str)
    if default:
        return default
    if len(tables) == 1:
        return next(iter(tables))
    raise config.fail("default_backend", _("missing; set it to one of: {names}").format(
        names=", ".join(sorted(tables))))


def _check_table(config: Config, key: str, table: dict[str, Any]) -> str:
    """Validate one backend table; returns its type."""
    kind = table.get("type")
    if kind not in TYPES:
        raise config.fail(f"{key}.type", _("must be one of {choices}").format(
            choices=", ".join(TYPES)))
    allowed = {**COMMON_KEYS, **KEYS[kind]}
    for item, value in table.items():
        if item not in allowed:
            raise config.fail(f"{key}.{item}", unknown_key(item, allowed, kind))
        _check_type(config, f"{key}.{item}", value, allowed[item])
    for item in REQUIRED[kind]:
        if not table.get(item):
            raise config.fail(f"{key}.{item}", _("required for type '{kind}'").format(
                kind=kind))
    return kind


def unknown_key(item: str, allowed: Any, kind: str) -> str:
    """'unknown ...; did you mean X?' when a known key is one typo away, else the list."""
    import difflib

    close = difflib.get_close_matches(item, list(allowed), n=1, cutoff=0.75)
    if close:
        return _("unknown for type '{kind}'; did you mean '{key}'?").format(kind=kind,
                                                                            key=close[0])
    return _("unknown for type '{kind}'; known: {keys}").format(
        kind=kind, keys=", ".join(sorted(allowed)))


def _check_type(config: Config, key: str, value: Any, kind: Any) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    is_bool = isinstance(value, bool)
    if not isinstance(value, kinds) or (is_bool and bool not in kinds):
        names = {int: _("whole number"), str: _("text"), bool: "true/false", dict: _("table"),
                 list: _("list")}
        expected = _("number") if kind is NUMBER else names[kind]
        got = "true/false" if is_bool else type(value).__name__
        raise config.fail(key, _("expected {expected}, got {got}").format(
            expected=expected, got=got))
    if kind is NUMBER and not (math.isfinite(value) and value > 0):
        raise config.fail(key, _("must be a number greater than 0"))
    if key.endswith(".timeout") and value > MAX_TIMEOUT:
        raise config.fail(key, _("must be at most {limit} seconds").format(limit=MAX_TIMEOUT))


def _build(config: Config, name: str, kind: str, table: dict[str, Any]) -> Backend:
    key = f"backends.{name}"
    settings = {"timeout": float(table.get("timeout", 30)),
                "ca_file": _check_ca_file(config, f"{key}.ca_file", table.get("ca_file"))}
    if kind == "email":
        from tokohelp.tickets.backends.email import EmailBackend

        settings.update(_email_settings(config, key, table))
        secret = _secret(config, key, table, "password") if table.get("username") else None
        return EmailBackend(name, settings, secret)
    settings.update(_web_settings(config, key, table))
    if kind == "zendesk":
        from tokohelp.tickets.backends.zendesk import from_config

        return from_config(config, name, table, settings)
    if kind == "rt":
        from tokohelp.tickets.backends.rt import RTBackend

        settings["queue"] = table.get("queue", "General")
        settings["username"] = table.get("username")
        settings["auth"], secret = _rt_auth(config, key, table)
        return RTBackend(name, settings, secret)
    from tokohelp.tickets.backends.webhook import HttpBackend

    settings.update(_http_settings(config, key, table))
    secret = _secret(config, key, table, "token")
    return HttpBackend(name, settings, secret)


def _web_settings(config: Config, key: str, table: dict[str, Any]) -> dict[str, Any]:
    insecure = table.get("allow_insecure_http", False)
    url = _check_url(config, f"{key}.url", table["url"], insecure)
    return {"url": url, "allow_insecure_http": insecure}


def _http_settings(config: Config, key: str, table: dict[str, Any]) -> dict[str, Any]:
    mode = table.get("attachments", "base64")
    if mode not in ("base64", "multipart"):
        raise config.fail(f"{key}.attachments", _("must be 'base64' or 'multipart'"))
    public = _public_headers(config, f"{key}.public_headers", table.get("public_headers", []))
    headers = table.get("headers", {})
    for header, value in headers.items():
        _check_header(config, f"{key}.headers", header, value)
        if header.lower() not in public:  # every value is a secret unless marked public
            register_secret(value)
    status_url = table.get("status_url")
    if status_url:
        status_url = _check_url(config, f"{key}.status_url", status_url,
                                table.get("allow_insecure_http", False))
    return {"attachments": mode, "headers": dict(headers), "status_url": status_url,
            "public_headers": sorted(public)}


def _public_headers(config: Config, key: str, names: list[Any]) -> set[str]:
    """Header names whose values may be shown (lower case)."""
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise config.fail(key, _("must be a list of header names"))
    return {name.strip().lower() for name in names}


def _check_header(config: Config, key: str, header: str, value: Any) -> None:
    """A header HTTP can carry: a token name and a one-line printable ASCII value."""
    import re

    if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", header):
        raise config.fail(key, _("'{header}' is not a valid header name").format(
            header=header.encode("ascii", "backslashreplace").decode()))
    if not isinstance(value, str) or not re.fullmatch(r"[ -~]*", value) or not value.strip():
        raise config.fail(key, _("header '{header}' needs a one-line value of printable ASCII "
                                 "characters").format(header=header))


def _check_ca_file(config: Config, key: str, ca_file: str | None) -> str | None:
    """A ca_file that cannot be loaded is reported now, not when a ticket is sent."""
    if not ca_file:
        return None
    from tokohelp.tickets.backends import transport

    try:
        transport.tls_context(ca_file)
    except BackendError as exc:
        raise config.fail(key, exc.message) from None
    return ca_file


def _email_settings(config: Config, key: str, table: dict[str, Any]) -> dict[str, Any]:
    security = table.get("security", "starttls")
    if security not in SECURITY:
        raise config.fail(f"{key}.security", _("must be one of {choices}").format(
            choices=", ".join(SECURITY)))
    host = table["host"]
    if security == "none" and not is_loopback(host):
        raise config.fail(f"{key}.security",
                          _("'none' sends in clear text and is allowed only to 127.0.0.1, ::1 "
                            "or localhost; use 'starttls' or 'ssl'"))
    port = table.get("port", DEFAULT_PORTS[security])
    if not 0 < port < 65536:
        raise config.fail(f"{key}.port", _("must be between 1 and 65535"))
    for item in ("from", "to"):
        if "@" not in table[item] or any(c in table[item] for c in "\r\n"):
            raise config.fail(f"{key}.{item}", _("must be an e-mail address"))
    return {"host": host, "port": port, "security": security, "from": table["from"],
            "to": table["to"], "username": table.get("username")}


def _rt_auth(config: Config, key: str, table: dict[str, Any]) -> tuple[str | None, str | None]:
    """Token auth wins over user/password; a user without a password source is an error."""
    if table.get("token_env") or table.get("token_keyring"):
        return "token", _secret(config, key, table, "token")
    if table.get("password_env") or table.get("password_keyring"):
        if not table.get("username"):
            raise config.fail(f"{key}.username",
                              _("required with password_env/password_keyring"))
        return "basic", _secret(config, key, table, "password")
    if table.get("username"):
        raise config.fail(f"{key}.username", _("needs password_env or password_keyring"))
    return None, None


def _secret(config: Config, key: str, table: dict[str, Any], what: str) -> str | None:
    """The secret from the named environment variable or keyring entry (never from the file)."""
    if table.get(f"{what}_env"):
        return _env_secret(config, f"{key}.{what}_env", table[f"{what}_env"])
    if table.get(f"{what}_keyring"):
        return _keyring_secret(config, f"{key}.{what}_keyring", table[f"{what}_keyring"])
    if what == "password" and table.get("username"):
        raise config.fail(f"{key}.username", _("needs password_env or password_keyring"))
    return None


def _env_secret(config: Config, key: str, variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise MissingSecretError(
            _("{where}: key '{key}': environment variable {variable} is not set").format(
                where=config.where(key), key=key, variable=variable),
            _("Export {variable} with the secret before running tokohelp.").format(
                variable=variable))
    register_secret(value)
    return value


def _keyring_secret(config: Config, key: str, entry: str) -> str:
    service, sep, user = entry.partition(":")
    if not sep or not service or not user:
        raise config.fail(key, _("must look like \"service:username\""))
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise config.fail(key, _("the 'keyring' package is not installed; install it or "
                                 "use an *_env key instead")) from None
    try:
        value = keyring.get_password(service, user)
    except KeyringError as exc:
        raise config.fail(key, _("the keyring cannot be read ({reason})").format(
            reason=type(exc).__name__)) from None
    if not value:
        raise config.fail(key, _("the keyring has no secret for service '{service}' "
                                 "and user '{user}'").format(service=service, user=user))
    register_secret(value)
    return value


def _check_url(config: Config, key: str, url: str, insecure: bool) -> str:
    """http(s) only; plain http only to loopback unless explicitly allowed."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise config.fail(key, _("must be an http:// or https:// URL with a host"))
    if parts.username or parts.password:
        raise config.fail(key, _("must not contain credentials; use username and *_env keys"))
    if parts.scheme == "http" and not insecure and not is_loopback(parts.hostname):
        raise config.fail(key, _("plain http is allowed only to 127.0.0.1, ::1 or localhost; "
                                 "use https, or set allow_insecure_http = true"))
    return url.strip().rstrip("/")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only places clear text may go."""
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return _short_ipv4(host).startswith("127.")


def _short_ipv4(host: str) -> str:
    """``127.1`` -> ``127.0.0.1``: the short IPv4 forms every resolver accepts ('' if none)."""
    import socket

    if not host or not all(part.isdigit() for part in host.split(".")):
        return ""
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return ""
