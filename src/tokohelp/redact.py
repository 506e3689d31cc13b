"""The one place that decides what is secret and how it is hidden.

Every secret the program resolves (a password, a token, a configured header
value) is registered here; ``redact`` replaces each registered value with
``MASK`` in any text that leaves the program (errors, warnings, ``--debug``
logs, server messages kept in the store).  The structural maskers below hide
secrets by *position* as well, for values never registered: a password in a
URL's user part or query string, a secret-looking config key, a header that
is not marked public.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "****"
MIN_SECRET = 3   # shorter values would mask ordinary words
SECRET_WORDS = ("password", "passwd", "token", "secret", "api_key", "apikey", "access_key",
                "private_key", "authorization", "cookie", "credential", "session")
SECRET_NAMES = ("key", "pwd", "pass", "auth", "sig", "signature", "code")
_URL_USERINFO = re.compile(r"(://[^/:@\s]+):[^/@\s]+@")
_URL_QUERY = re.compile(r"([?&;])([^=&#\s]+)=([^&#\s]*)")
_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so no log line, error or dry-run output can show it."""
    if value and len(value) >= MIN_SECRET:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """Every registered secret (longest first) and every URL secret replaced by the mask."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return mask_url_secrets(text)


def is_secret_name(name: str) -> bool:
    """A config key, header or query parameter name that suggests a secret value.

    ``*_env`` and ``*_keyring`` keys only *name* where a secret lives, so they are not.
    """
    low = name.lower().replace("-", "_")
    if low.endswith(("_env", "_keyring")):
        return False
    return low in SECRET_NAMES or any(word in low for word in SECRET_WORDS)


def mask_url_secrets(text: str) -> str:
    """Hide ``user:password@`` and secret-looking query values in every URL of ``text``."""
    text = _URL_USERINFO.sub(rf"\1:{MASK}@", text)
    if "://" not in text:
        return text
    return _URL_QUERY.sub(_mask_query_value, text)


def _mask_query_value(match: re.Match[str]) -> str:
    sep, name, value = match.groups()
    return f"{sep}{name}={MASK if value and is_secret_name(name) else value}"


def mask_headers(headers: dict[str, str], public: Iterable[str] = ()) -> dict[str, str]:
    """Headers as ``--dry-run`` shows them: every value masked unless its name is public."""
    shown = {name.lower() for name in public}
    return {k: (v if k.lower() in shown else MASK) for k, v in headers.items()}


def mask_config(value: Any, key: str = "") -> Any:
    """A copy of parsed config data with secret-looking keys and URL secrets masked.

    This shows the user's own file, so it masks by name (``X-Auth-Token``, ``password``);
    every header value resolved by a backend is registered as a secret as well.
    """
    if isinstance(value, dict):
        return {k: mask_config(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_config(v, key) for v in value]
    if key and is_secret_name(key):
        return MASK
    return redact(value) if isinstance(value, str) else value


def scrub(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """``value`` (text, dict or list, recursively) with the given and registered secrets masked."""
    for secret in secrets:
        register_secret(secret)
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value
