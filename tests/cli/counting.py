"""Count what one run reads and opens, at the lowest level, whoever asks for it.

``count_opens(monkeypatch)`` returns a Counter that grows by one for every read of the
config file (``config``), every connection to the search index (``index``) and every
connection to the ticket store (``store``).  It patches the primitives, not the Session,
so a module that goes around the Session is counted too.  The ticket tests use it for
``ticket send``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tokohelp import config, index
from tokohelp.tickets.store import Store


def count_opens(monkeypatch) -> Counter:
    """Start counting config reads and index/store connections for this test."""
    counts: Counter = Counter()
    read_bytes, connect, store_connect = Path.read_bytes, index._connect, Store._connect

    def counted_read(self: Path) -> bytes:
        if self == config.config_path():
            counts["config"] += 1
        return read_bytes(self)

    def counted_connect(path: Path):
        counts["index"] += 1
        return connect(path)

    def counted_store(self: Store):
        counts["store"] += 1
        return store_connect(self)

    monkeypatch.setattr(Path, "read_bytes", counted_read)
    monkeypatch.setattr(index, "_connect", counted_connect)
    monkeypatch.setattr(Store, "_connect", counted_store)
    return counts
