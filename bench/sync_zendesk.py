"""Time `tokohelp sync` against the Zendesk Help Center model: first sync and incremental.

    python bench/sync_zendesk.py [--articles 1000]

Runs in a throw-away TOKOHELP_HOME; prints the wall time of a first full sync of N
articles in two locales, a second (nothing changed) full sync, and an incremental sync
after 10 edits, plus the refreshed search index.  Figures depend on the machine; they
are for BENCHMARKS.md, never for a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["TOKOHELP_HOME"] = home
        os.environ["ZD_BENCH_TOKEN"] = "bench-token"
        run(args.articles, Path(home))


def run(count: int, home: Path) -> None:
    from tests.sources.zendesk_model import ZendeskModel, ZendeskServer
    from tokohelp import catalog, config
    from tokohelp.sources import sync

    model = ZendeskModel(token="bench-token")
    body = "<h2>Langkah</h2><ol>" + "".join(f"<li>Langkah nomor {i} untuk pesanan</li>"
                                           for i in range(8)) + "</ol><p>Cek aplikasi.</p>"
    ids = [model.add(100 + n % 7, {"id": (f"Artikel bantuan {n}", body),
                                   "en-us": (f"Help article {n}", body)}) for n in range(count)]
    with ZendeskServer(model) as server:
        path = config.config_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'[sources.kb]\ntype = "zendesk"\nurl = "{server.url}"\n'
                        'email = "agent@example.com"\ntoken_env = "ZD_BENCH_TOKEN"\n'
                        'incremental = true\n', encoding="utf-8")
        cfg = config.load_config()
        timed("first sync (full listing, writes all)", lambda: sync(cfg, config.data_dir()),
              model)
        timed("index rebuild after it", lambda: catalog.search("refund", "id"), model)
        for article_id in ids[:10]:
            model.edit(article_id, "id", title=f"Judul baru {article_id}")
        timed("incremental sync (10 edited)", lambda: sync(cfg, config.data_dir()), model)
        timed("full sync, nothing changed",
              lambda: sync(cfg, config.data_dir(), full=True), model)


def timed(what: str, action, model) -> None:
    before = len(model.requests)
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    summary = ""
    if hasattr(result, "sources"):
        s = result.sources[0]
        summary = f" (added {len(s.added)}, updated {len(s.updated)}, removed {len(s.removed)})"
    print(f"{what}: {elapsed:.2f} s, {len(model.requests) - before} requests{summary}")


if __name__ == "__main__":
    main()
