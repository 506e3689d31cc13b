"""Config use cases: ``tokohelp config path|show|init|check`` as ``(session, inputs) -> result``.

Writing the file (atomic, mode 0600 in a 0700 directory) and turning parsed data back into
TOML are core jobs and live here; the face only renders the results.  Secret-looking
values are masked before a result is made, so no view can show them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError, ConfigError, TokohelpError
from tokohelp.i18n import _
from tokohelp.redact import mask_config, redact

if TYPE_CHECKING:
    from tokohelp.session import Session
    from tokohelp.tickets.service import BackendCheck


@dataclass
class ConfigPath:
    """``config path``: where the config file is (or would be)."""

    path: Path

    def to_json(self) -> dict[str, Any]:
        """``{path}``."""
        return {"path": str(self.path)}


@dataclass
class ConfigShown:
    """``config show``: the file's settings with secrets masked."""

    path: Path
    exists: bool
    config: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """``{path, exists, config}``."""
        return {"path": str(self.path), "exists": self.exists, "config": self.config}

    def toml(self) -> str:
        """The masked settings as TOML text."""
        return to_toml(self.config)


@dataclass
class ConfigWritten:
    """``config init``: the example file was written."""

    path: Path

    def to_json(self) -> dict[str, Any]:
        """``{path}``."""
        return {"path": str(self.path)}


@dataclass
class ConfigChecked:
    """``config check``: each backend's check; ``failure`` is set when any failed."""

    path: Path
    checks: list[BackendCheck]
    failure: TokohelpError | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        """``{path, backends: [{name, type, default, ok, detail}]}``."""
        return {"path": str(self.path), "backends": [
            {"name": c.name, "type": c.kind, "default": c.default, "ok": c.ok,
             "detail": redact(c.detail)} for c in self.checks]}


# --- use cases ------------------------------------------------------------------

def path(session: Session) -> ConfigPath:
    """Where the config file is; ``TOKOHELP_CONFIG`` moves it."""
    from tokohelp.config import config_path

    return ConfigPath(config_path())


def show(session: Session) -> ConfigShown:
    """The config file's settings, anything secret-looking masked."""
    cfg = session.config
    return ConfigShown(cfg.path, cfg.exists, mask_config(cfg.data))


def init(session: Session, text: str, force: bool = False) -> ConfigWritten:
    """Write ``text`` as the config file, refusing to replace one without ``force``."""
    from tokohelp.config import config_path

    target = config_path()
    if target.exists() and not force:
        raise ConfigError(_("{path}: config file already exists").format(path=target),
                          _("Use 'tokohelp config init --force' to replace it."))
    write_private(target, text)
    return ConfigWritten(target)


def check(session: Session) -> ConfigChecked:
    """Check every setting, then load and connect to every configured backend."""
    from tokohelp.config import check_article_lang
    from tokohelp.tickets import service

    cfg = session.config
    service.check_settings(cfg)
    check_article_lang(cfg)
    result = ConfigChecked(cfg.path, service.check_backends(cfg))
    failed = [c for c in result.checks if not c.ok]
    if failed:
        kind = ConfigError if any(isinstance(c.error, ConfigError) for c in failed) \
            else BackendError
        result.failure = kind(
            _("{failed} of {total} backends failed the check: {names}").format(
                failed=len(failed), total=len(result.checks),
                names=", ".join(c.name for c in failed)),
            _("Fix them in {path}.").format(path=cfg.path))
    return result


# --- masking and writing --------------------------------------------------------

def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """Render parsed config data back as TOML: scalars first, then sub-tables."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict)]
    text = "\n".join(lines) + ("\n" if lines else "")
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}.{_toml_key(k)}" if prefix else _toml_key(k)
            inner = to_toml(v, name)
            if any(not isinstance(x, dict) for x in v.values()):
                text += f"\n[{name}]\n" + inner
            else:  # only sub-tables (or nothing): no empty header of its own
                text += inner
    return text


def _toml_key(key: str) -> str:
    from tokohelp.safe import escape_c1

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else escape_c1(json.dumps(key))


def _toml_value(value: Any) -> str:
    from tokohelp.safe import escape_c1

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return escape_c1(json.dumps(value, ensure_ascii=False))
    return json.dumps(str(value))


def write_private(target: Path, text: str) -> None:
    """Write atomically with mode 0600 in a 0700 directory (replacing any old file)."""
    from tokohelp.tickets.store import private_dir, storage_errors

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with storage_errors(target):
        private_dir(target.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
