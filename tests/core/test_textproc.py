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
