"""Dynamic values for shell completion: slugs, categories, channels, ticket ids, backends, topics.

Each function is called by the shell-completion machinery only (``_TOKOHELP_COMPLETE``
set), never in a normal run, and reads the cheapest source there is: article file
names instead of the index, the store read-only and only when it exists.  A failure
completes nothing rather than printing into the user's prompt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Pairs = list[tuple[str, str]]


def _matching(pairs: Iterable[tuple[str, str]], incomplete: str) -> Pairs:
    return [(value, help_) for value, help_ in pairs if value.startswith(incomplete)]


def _quiet(produce: Callable[[], Iterable[tuple[str, str]]], incomplete: str) -> Pairs:
    """The matching values, or none at all when reading them fails."""
    try:
        return _matching(produce(), incomplete)
    except Exception:  # completion must never print a traceback into the prompt
        return []


def slugs(incomplete: str) -> Pairs:
    """Article slugs, from the file names of the library (``slug.lang.md``)."""
    return _quiet(_slugs, incomplete)


def _slugs() -> Iterator[tuple[str, str]]:
    from tokohelp.config import article_dirs

    seen = set()
    for folder in article_dirs():
        for path in sorted(folder.rglob("*.md")):
            slug = path.name.split(".", 1)[0]
            if slug not in seen:
                seen.add(slug)
                yield slug, path.parent.name


def categories(incomplete: str) -> Pairs:
    """Category ids, with their English and Indonesian names as help."""
    return _quiet(_categories, incomplete)


def _categories() -> Iterator[tuple[str, str]]:
    from tokohelp.articles import load_categories
    from tokohelp.config import article_dirs

    for category in load_categories(article_dirs()):
        yield category.id, " / ".join(dict.fromkeys(category.names.values()))


def channels(incomplete: str) -> Pairs:
    """Contact channel ids (with the config's additions), named in English."""
    return _quiet(_channels, incomplete)


def _channels() -> Iterator[tuple[str, str]]:
    from tokohelp.config import load_config
    from tokohelp.contacts import load_channels, pick

    for channel in load_channels(load_config()):
        yield channel.id, pick(channel.name, "en")


def ticket_ids(incomplete: str) -> Pairs:
    """Stored ticket ids with status and subject; the store is read, never created."""
    return _quiet(_ticket_ids, incomplete)


def _ticket_ids() -> Iterator[tuple[str, str]]:
    import sqlite3

    from tokohelp.config import data_dir
    from tokohelp.tickets.store import DB_NAME

    path = data_dir() / DB_NAME
    if not path.is_file():
        return
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT id, status, subject FROM tickets ORDER BY id").fetchall()
    for ticket_id, status, subject in rows:
        yield str(ticket_id), f"{status}: {str(subject)[:50]}"


def backends(incomplete: str) -> Pairs:
    """Backend names from the config file, with their type."""
    return _quiet(_backends, incomplete)


def _backends() -> Iterator[tuple[str, str]]:
    from tokohelp.config import load_config

    tables: Any = load_config().get("backends", {}, dict)
    for name, table in tables.items():
        yield name, str(table.get("type", "")) if isinstance(table, dict) else ""


def topics(incomplete: str) -> Pairs:
    """Topics of ``tokohelp docs``."""
    return _quiet(_topics, incomplete)


def _topics() -> Iterator[tuple[str, str]]:
    from tokohelp import manual

    for topic in manual.topics().topics:
        yield topic.name, topic.title
