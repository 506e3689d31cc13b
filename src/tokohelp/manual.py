"""The user documentation shipped with tokohelp: ``tokohelp docs [TOPIC]`` reads it.

The Markdown files of ``docs/`` are packaged inside the wheel (``tokohelp/docs``); in a
checkout the repository's ``docs/`` is used.  A topic is a file's name without
``.md`` (``backends``, ``exit-codes``); a prefix or a close spelling finds it too.
Links to other topic files are shown as the ``tokohelp docs`` command that opens them,
so every hint names something the user has.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from tokohelp.errors import NotFoundError
from tokohelp.i18n import _

LINK = re.compile(r"\[([^\]]+)\]\((?:\.\./docs/|docs/)?([a-z0-9-]+)\.md(#[^)]*)?\)")


@dataclass
class Topic:
    """One documentation file: its topic name and its title (the first heading)."""

    name: str
    title: str
    path: Path


@dataclass
class TopicList:
    """``tokohelp docs``: every topic."""

    topics: list[Topic]

    def to_json(self) -> list[dict[str, str]]:
        """Name, title and file of each topic."""
        return [{"topic": t.name, "title": t.title, "path": str(t.path)} for t in self.topics]


@dataclass
class TopicPage:
    """``tokohelp docs TOPIC``: one topic's Markdown, links turned into commands."""

    topic: Topic
    markdown: str

    def to_json(self) -> dict[str, str]:
        """The topic and its Markdown text."""
        return {"topic": self.topic.name, "title": self.topic.title,
                "path": str(self.topic.path), "markdown": self.markdown}


def docs_dir() -> Path:
    """The packaged docs, or the checkout's ``docs/`` in development."""
    packaged = Path(__file__).parent / "docs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "docs"


def topics(folder: Path | None = None) -> TopicList:
    """Every topic, in name order."""
    folder = folder or docs_dir()
    return TopicList([Topic(p.stem, _title(p), p) for p in sorted(folder.glob("*.md"))])


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].replace("`", "").strip()
    return path.stem


def page(name: str, folder: Path | None = None) -> TopicPage:
    """The topic ``name`` (exact, else the only one it starts, else a close spelling)."""
    known = topics(folder).topics
    wanted = name.strip().lower().removesuffix(".md")
    chosen = _find(wanted, known)
    text = chosen.path.read_text(encoding="utf-8")
    return TopicPage(chosen, LINK.sub(_as_command, text))


def _find(wanted: str, known: list[Topic]) -> Topic:
    by_name = {t.name: t for t in known}
    if wanted in by_name:
        return by_name[wanted]
    starting = [t for t in known if t.name.startswith(wanted)] if wanted else []
    if len(starting) == 1:
        return starting[0]
    close = difflib.get_close_matches(wanted, list(by_name), n=3, cutoff=0.5)
    hint = (_("Did you mean: {names}?").format(names=", ".join(close)) if close else
            _("Topics: {names}. List them with: tokohelp docs").format(
                names=", ".join(by_name)))
    raise NotFoundError(_("no help topic {name!r}").format(name=wanted), hint)


def _as_command(match: re.Match[str]) -> str:
    """``[config](config.md#keys)`` -> ``config (tokohelp docs config)``."""
    label, topic = match.group(1), match.group(2)
    if label.strip("`").endswith(".md"):
        return f"`tokohelp docs {topic}`"
    return f"{label} (`tokohelp docs {topic}`)"
