"""Normalising, slang and synonym concepts."""

from __future__ import annotations

from tokohelp import textproc


def test_normalize_folds_case_and_accents():
    assert textproc.tokenize("Pengembalián DANA!") == ["pengembalian", "dana"]


def test_slang_chains_expand():
    assert textproc.query_tokens("gmn blm udh") == ["bagaimana", "belum", "sudah"]


def test_multiword_slang_splits():
    assert textproc.query_tokens("cs") == ["customer", "service"]


def test_concepts_bridge_languages():
    english = textproc.concepts(textproc.tokenize("refund"))
    indonesian = textproc.concepts(textproc.tokenize("pengembalian dana"))
    assert english == indonesian == ["zzrefund"]


def test_index_terms_drop_stopwords_and_stem():
    terms = textproc.index_terms("Saya ingin pengiriman", "id")
    assert "saya" not in terms and "irim" in terms and "zzshipping" in terms


def test_query_tokens_are_capped():
    assert len(textproc.query_tokens("kata " * 5000)) == textproc.MAX_QUERY_TOKENS


def test_vocabulary_packs_and_unpacks_whole():
    voc = textproc.vocabulary()
    back = textproc.Vocabulary.unpack(voc.pack())
    for name in textproc.Vocabulary.__slots__:
        assert getattr(back, name) == getattr(voc, name), name


def test_a_foreign_packed_vocabulary_is_refused():
    assert textproc.use_packed(b"not marshal data") is False
    assert textproc.vocabulary().stopwords  # still the real one


def test_search_reads_the_vocabulary_from_the_index(tmp_path, monkeypatch):
    from tests.helpers import make_library
    from tokohelp import catalog

    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    catalog.open_library_index().close()  # built with the data file's vocabulary
    monkeypatch.setattr(textproc, "_LOADED", [])
    monkeypatch.setattr(textproc, "_read_vocabulary", lambda: (_ for _ in ()).throw(
        AssertionError("synonyms.toml parsed on the search path")))
    assert catalog.search("pengembalian dana", "en").hits[0].slug == "money-back"
    assert textproc.vocabulary_loaded()


def test_a_changed_vocabulary_file_rebuilds_the_index(tmp_path, monkeypatch):
    from tests.helpers import make_library
    from tokohelp.config import cache_dir
    from tokohelp.index import open_index

    copy = tmp_path / "synonyms.toml"
    copy.write_bytes(textproc.vocabulary_path().read_bytes())
    monkeypatch.setattr(textproc, "vocabulary_path", lambda: copy)
    library = make_library(tmp_path / "lib")
    open_index([library], cache_dir()).close()
    assert not open_index([library], cache_dir()).rebuilt
    copy.write_text(copy.read_text() + "\n# a new line\n")
    assert open_index([library], cache_dir()).rebuilt
