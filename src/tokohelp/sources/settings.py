"""``[sources.NAME]`` tables: checked once, with file, line and key in every error.

Secrets follow the backends' rules: the file names an environment variable or a keyring
entry, never the secret itself, and every resolved secret is registered for masking.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

from tokohelp.errors import NotFoundError
from tokohelp.i18n import _
from tokohelp.tickets.backends import _check_type, _check_url, _secret

if TYPE_CHECKING:
    from tokohelp.config import Config
    from tokohelp.sources.model import Client

TYPES = ("rt", "zendesk")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
NUMBER = (int, float)
COMMON: dict[str, Any] = {"type": str, "url": str, "timeout": NUMBER, "ca_file": str,
                          "allow_insecure_http": bool, "categories": dict,
                          "default_category": str}
KEYS: dict[str, dict[str, Any]] = {
    "rt": {"username": str, "password_env": str, "password_keyring": str, "token_env": str,
           "token_keyring": str, "classes": list, "body_field": str, "lang_field": str,
           "category_field": str, "slug_field": str},
    "zendesk": {"locales": dict, "email": str, "token_env": str, "token_keyring": str,
                "incremental": bool},
}
RT_FIELDS = {"body": ("body_field", "Content"), "lang": ("lang_field", "Language"),
             "category": ("category_field", "Category"), "slug": ("slug_field", "Slug")}
DEFAULT_LOCALES = {"id": "id", "en-us": "en"}


def source_names(config: Config) -> list[str]:
    """The configured source names, in file order."""
    return list(config.get("sources", {}, kind=dict))


def load_sources(config: Config, names: list[str] | None, *, full: bool = False
                 ) -> dict[str, Client]:
    """Build the named sources (all when ``names`` is empty), checking every key."""
    tables = config.get("sources", {}, kind=dict)
    wanted = names or list(tables)
    if not wanted:
        raise NotFoundError(_("no knowledge-base source is configured"),
                            _("Add a [sources.NAME] table to {path}; "
                              "see 'tokohelp docs sources'.").format(path=config.path))
    missing = [n for n in wanted if n not in tables]
    if missing:
        raise NotFoundError(_("no source named '{name}' (configured: {names})").format(
                                name=missing[0], names=", ".join(tables) or _("none")),
                            _("Run 'tokohelp sync' without names to sync every source."))
    return {name: _build(config, name, tables[name], full) for name in wanted}


def _build(config: Config, name: str, table: Any, full: bool) -> Client:
    key = f"sources.{name}"
    if not NAME.match(name):
        raise config.fail(key, _("a source name is lower-case letters, digits and dashes"))
    if not isinstance(table, dict):
        raise config.fail(key, _("expected a table, got {got}").format(
            got=type(table).__name__))
    kind = _check(config, key, table)
    common = _common(config, key, table)
    if kind == "rt":
        return _rt(config, key, name, table, common)
    return _zendesk(config, key, name, table, common, full)


def _check(config: Config, key: str, table: dict[str, Any]) -> str:
    kind = table.get("type")
    if kind not in TYPES:
        raise config.fail(f"{key}.type", _("must be one of {choices}").format(
            choices=", ".join(TYPES)))
    allowed = {**COMMON, **KEYS[kind]}
    for item, value in table.items():
        if item not in allowed:
            raise config.fail(f"{key}.{item}", _("unknown for type '{kind}'; known: {keys}").format(
                kind=kind, keys=", ".join(sorted(allowed))))
        if allowed[item] in (list, dict):
            if not isinstance(value, allowed[item]):
                raise config.fail(f"{key}.{item}", _("expected a {type}").format(
                    type=allowed[item].__name__))
        else:
            _check_type(config, f"{key}.{item}", value, allowed[item])
    if not table.get("url"):
        raise config.fail(f"{key}.url", _("required for type '{kind}'").format(kind=kind))
    return kind


def _common(config: Config, key: str, table: dict[str, Any]) -> dict[str, Any]:
    from tokohelp.articles import load_categories
    from tokohelp.config import bundled_articles_dir

    url = _check_url(config, f"{key}.url", table["url"], table.get("allow_insecure_http", False))
    known = frozenset({c.id for c in load_categories([bundled_articles_dir()])} | {"general"})
    categories = {str(k): v for k, v in table.get("categories", {}).items()}
    for source_value, category in categories.items():
        if category not in known:
            raise config.fail(f"{key}.categories",
                              _("'{value}' maps to unknown category '{category}'").format(
                                  value=source_value, category=category))
    default = table.get("default_category", "general")
    if default not in known:
        raise config.fail(f"{key}.default_category",
                          _("unknown category '{category}'").format(category=default))
    settings = {"timeout": float(table.get("timeout", 30)), "ca_file": table.get("ca_file")}
    return {"url": url, "settings": settings, "categories": categories,
            "default_category": default, "known_categories": known}


def _rt(config: Config, key: str, name: str, table: dict[str, Any],
        common: dict[str, Any]) -> Client:
    from tokohelp.sources.rt import RTSource

    classes = table.get("classes")
    if not classes or not all(isinstance(c, str) and c.strip() for c in classes):
        raise config.fail(f"{key}.classes",
                          _("list the RT article classes to pull, e.g. [\"General\"]"))
    fields = {what: str(table.get(item, default)) for what, (item, default) in RT_FIELDS.items()}
    return RTSource(name=name, classes=[c.strip() for c in classes],
                    headers=_rt_headers(config, key, table), fields=fields, **common)


def _rt_headers(config: Config, key: str, table: dict[str, Any]) -> dict[str, str]:
    if table.get("token_env") or table.get("token_keyring"):
        return {"Authorization": f"token {_secret(config, key, table, 'token')}"}
    if table.get("username"):
        password = _secret(config, key, table, "password") or ""
        return {"Authorization": _basic(f"{table['username']}:{password}")}
    return {}


def _zendesk(config: Config, key: str, name: str, table: dict[str, Any],
             common: dict[str, Any], full: bool) -> Client:
    from tokohelp.sources.zendesk import ZendeskSource

    locales = table.get("locales", DEFAULT_LOCALES)
    for locale, lang in locales.items():
        if lang not in ("id", "en") or not re.match(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$", locale):
            raise config.fail(f"{key}.locales",
                              _("'{locale} = {lang!r}' must map a Zendesk locale like \"en-us\" "
                                "to \"id\" or \"en\"").format(locale=locale, lang=lang))
    headers = {}
    if table.get("token_env") or table.get("token_keyring"):
        token = _secret(config, key, table, "token")
        email = table.get("email")
        headers["Authorization"] = (_basic(f"{email}/token:{token}") if email
                                    else f"Bearer {token}")
    elif table.get("incremental"):
        raise config.fail(f"{key}.incremental",
                          _("needs token_env or token_keyring (agent access)"))
    return ZendeskSource(name=name, locales=dict(locales), headers=headers,
                         incremental=bool(table.get("incremental", False)) and bool(headers),
                         full=full, **common)


def _basic(credentials: str) -> str:
    from tokohelp.logs import register_secret

    value = "Basic " + base64.b64encode(credentials.encode()).decode()
    register_secret(value.split(" ", 1)[1])
    return value
