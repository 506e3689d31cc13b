"""The second-stage ranking: coverage, confidence, negation, language and stored snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_library, write_article
from tokohelp import catalog, textproc
from tokohelp.ranking import detect_language, parse_query

FOOTER = ("\n\n## If it still doesn't work\nTalk to a human at Tokopedia Care customer service "
          "by phone, WhatsApp, chat or email.\n")


@pytest.fixture
def desk(tmp_path, monkeypatch):
    """A small help desk where every article ends with the same contact footer."""
    root = make_library(tmp_path / "lib")
    write_article(root, "card-installment", title="Credit card installments",
                  body="Pay in installments with a credit card." + FOOTER)
    write_article(root, "no-card-installment", title="Installments without a credit card",
                  body="Pay later in installments without any card." + FOOTER)
    write_article(root, "contact", title="Contact customer service", category="shipping",
                  body="Reach customer service in the app." + FOOTER)
    write_article(root, "seller-silent", title="Seller does not respond", category="shipping",
                  body="Wait two days, then ask for help." + FOOTER,
                  extra='questions = ["seller never shipped my order and ignores my chat"]\n')
    write_article(root, "parcel-late", "id", title="Paket terlambat", category="shipping",
                  body="Lacak kurir; paket yang terlambat biasanya tetap datang.")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    return root


def top(query, lang="en", **kw):
    return catalog.search(query, lang, **kw).hits[0]


def test_in_scope_query_is_confident(desk):
    result = catalog.search("parcel is late", "en")
    assert result.hits[0].slug == "parcel-late" and result.hits[0].confident
    assert result.confident


@pytest.mark.parametrize("query", [
    "what is the weather in jakarta tomorrow", "recipe for fried rice with egg",
    "who won the football match last night at the stadium",
])
def test_out_of_scope_query_has_no_confident_hit(desk, query):
    result = catalog.search(query, "en")
    assert not result.confident
    assert all(not hit.confident for hit in result.hits)


def test_long_story_does_not_make_a_weak_match_confident(desk):
    story = ("my neighbour told me yesterday that the weather tomorrow will be rainy and "
             "the football stadium near the market is closed for a concert, is that so")
    assert not catalog.search(story, "en").confident


def test_scores_stay_between_zero_and_one_for_any_length(desk):
    short = top("parcel late").fit
    long = top("parcel late " + "parcel late " * 40).fit
    assert 0 < short <= 1 and 0 < long <= 1
    assert long == pytest.approx(short, abs=0.05)  # repeating words adds nothing


def test_footer_words_keep_their_weight(desk):
    """Every article's footer names customer service: the footer is not indexed, so those
    words weigh as much as where they are really the topic."""
    assert catalog.search("whatsapp", "en").hits == []  # only ever in footers
    assert top("talk to customer service").slug == "contact"


def test_negated_words_find_the_negated_article(desk):
    assert top("I don't have a credit card, can I pay in installments").slug == (
        "no-card-installment")
    assert top("credit card installments").slug == "card-installment"


def test_questions_match_a_description_of_the_situation(desk):
    hit = top("the seller never shipped my order and ignores my chat messages")
    assert hit.slug == "seller-silent" and hit.confident


def test_query_language_is_detected():
    def lang(text):
        return detect_language(textproc.query_tokens(text), {})
    assert lang("paket saya belum sampai padahal sudah lama") == "id"
    assert lang("my package has not arrived yet") == "en"
    assert lang("xyz") == ""


def test_query_language_chooses_the_version_unless_lang_was_given(desk):
    implicit = catalog.search("paket saya terlambat", "en", lang_explicit=False)
    assert (implicit.query_lang, implicit.lang) == ("id", "id")
    assert implicit.hits[0].lang == "id" and implicit.other_lang == "en"
    explicit = catalog.search("paket saya terlambat", "en", lang_explicit=True)
    assert explicit.lang == "en" and explicit.hits[0].lang == "en"
    assert explicit.other_lang == "id"  # the query's language would help
    same = catalog.search("parcel is late", "en", lang_explicit=False)
    assert same.other_lang == ""


def test_confident_articles_is_the_shared_offer(desk):
    assert [h.slug for h in catalog.confident_articles("parcel is late", "en")] == ["parcel-late"]
    assert catalog.confident_articles("weather in jakarta tomorrow", "en") == []


def test_search_never_reads_article_files(desk, monkeypatch):
    catalog.open_library_index().close()  # built (and fresh) before files become unreadable

    def refuse(*args, **kwargs):
        raise AssertionError("a search read an article file")
    monkeypatch.setattr(Path, "read_text", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    hit = top("parcel is late")
    assert hit.slug == "parcel-late" and "courier" in hit.snippet.lower()


def test_phrase_matching_skips_stopwords_between_words():
    tokens = textproc.tokenize("I do not have a credit card")
    assert "zzcreditcard" in textproc.concepts(tokens)
    negated = textproc.negated_positions(tokens)
    assert {tokens[i] for i in negated} == {"credit", "card"}


def test_boilerplate_sections_are_stripped():
    body = "Intro.\n\n## Steps\n1. Do it.\n\n## Kalau masih bermasalah\nHubungi CS.\n\n## Lain\nx"
    stripped = textproc.strip_boilerplate(body)
    assert "Hubungi" not in stripped and "Do it." in stripped and "## Lain" in stripped


def test_parsed_query_merges_repeated_meanings(desk):
    parsed = parse_query(catalog.open_library_index().db, "refund refund pengembalian dana")
    assert [u.alternatives & {"zzrefund"} for u in parsed.terms].count({"zzrefund"}) == 1


@pytest.fixture
def two_sides(tmp_path, monkeypatch):
    """The same problem told for buyers and for sellers."""
    root = make_library(tmp_path / "lib")
    (root / "categories.toml").write_text((root / "categories.toml").read_text() + (
        '\n[[category]]\nid = "seller"\nid_name = "Penjual"\nen_name = "Sellers"\n'))
    write_article(root, "buyer-complaint", title="File a complaint about an order",
                  body="Open the order and file a complaint.")
    write_article(root, "seller-complaint", title="A complaint about an order",
                  category="seller", body="Open the complained order in your shop.")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    return root


def test_a_buyers_query_prefers_the_buyer_article(two_sides):
    assert top("complaint about an order").slug == "buyer-complaint"


def test_a_sellers_query_is_not_held_back(two_sides):
    hits = catalog.search("a buyer sent a complaint about an order in my shop", "en").hits
    assert hits[0].slug == "seller-complaint"


def test_sellers_view_is_read_from_cues():
    assert textproc.sellers_view(textproc.query_tokens("pembeli saya komplain"))
    assert textproc.sellers_view(textproc.query_tokens("I'm a seller, where is my income"))
    assert not textproc.sellers_view(textproc.query_tokens("seller gak bales chat"))
