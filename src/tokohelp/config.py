"""Where tokohelp keeps things and what the user configured.

Everything is resolved when asked for, never at import time, in one order:
command-line option, then ``TOKOHELP_*`` environment variable, then the TOML
config file, then the built-in default.  ``TOKOHELP_HOME`` relocates every
user file at once (config, data, cache), which is what tests and portable
installs want.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from tokohelp.errors import ConfigError
from tokohelp.i18n import _

APP = "tokohelp"
LANGS = ("id", "en")


def _home_subdir(name: str) -> Path | None:
    home = os.environ.get("TOKOHELP_HOME")
    return Path(home) / name if home else None


# The per-user XDG directory of each kind: its variable and the default under the home.
XDG = {"config": ("XDG_CONFIG_HOME", ".config"), "data": ("XDG_DATA_HOME", ".local/share"),
       "cache": ("XDG_CACHE_HOME", ".cache")}


def _platform_dir(kind: str) -> Path:
    """The per-user directory of ``kind`` (config, data or cache) for tokohelp.

    On Linux and the other Unixes these are the XDG directories, found here exactly as
    platformdirs finds them (a test holds the two equal): importing platformdirs costs
    every run that has no ``TOKOHELP_HOME`` some 15M instructions, 2-3 ms.  On macOS,
    Windows, iOS and Android, platformdirs decides.
    """
    if sys.platform in ("win32", "darwin", "ios") or _on_android():
        import platformdirs

        getter = getattr(platformdirs, f"user_{kind}_dir")
        return Path(getter(APP, appauthor=False))
    variable, default = XDG[kind]
    chosen = os.environ.get(variable, "")
    return Path(chosen if os.path.isabs(chosen) else os.path.join(_home(), default), APP)


def _on_android() -> bool:
    return hasattr(sys, "getandroidapilevel") or "ANDROID_DATA" in os.environ


def _home() -> str:
    """HOME when it is an absolute path, else the account's home directory (as platformdirs)."""
    home = os.environ.get("HOME", "")
    if os.path.isabs(home):
        return home
    import pwd

    return pwd.getpwuid(os.getuid()).pw_dir


def config_path() -> Path:
    """The config file: ``TOKOHELP_CONFIG``, else under ``TOKOHELP_HOME``, else the platform dir."""
    explicit = os.environ.get("TOKOHELP_CONFIG")
    if explicit:
        return Path(explicit)
    base = _home_subdir("config") or _platform_dir("config")
    return base / "config.toml"


def data_dir() -> Path:
    """Where tickets live: ``TOKOHELP_DATA_DIR``, ``TOKOHELP_HOME``/data or the platform dir."""
    explicit = os.environ.get("TOKOHELP_DATA_DIR")
    return Path(explicit) if explicit else (_home_subdir("data") or _platform_dir("data"))


def cache_dir() -> Path:
    """Where the search index lives: ``TOKOHELP_CACHE_DIR``, ``TOKOHELP_HOME``/cache or platform."""
    explicit = os.environ.get("TOKOHELP_CACHE_DIR")
    return Path(explicit) if explicit else (_home_subdir("cache") or _platform_dir("cache"))


def bundled_articles_dir() -> Path:
    """The articles shipped in the wheel, or the checkout's ``articles/`` in development."""
    packaged = Path(__file__).parent / "articles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "articles"


def article_dirs(cfg: Config | None = None) -> list[Path]:
    """The library: ``TOKOHELP_ARTICLES`` or the bundled articles, then synced sources.

    ``TOKOHELP_ARTICLES`` (``os.pathsep``-separated) replaces the bundled library; the
    config's ``[library] bundled = false`` leaves it out.  Articles synced from help desks
    (``tokohelp sync``) come after, ranked together with the rest.  A broken config file
    never hides the articles: it only hides the synced ones.
    """
    raw = os.environ.get("TOKOHELP_ARTICLES", "")
    dirs = [Path(p) for p in raw.split(os.pathsep) if p.strip()]
    if cfg is None:
        try:
            cfg = load_config()
        except ConfigError:
            return dirs or [bundled_articles_dir()]
    if not dirs and cfg.get("library.bundled", True) is not False:
        dirs = [bundled_articles_dir()]
    return dirs + synced_dirs(cfg)


def synced_dirs(cfg: Config) -> list[Path]:
    """The library folders of configured sources that have synced at least once.

    Kept here, free of imports, because every search asks for it.
    """
    tables = cfg.data.get("sources")
    if not isinstance(tables, dict):
        return []
    root = data_dir() / "sources"
    return [root / name for name in tables if (root / name).is_dir()]


def _load_toml_text(text: str, path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: invalid TOML: {problem}").format(path=path, problem=exc),
                          _("Fix that line, then run 'tokohelp config check'.")) from None
    except RecursionError:
        raise ConfigError(_("{path}: invalid TOML: values nested too deeply").format(path=path),
                          _("Fix that line, then run 'tokohelp config check'.")) from None


_HEADER = r"^\s*\[+\s*([^\]]+?)\s*\]+\s*(?:#.*)?$"  # compiled only when a key is located


