"""``tokohelp sync`` against a real Request Tracker 5: Articles in a Class, with custom fields.

The test builds the knowledge base through REST2 (class, custom fields, a dozen articles
in both languages with hostile HTML), syncs, edits and deletes at the source, and syncs
again.  REST2 can create a custom field but not apply it to a class, so that one step
goes through RT's own admin form (the page an administrator would use).
"""

from __future__ import annotations

import itertools

import httpx
import pytest

from tokohelp import config as cfg
from tokohelp.sources import sync
from tokohelp.sources.library import library_dir

pytestmark = pytest.mark.rt
_COUNTER = itertools.count()

HOSTILE = ("<ol><li>Buka <b>Daftar Transaksi</b></li><li>Ajukan <i>Komplain</i></li></ol>"
           "<p>Panduan: <a href='https://kb.example.test/komplain'>di sini</a> "
           "<img src='https://kb.example.test/s.png' alt='layar komplain'></p>"
           "<script>document.cookie</script><p>\x1b[2JAkhir</p>")
TOPICS = [
    ("komplain", "refund", "Cara komplain pesanan", HOSTILE,
     "How to file a complaint", "<p>Open the order and press <b>Complaint</b>.</p>"),
    ("resi", "shipping", "Resi tidak bisa dilacak", "<p>Tunggu 1x24 jam lalu cek lagi.</p>",
     "Tracking number not found", "<p>Wait a day, then check again.</p>"),
    ("otp", "security", "Penipuan minta kode OTP", "<p>Jangan pernah berikan OTP.</p>",
     "Scams asking for your OTP", "<p>Never give anyone your OTP.</p>"),
    ("saldo", "balance", "Tarik saldo ke rekening", "<p>Tekan <b>Tarik Saldo</b>.</p>",
     "Withdraw your balance", "<p>Press <b>Tarik Saldo</b>.</p>"),
    ("gopay", "payment", "Bayar pakai GoPay", "<p>Pilih GoPay saat checkout.</p>",
     "Paying with GoPay", "<p>Choose GoPay at checkout.</p>"),
    ("umum", "", "Jam layanan bantuan yang tersedia untuk kamu",
     "<p>Tim kami siap membantu kamu setiap hari dan kamu bisa menghubungi kami kapan saja "
     "untuk pertanyaan yang belum terjawab.</p>",
     "When our help desk is open", "<p>The team answers every day, around the clock, "
     "and you can write to us at any time.</p>"),
]


def _apply_fields_to_class(rt, class_id: str, field_ids: list[str]) -> None:
    with httpx.Client(base_url=rt.url, timeout=60) as web:
        web.post("/NoAuth/Login.html", data={"user": rt.username, "pass": rt.password})
        page = f"{rt.url}/Admin/Articles/Classes/CustomFields.html?id={class_id}"
        answer = web.post("/Admin/Articles/Classes/CustomFields.html", headers={"Referer": page},
                          data={"id": class_id, "ObjectType": "RT::Class",
                                "SubType": "RT::Article", "UpdateCFs": "1",
                                "AddCustomField": field_ids})
        answer.raise_for_status()


@pytest.fixture
def kb(rt_server):
    """A fresh class with Language/Category/Slug fields and 12 articles; names it returns."""
    n = next(_COUNTER)
    cls = rt_server.api("POST", "class", json={"Name": f"Bantuan{n}"}).json()["id"]
    names = {what: f"{what}{n}" for what in ("Language", "Category", "Slug")}
    fields = [rt_server.api("POST", "customfield", json={
        "Name": name, "Type": "Freeform", "LookupType": "RT::Class-RT::Article",
        "MaxValues": 1}).json()["id"] for name in names.values()]
    _apply_fields_to_class(rt_server, cls, ["1", *fields])
    ids: dict[str, str] = {}
    for slug, category, id_title, id_body, en_title, en_body in TOPICS:
        for lang, title, body in (("id", id_title, id_body), ("en", en_title, en_body)):
            cfs = {"Content": body, names["Slug"]: slug, names["Category"]: category}
            if slug != "umum":
                cfs[names["Language"]] = lang          # 'umum' is left to detection
            answer = rt_server.api("POST", "article", json={
                "Name": f"{title} ({n})", "Class": cls, "Summary": title,
                "CustomFields": cfs})
            assert answer.status_code == 201, answer.text
            ids[f"{slug}.{lang}"] = answer.json()["id"]
    return {"class": f"Bantuan{n}", "names": names, "ids": ids}


def _config(write_config, rt, kb, monkeypatch):
    monkeypatch.setenv("RT_KB_PASSWORD", rt.password)
    names = kb["names"]
    return write_config(
        f'[sources.desk]\ntype = "rt"\nurl = "{rt.url}"\nusername = "{rt.username}"\n'
        f'password_env = "RT_KB_PASSWORD"\nclasses = ["{kb["class"]}"]\n'
        f'lang_field = "{names["Language"]}"\ncategory_field = "{names["Category"]}"\n'
        f'slug_field = "{names["Slug"]}"\ntimeout = 60\n')


def _files() -> dict[str, str]:
    root = library_dir(cfg.data_dir(), "desk")
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.md"))}


def test_rt_articles_sync_edit_delete_cycle(rt_server, kb, write_config, monkeypatch):
    from tokohelp import catalog

    config = _config(write_config, rt_server, kb, monkeypatch)
    first = sync(config, cfg.data_dir()).sources[0]
    assert first.ok, first.error
    assert len(first.added) == 12 and first.failed == []
    lib = _files()
    assert {"refund/desk-komplain.id.md", "refund/desk-komplain.en.md",
            "general/desk-umum.id.md", "general/desk-umum.en.md"} <= set(lib)
    text = lib["refund/desk-komplain.id.md"]
    assert "1. Buka **Daftar Transaksi**" in text
    assert "[di sini](https://kb.example.test/komplain)" in text
    assert "[layar komplain](https://kb.example.test/s.png)" in text
    assert "cookie" not in text and "\x1b" not in text and 'lang = "id"' in text
    assert 'lang = "id"' in lib["general/desk-umum.id.md"]      # detected
    assert 'lang = "en"' in lib["general/desk-umum.en.md"]
    hits = catalog.search("resi tidak bisa dilacak", "id", limit=3).hits
    assert hits and hits[0].slug == "desk-resi"

    ids = kb["ids"]
    rt_server.api("PUT", f"article/{ids['resi.id']}",
                  json={"CustomFields": {"Content": "<p>Resi baru muncul setelah 24 jam.</p>"}})
    assert rt_server.api("DELETE", f"article/{ids['otp.en']}").status_code == 204
    second = sync(config, cfg.data_dir()).sources[0]
    assert second.ok, second.error
    assert second.added == [] and second.updated == ["shipping/desk-resi.id.md"]
    assert second.removed == ["security/desk-otp.en.md"]
    lib = _files()
    assert "Resi baru muncul" in lib["shipping/desk-resi.id.md"]
    assert "security/desk-otp.en.md" not in lib and "security/desk-otp.id.md" in lib


def test_rt_unknown_class_is_one_clear_error(rt_server, write_config, monkeypatch):
    monkeypatch.setenv("RT_KB_PASSWORD", rt_server.password)
    config = write_config(
        f'[sources.desk]\ntype = "rt"\nurl = "{rt_server.url}"\nusername = "root"\n'
        'password_env = "RT_KB_PASSWORD"\nclasses = ["NoSuchClass"]\n')
    report = sync(config, cfg.data_dir()).sources[0]
    assert "no article class named 'NoSuchClass'" in report.error
    assert rt_server.password not in report.error
