"""Walking an article library's directories, links and loops included.

Separate from :mod:`tokohelp.articles` because every search walks the library to see
whether the index is still fresh, and that needs no article parser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokohelp.articles import ArticleProblem


def walk(top: Path, problems: list[ArticleProblem] | None = None
         ) -> Iterator[tuple[os.DirEntry[str] | None, bool]]:
    """(entry, is_dir) for every directory and file below ``top``, depth first in name order.

    Directory links are followed, but a directory reached a second time (a link
    back to an ancestor, or to one already read) is skipped and reported in
    ``problems``, so a link loop can never make a walk endless.  ``top`` itself
    comes first, as ``(None, True)``.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, os.DirEntry[str] | None]] = [(str(top), None)]
    while stack:
        path, entry = stack.pop()
        if not _first_visit(path, seen, problems):
            continue
        yield entry, True
        try:
            with os.scandir(path) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        dirs = [c for c in children if _is_dir(c)]
        for child in children:
            if child not in dirs:
                yield child, False
        stack.extend((d.path, d) for d in reversed(dirs))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _first_visit(path: str, seen: set[tuple[int, int]],
                 problems: list[ArticleProblem] | None) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    key = (st.st_dev, st.st_ino)
    if key in seen:
        if problems is not None:
            from tokohelp.articles import problem
            from tokohelp.i18n import _

            problems.append(problem(Path(path), _(
                "a directory link leads back to a directory already read; skipped")))
        return False
    seen.add(key)
    return True