def line_of_key(text: str, key: str) -> int | None:
    """The line (1-based) of a dotted key, looked for inside its own ``[table]``.

    ``backends.mail.url`` is searched under ``[backends.mail]`` (falling back to
    ``url`` anywhere), so two backends that both set ``url`` are told apart.
    """
    table, _, name = key.rpartition(".")
    start, end = _table_span(text, table)
    pattern = re.compile(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*=", re.MULTILINE)
    match = pattern.search(text, start, end) or pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _table_span(text: str, table: str) -> tuple[int, int]:
    """Where the body of ``[table]`` starts and ends; the top level when not found."""
    headers = list(re.finditer(_HEADER, text, re.MULTILINE))
    wanted = table.replace(" ", "")
    for i, header in enumerate(headers):
        if header.group(1).replace(" ", "").replace('"', "") == wanted:
            end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
            return header.end(), end
    return 0, headers[0].start() if headers and not table else len(text)


class Config:
    """The parsed config file plus where it came from, for error messages.

    A plain slotted class: every run reads the config, and a dataclass would cost more to
    define at start-up than the whole lookup.
    """

    __slots__ = ("data", "exists", "path", "text")

    def __init__(self, path: Path, data: dict[str, Any] | None = None, text: str = "",
                 exists: bool = False) -> None:
        self.path, self.data, self.text, self.exists = path, data or {}, text, exists

    def __repr__(self) -> str:
        return f"Config(path={self.path!r}, exists={self.exists!r})"

    def where(self, key: str) -> str:
        """``file:line`` for a key, or just the file when the key is not found."""
        line = line_of_key(self.text, key)
        return f"{self.path}:{line}" if line else str(self.path)

    def fail(self, key: str, problem: str) -> ConfigError:
        """Build a config error that names the file, line and key."""
        return ConfigError(_("{where}: key '{key}': {problem}").format(
            where=self.where(key), key=key, problem=problem),
            _("Fix it, then run 'tokohelp config check'."))

    def get(self, key: str, default: Any = None,
            kind: type | tuple[type, ...] | None = None) -> Any:
        """A top-level or dotted key, type-checked when ``kind`` is given."""
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        if kind is not None and not isinstance(node, kind):
            raise self.fail(key, _("expected {expected}, got {got}").format(
                expected=_kind_name(kind), got=type(node).__name__))
        return node


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config, a broken one a ConfigError."""
    path = path or config_path()
    raw = read_config_bytes(path)
    if raw is None:
        return Config(path=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_("{path}: config is not valid UTF-8").format(path=path),
                          _("Save it as UTF-8.")) from None
    return Config(path=path, data=_load_toml_text(text, path), text=text, exists=True)


MAX_CONFIG_BYTES = 1024 * 1024


def read_config_bytes(path: Path) -> bytes | None:
    """The config file's bytes; None when there is none.

    Only a regular file of at most ``MAX_CONFIG_BYTES`` is read (a FIFO or
    ``/dev/zero`` would hang), and not one that other users may change: whoever can
    write it can point ``url`` elsewhere and receive the password, so, as ssh does,
    a world-writable file or directory is refused.
    """
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(_("{path}: cannot read config: {reason}").format(
            path=path, reason=exc.strerror)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(_("{path}: cannot read config: not a regular file").format(
                path=path), _("Point TOKOHELP_CONFIG at a TOML file."))
        check_not_world_writable(path, info)
        raw = b""
        while len(raw) <= MAX_CONFIG_BYTES and (chunk := os.read(fd, 1 << 16)):
            raw += chunk
    finally:
        os.close(fd)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(_("{path}: the config is larger than 1 MB").format(path=path),
                          _("Point TOKOHELP_CONFIG at the tokohelp config file."))
    return raw


def check_not_world_writable(path: Path, info: os.stat_result) -> None:
    """Refuse a config file, or a directory holding it, that every local user may change.

    A world-writable directory with the sticky bit (``/tmp``) is fine for a file
    the user owns: others cannot replace it there.
    """
    import stat

    if os.name == "nt":
        return
    hint = _("Run: chmod o-w {path}").format
    if info.st_mode & stat.S_IWOTH:
        raise ConfigError(_("{path}: the config file is writable by every user, who could "
                            "redirect your tickets and password").format(path=path),
                          hint(path=path))
    parent = path.resolve().parent
    try:
        mode = parent.stat().st_mode
    except OSError:
        return
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        raise ConfigError(_("{path}: the config directory {dir} is writable by every user, "
                            "who could replace the file").format(path=path, dir=parent),
                          hint(path=parent))


def resolve_lang(option: str | None, config: Config | None = None) -> str:
    """Option, ``TOKOHELP_LANG``, config ``lang``, then the locale (``id_*`` means Indonesian)."""
    for candidate in (option, os.environ.get("TOKOHELP_LANG")):
        if candidate:
            return _check_lang(candidate)
    configured = check_configured_lang(config if config is not None else load_config())
    return configured or locale_lang()


def locale_lang() -> str:
    """The language of the POSIX locale: the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG``.

    ``id_ID.UTF-8``, ``id`` and the old ``in_ID`` mean Indonesian; anything else English.
    """
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "id" if value.lower().startswith(("id_", "in_", "id.")) or \
                value.lower() in ("id", "in") else "en"
    return "en"


def check_configured_lang(cfg: Config, key: str = "lang") -> str | None:
    """The config file's ``lang`` (or ``key``), if set; a ConfigError when not id or en."""
    configured = cfg.get(key, kind=str)
    if configured and configured not in LANGS:
        raise cfg.fail(key, _("must be one of {choices}").format(choices=", ".join(LANGS)))
    return configured or None


def check_article_lang(cfg: Config) -> str | None:
    """``article_lang``: read articles in another language than the interface's."""
    return check_configured_lang(cfg, "article_lang")


def _check_lang(value: str) -> str:
    value = value.strip().lower()
    if value not in LANGS:
        from tokohelp.errors import UsageError

        raise UsageError(_("unknown language '{lang}'").format(lang=value),
                         _("Use 'id' or 'en'."))
    return value
