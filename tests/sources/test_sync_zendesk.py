"""``tokohelp sync`` against the Zendesk Help Center model: the whole cycle and its faults."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tokohelp import config as cfg
from tokohelp.sources import report_json, sync
from tokohelp.sources.library import library_dir, sources_root

HOSTILE = ("<h2>Langkah</h2><ol><li>Buka <b>Daftar Transaksi</b></li><li>Pilih pesanan</li>"
           "</ol><p>Lihat <a href='https://help.example.test/refund'>panduan</a> dan "
           "<img src='https://cdn.example.test/a.png' alt='contoh layar'></p>"
           "<script>alert('x')</script><iframe src='https://evil.test'>i</iframe>"
           "<p>\x1b]0;owned\x07Teks\x1b[31m merah</p><form><input name=p>kirim</form>")


def seed(model) -> dict[str, int]:
    """Five articles in id and en; one en translation is a draft."""
    ids = {
        "refund": model.add(100, {"id": ("Dana refund belum masuk", HOSTILE),
                                  "en-us": ("Refund has not arrived", "<p>Check the <b>refund"
                                            "</b> status in the app.</p>")}, ["refund"]),
        "resi": model.add(200, {"id": ("Resi tidak valid", "<p>Nomor resi tidak ditemukan "
                                       "di situs kurir.</p>"),
                                "en-us": ("Invalid tracking number", "<p>The courier site "
                                          "does not know the number.</p>")}),
        "otp": model.add(300, {"id": ("Jangan berikan kode OTP", "<ul><li>CS tidak pernah "
                                      "meminta OTP</li></ul>"),
                               "en-us": ("Never share your OTP", "<ul><li>Support never asks"
                                         " for it</li></ul>")}),
        "gopay": model.add(300, {"id": ("Menghubungkan GoPay", "<p>Buka pengaturan "
                                        "pembayaran.</p>"),
                                 "en-us": ("Linking GoPay", "<p>Open payment settings.</p>")}),
        "draft": model.add(300, {"id": ("Tarik saldo penghasilan", "<p>Tekan Tarik Saldo.</p>"),
                                 "en-us": ("Withdrawing income", "<p>Draft.</p>")}),
    }
    model.edit(ids["draft"], "en-us", draft=True)
    return ids


def config_text(url: str, extra: str = "") -> str:
    return (f'[sources.kb]\ntype = "zendesk"\nurl = "{url}"\n'
            'locales = { "id" = "id", "en-us" = "en" }\n'
            'categories = { "100" = "refund", "200" = "shipping", "300" = "security" }\n'
            + extra)


def files(name: str = "kb") -> dict[str, str]:
    root = library_dir(cfg.data_dir(), name)
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.md"))}


def search(words: str, lang: str = "id") -> list[str]:
    from tokohelp import catalog

    return [h.slug for h in catalog.search(words, lang, limit=5).hits]


def test_first_sync_writes_safe_markdown_per_article_and_language(zendesk, write_config):
    ids = seed(zendesk.model)
    report = sync(write_config(config_text(zendesk.url)), cfg.data_dir())
    assert report.ok and report.library_changed
    assert len(report.sources[0].added) == 9          # 10 translations, one is a draft
    lib = files()
    slug = f"kb-{ids['refund']}"
    assert f"refund/{slug}.id.md" in lib and f"refund/{slug}.en.md" in lib
    assert f"security/kb-{ids['draft']}.en.md" not in lib
    text = lib[f"refund/{slug}.id.md"]
    assert 'source = "kb"' in text and f'source_id = "{ids["refund"]}:id"' in text
    assert "1. Buka **Daftar Transaksi**" in text
    assert "[panduan](https://help.example.test/refund)" in text
    assert "[contoh layar](https://cdn.example.test/a.png)" in text
    for bad in ("alert", "<script", "evil.test", "\x1b", "owned", "kirim", "<iframe"):
        assert bad not in text
    assert slug in search("dana refund belum masuk")
    from tokohelp.articles import load_library

    assert load_library(cfg.article_dirs()).problems == []   # every synced file is valid


def test_second_sync_applies_edits_archives_and_unpublishing(zendesk, write_config):
    model = zendesk.model
    ids = seed(model)
    config = write_config(config_text(zendesk.url))
    sync(config, cfg.data_dir())
    model.edit(ids["resi"], "id", body="<p>Resi palsu: ajukan komplain.</p>")
    model.archive(ids["otp"])
    model.edit(ids["gopay"], "en-us", draft=True)
    report = sync(config, cfg.data_dir()).sources[0]
    assert report.added == []
    assert report.updated == [f"shipping/kb-{ids['resi']}.id.md"]
    assert report.removed == sorted([f"security/kb-{ids['otp']}.id.md",
                                     f"security/kb-{ids['otp']}.en.md",
                                     f"security/kb-{ids['gopay']}.en.md"])
    lib = files()
    assert "Resi palsu" in lib[f"shipping/kb-{ids['resi']}.id.md"]
    assert f"security/kb-{ids['gopay']}.id.md" in lib
    assert f"kb-{ids['otp']}" not in search("jangan berikan kode otp")
    assert sync(config, cfg.data_dir()).sources[0].updated == []  # nothing changed


def test_incremental_export_rereads_only_what_changed(zendesk, write_config, monkeypatch):
    model = zendesk.model
    ids = seed(model)
    monkeypatch.setenv("ZD_TOKEN", model.token)
    config = write_config(config_text(zendesk.url, 'email = "agent@example.com"\n'
                                      'token_env = "ZD_TOKEN"\nincremental = true\n'))
    first = sync(config, cfg.data_dir()).sources[0]
    assert len(first.added) == 9
    model.requests.clear()
    model.edit(ids["gopay"], "id", title="Menghubungkan GoPay ke Tokopedia")
    second = sync(config, cfg.data_dir()).sources[0]
    assert second.updated == [f"security/kb-{ids['gopay']}.id.md"] and second.removed == []
    paths = [p for _, p in model.requests]
    assert any("/incremental/articles.json?start_time=" in p for p in paths)
    assert not any(p.split("?")[0].endswith("/articles.json") and "incremental" not in p
                   for p in paths), "an incremental sync must not list everything again"
    assert "Menghubungkan GoPay ke Tokopedia" in files()[f"security/kb-{ids['gopay']}.id.md"]


def test_rate_limit_is_waited_out(zendesk, write_config):
    seed(zendesk.model)
    zendesk.model.rate_limit_next = 1
    report = sync(write_config(config_text(zendesk.url)), cfg.data_dir())
    assert report.ok and len(report.sources[0].added) == 9
    assert zendesk.model.requests[0][1] == zendesk.model.requests[1][1]  # the same GET again


def test_a_malformed_article_is_reported_and_the_rest_syncs(zendesk, write_config):
    ids = seed(zendesk.model)
    zendesk.model.edit(ids["resi"], "en-us", body="   ")
    report = sync(write_config(config_text(zendesk.url)), cfg.data_dir()).sources[0]
    assert report.ok and len(report.added) == 8
    assert report.failed == [{"article": f"Zendesk article {ids['resi']} (en)",
                              "reason": "it has no body"}]


def test_dry_run_writes_nothing(zendesk, write_config):
    seed(zendesk.model)
    report = sync(write_config(config_text(zendesk.url)), cfg.data_dir(), dry_run=True)
    assert len(report.sources[0].added) == 9 and not report.library_changed
    assert not library_dir(cfg.data_dir(), "kb").exists()
    assert report_json(report)["dry_run"] is True


def test_one_failing_source_does_not_stop_the_others(zendesk, write_config, monkeypatch):
    from tests.backends.servers import free_port

    seed(zendesk.model)
    monkeypatch.setenv("ZD_TOKEN", "wrong-token-value")
    text = config_text(zendesk.url) + (
        f'\n[sources.down]\ntype = "zendesk"\nurl = "http://127.0.0.1:{free_port()}"\n'
        f'\n[sources.denied]\ntype = "zendesk"\nurl = "{zendesk.url}"\n'
        'email = "agent@example.com"\ntoken_env = "ZD_TOKEN"\n')
    report = sync(write_config(text), cfg.data_dir())
    by_name = {s.name: s for s in report.sources}
    assert by_name["kb"].ok and len(by_name["kb"].added) == 9
    assert "cannot connect" in by_name["down"].error
    assert "HTTP 401" in by_name["denied"].error
    assert "wrong-token-value" not in str(report_json(report))


SYNC_SCRIPT = """
import sys
from tokohelp import config
from tokohelp.sources import sync
sync(config.load_config(), config.data_dir())
"""


def test_kill_during_sync_keeps_the_previous_library_searchable(zendesk, write_config):
    model = zendesk.model
    ids = seed(model)
    config = write_config(config_text(zendesk.url))
    sync(config, cfg.data_dir())
    before = files()
    model.edit(ids["resi"], "id", title="Judul baru")
    model.requests.clear()
    model.release.clear()
    model.hold_after = 1               # the second GET of the next sync hangs
    proc = subprocess.Popen([sys.executable, "-c", SYNC_SCRIPT], env=os.environ.copy())
    try:
        deadline = time.monotonic() + 120
        while len(model.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(model.requests) >= 2, "the sync never reached the held request"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        model.hold_after = 0
        model.release.set()
    assert files() == before
    assert f"kb-{ids['refund']}" in search("dana refund belum masuk")
    report = sync(config, cfg.data_dir())          # the next sync finishes and cleans up
    assert report.sources[0].updated == [f"shipping/kb-{ids['resi']}.id.md"]
    leftovers = [p.name for p in sources_root(cfg.data_dir()).iterdir()
                 if ".build-" in p.name]
    assert leftovers == []


def test_config_errors_name_the_key(write_config):
    from tokohelp.errors import ConfigError

    bad = write_config('[sources.kb]\ntype = "zendesk"\nurl = "http://example.com"\n')
    with pytest.raises(ConfigError, match=r"sources\.kb\.url.*plain http"):
        sync(bad, Path("/nonexistent"))
    bad = write_config('[sources.kb]\ntype = "zendesk"\nurl = "https://x.test"\n'
                       'locales = { "id" = "fr" }\n')
    with pytest.raises(ConfigError, match=r"sources\.kb\.locales"):
        sync(bad, Path("/nonexistent"))
