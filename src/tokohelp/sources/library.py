"""Where synced articles live, and how a sync replaces them without a half-written moment.

Each source has a directory ``<data>/sources/<name>``: a symlink to the current version
``<name>.v<stamp>``.  A sync builds the next version beside it, then swaps the symlink
in one ``os.replace``; a reader (or a crash, or Ctrl-C) sees either the old library or
the new one, never a mix.  Left-over build directories and old versions are removed at
the start of the next sync.  The state file beside them remembers, per source article,
when it was last updated at the source and which files it became.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokohelp.errors import StorageError
from tokohelp.i18n import _

CATEGORIES = """# Categories for articles synced from {name}.
[[category]]
id = "general"
id_name = "Umum"
en_name = "General"
"""


def sources_root(data_dir: Path) -> Path:
    """The folder that holds every source's library."""
    return data_dir / "sources"


def library_dir(data_dir: Path, name: str) -> Path:
    """The path a source's articles are read from (a symlink to the current version)."""
    return sources_root(data_dir) / name


@dataclass
class State:
    """What the last sync of one source saw: article records and the source's cursor."""

    articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    cursor: dict[str, Any] = field(default_factory=dict)
    synced_at: float = 0.0


def load_state(data_dir: Path, name: str) -> State:
    """The saved state, or an empty one when there is none or it cannot be read."""
    path = sources_root(data_dir) / f"{name}.state.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return State()
    if not isinstance(raw, dict) or not _current_exists(data_dir, name):
        return State()
    return State(dict(raw.get("articles") or {}), dict(raw.get("cursor") or {}),
                 float(raw.get("synced_at") or 0))


def _current_exists(data_dir: Path, name: str) -> bool:
    return library_dir(data_dir, name).is_dir()


class Build:
    """The next version of one source's library, built beside the current one."""

    def __init__(self, data_dir: Path, name: str) -> None:
        self.data_dir, self.name = data_dir, name
        self.root = sources_root(data_dir)
        self.path = self.root / f"{name}.build-{os.getpid()}-{time.time_ns()}"

    def start(self) -> None:
        """Clean what earlier runs left, then copy the current version to build on."""
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            clean_leftovers(self.root, self.name)
            current = library_dir(self.data_dir, self.name)
            if current.is_dir():  # hard links: unchanged files cost no copy
                shutil.copytree(current, self.path, symlinks=False, copy_function=_link)
            else:
                self.path.mkdir(mode=0o700)
            self.write("categories.toml", CATEGORIES.format(name=self.name))
        except OSError as exc:
            raise StorageError(
                _("cannot prepare the library of source '{name}': {reason}").format(
                    name=self.name, reason=exc.strerror),
                _("Check free space and {folder}.").format(folder=self.root)) from None

    def write(self, relative: str, text: str) -> None:
        """Write one article file inside the build."""
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # never write through a link the old version shares
        target.write_text(text, encoding="utf-8")

    def remove(self, relative: str) -> None:
        """Drop one article file from the build (already gone is fine)."""
        (self.path / relative).unlink(missing_ok=True)

    def commit(self, state: State) -> None:
        """Swap the new version in atomically, then save the state that describes it."""
        version = self.root / f"{self.name}.v{time.time_ns()}"
        link = library_dir(self.data_dir, self.name)
        temp_link = self.root / f".{self.name}.link-{os.getpid()}"
        try:
            self.path.rename(version)
            temp_link.unlink(missing_ok=True)
            temp_link.symlink_to(version.name)
            if link.exists() and not link.is_symlink():
                shutil.rmtree(link)
            os.replace(temp_link, link)
            _save_state(self.root, self.name, state)
        except OSError as exc:
            raise StorageError(
                _("cannot install the new library of source '{name}': {reason}").format(
                    name=self.name, reason=exc.strerror),
                _("The previous library is still in use.")) from None
        clean_leftovers(self.root, self.name)

    def abandon(self) -> None:
        """Forget an unfinished build; the current library stays as it was."""
        shutil.rmtree(self.path, ignore_errors=True)


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def save_state(data_dir: Path, name: str, state: State) -> None:
    """Save a source's state alone (a sync that changed no article)."""
    _save_state(sources_root(data_dir), name, state)


def _save_state(root: Path, name: str, state: State) -> None:
    path = root / f"{name}.state.json"
    temp = path.with_suffix(f".tmp-{os.getpid()}")
    temp.write_text(json.dumps({"articles": state.articles, "cursor": state.cursor,
                                "synced_at": state.synced_at}, ensure_ascii=False),
                    encoding="utf-8")
    os.replace(temp, path)


def clean_leftovers(root: Path, name: str) -> None:
    """Remove unfinished builds and versions the symlink no longer points at."""
    link = library_dir(root.parent, name)
    current = os.readlink(link) if link.is_symlink() else None
    for entry in root.glob(f"{name}.*"):
        stale_build = ".build-" in entry.name and not _owned_by_live_process(entry.name)
        old_version = entry.name.startswith(f"{name}.v") and entry.name != current
        if entry.is_dir() and (stale_build or old_version):
            shutil.rmtree(entry, ignore_errors=True)


def _owned_by_live_process(entry_name: str) -> bool:
    """A build whose process still runs belongs to a sync in progress: leave it."""
    try:
        pid = int(entry_name.split(".build-", 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return False
    from tokohelp.processes import alive

    return pid != os.getpid() and alive(pid)


def remove_library(data_dir: Path, name: str) -> None:
    """Forget a source entirely (its articles, versions and state)."""
    root = sources_root(data_dir)
    link = library_dir(data_dir, name)
    if link.is_symlink():
        link.unlink()
    for entry in root.glob(f"{name}.*"):
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
