"""The persistent index and ranked search, on tiny libraries and the bundled one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import make_library, tomllib, write_article
from tokohelp import catalog
from tokohelp.config import cache_dir
from tokohelp.errors import BadInputError, NotFoundError
from tokohelp.index import open_index
from tokohelp.ranking import osa_distance

EVAL = Path(__file__).parents[1] / "eval" / "queries.toml"


@pytest.fixture
def library(tmp_path, monkeypatch):
    root = make_library(tmp_path / "lib")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    return root


def slugs(query, lang="en", **kw):
    return [h.slug for h in catalog.search(query, lang, **kw).hits]


def test_index_is_reused_until_an_article_changes(library):
    first = open_index([library], cache_dir())
    first.close()
    second = open_index([library], cache_dir())
    assert first.rebuilt and not second.rebuilt
    second.close()
    path = library / "refund" / "money-back.en.md"
    path.write_text(path.read_text() + "\nMore text.\n")
    os.utime(path, ns=(1, 1))
    third = open_index([library], cache_dir())
    assert third.rebuilt
    third.close()


def test_articles_env_takes_several_dirs(tmp_path, monkeypatch, library):
    other = tmp_path / "other"
    write_article(other, "extra-topic", title="Gift wrapping", category="shipping")
    monkeypatch.setenv("TOKOHELP_ARTICLES", os.pathsep.join([str(library), str(other)]))
    assert slugs("gift wrapping") == ["extra-topic"]


def test_broken_article_is_reported_and_rest_searchable(library):
    (library / "refund" / "broken.en.md").write_text("no front matter")
    result = catalog.search("refund", "en")
    assert [h.slug for h in result.hits] == ["money-back"]
    assert [p.path.name for p in result.problems] == ["broken.en.md"]


@pytest.mark.parametrize("query", [
    '"', '""refund', "refund OR", "NOT", "AND OR NEAR(", "*", "re*", "title:refund",
    "💸🚚", "", "   ", "x" * 10_000, "refund " * 2000, "\x1b[31m", "'; DROP TABLE docs; --",
])
def test_any_query_string_is_safe(library, query):
    result = catalog.search(query, "en")
    assert isinstance(result.hits, list)


def test_typo_slang_prefix_and_cross_language(library):
    assert slugs("refnd")[0] == "money-back"
    assert slugs("parcl lte")[0] == "parcel-late"
    assert slugs("pengembalian dana", "en")[0] == "money-back"
    assert slugs("Mone")[0] == "money-back"


def test_reader_language_is_preferred_and_fallback_marked(library):
    hit = catalog.search("refund", "id").hits[0]
    assert (hit.lang, hit.fallback) == ("id", False)
    late = catalog.search("parcel", "id").hits[0]
    assert (late.slug, late.lang, late.fallback) == ("parcel-late", "en", True)


def test_snippet_highlights_matching_words(library):
    hit = catalog.search("balance", "en").hits[0]
    assert "balance" in hit.snippet
    start, end = hit.highlights[0]
    assert hit.snippet[start:end].lower() == "balance"


def test_category_filter_and_limit(library):
    assert slugs("refund parcel", category="shipping") == ["parcel-late"]
    assert len(slugs("refund parcel", limit=1)) == 1
    with pytest.raises(NotFoundError, match="unknown category"):
        catalog.search("x", "en", category="nope")
    with pytest.raises(BadInputError):
        catalog.search("x", "en", limit=0)


def test_no_match_suggests_titles(library):
    result = catalog.search("parcel is latte zzz", "en", category="refund")
    assert result.hits == [] or result.hits[0].slug == "money-back"
    empty = catalog.search("qqqq wwww", "en")
    assert empty.hits == []


def test_show_falls_back_and_unknown_slug_suggests(library):
    shown = catalog.find_article("parcel-late", "id")
    assert shown.fallback and shown.article.lang == "en"
    with pytest.raises(NotFoundError, match="money-back"):
        catalog.find_article("money-bak", "en")


def test_list_picks_reader_language(library):
    items = catalog.list_articles("id")
    assert [(i.slug, i.lang) for i in items] == [("money-back", "id"), ("parcel-late", "en")]


def test_osa_distance():
    assert osa_distance("cancle", "cancel", 2) == 1
    assert osa_distance("refnd", "refund", 1) == 1
    assert osa_distance("abc", "xyz", 1) == 2


def test_evaluation_set_top3_accuracy_at_least_90_percent():
    queries = tomllib.loads(EVAL.read_text())["query"]
    assert len(queries) >= 80
    index = catalog.open_library_index()
    hits = 0
    for q in queries:
        top = [h.slug for h in catalog.search(q["q"], q["lang"], limit=3, index=index).hits]
        hits += any(slug in q["expect"] for slug in top)
    assert hits / len(queries) >= 0.90, f"top-3 accuracy {hits / len(queries):.3f}"


def _split(name):
    return tomllib.loads((EVAL.parent / name).read_text())["query"]


def test_heldout_top3_accuracy_at_least_90_percent():
    """Measured only: tests/eval/heldout.toml is never used to tune (see its header)."""
    queries = [q for q in _split("heldout.toml") if q["expect"]]
    assert len(queries) >= 150
    index = catalog.open_library_index()
    hits = 0
    for q in queries:
        found = catalog.search(q["q"], q["lang"], limit=3, index=index, lang_explicit=False)
        hits += any(h.slug in q["expect"] for h in found.hits)
    assert hits / len(queries) >= 0.90, f"held-out top-3 accuracy {hits / len(queries):.3f}"


def test_out_of_scope_dev_queries_are_mostly_not_confident():
    queries = [q for q in _split("dev.toml") if not q["expect"]]
    assert len(queries) >= 20
    index = catalog.open_library_index()
    caught = sum(not catalog.search(q["q"], q["lang"], index=index).confident for q in queries)
    assert caught / len(queries) >= 0.8, f"out-of-scope recall {caught / len(queries):.3f}"


def test_large_library_uses_directory_check_then_periodic_full_check(library, monkeypatch):
    from tokohelp import index as search

    monkeypatch.setattr(search, "FULL_CHECK_FILES", 0)
    open_index([library], cache_dir()).close()
    path = library / "refund" / "money-back.en.md"
    path.write_text(path.read_text().replace("balance", "wallet"))
    os.utime(path, ns=(5, 5))
    assert not open_index([library], cache_dir()).rebuilt  # in-place edit: not seen yet
    write_article(library, "new-topic", title="Brand new")
    assert open_index([library], cache_dir()).rebuilt  # a new file changes its directory
    path.write_text(path.read_text() + "x")
    os.utime(path, ns=(7, 7))
    monkeypatch.setattr(search, "FULL_CHECK_SECONDS", -1)
    assert open_index([library], cache_dir()).rebuilt  # the periodic full check sees the edit


def test_corrupt_index_file_is_rebuilt(library):
    first = open_index([library], cache_dir())
    first.close()
    first.path.write_bytes(b"not a database")
    again = open_index([library], cache_dir())
    assert again.rebuilt and catalog.search("refund", "en", index=again).hits


def test_unwritable_cache_is_a_storage_error(library, monkeypatch, tmp_path):
    from tokohelp.errors import StorageError

    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache dir should be")
    monkeypatch.setenv("TOKOHELP_CACHE_DIR", str(blocker))
    with pytest.raises(StorageError, match="TOKOHELP_CACHE_DIR"):
        catalog.search("refund", "en")


def test_frequent_terms_score_only_champion_candidates(tmp_path, monkeypatch):
    """With a tiny champion limit every term is frequent; ranking must still be right."""
    from tokohelp import index as search

    monkeypatch.setattr(search, "CHAMPIONS", 1)
    root = make_library(tmp_path / "lib")
    for n in range(6):
        write_article(root, f"filler-{n}", title=f"Filler {n}", body="refund balance parcel")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    index = catalog.open_library_index()
    assert index.db.execute("SELECT COUNT(*) FROM champions").fetchone()[0] > 0
    assert slugs("money back refund")[0] == "money-back"
    assert slugs("parcel late")[0] == "parcel-late"
    assert len(slugs("refund", limit=9)) == 7  # too few candidates: falls back to all matches


def test_parallel_build_gives_the_same_index(library, monkeypatch):
    from tokohelp import index as search

    serial = [(h.slug, h.score) for h in catalog.search("refund parcel", "en").hits]
    monkeypatch.setattr(search, "PARALLEL_FILES", 1)
    (library / "refund" / "broken.en.md").write_text("no front matter")
    index = open_index([library], cache_dir(), rebuild=True)
    parallel = [(h.slug, h.score) for h in catalog.search("refund parcel", "en", index=index).hits]
    assert parallel == serial
    assert [p.path.name for p in index.problems] == ["broken.en.md"]


@pytest.fixture
def renamed(library):
    """A topic renamed from ``old-points`` that another article links to by its old slug."""
    write_article(library, "coins", title="Coins", extra='aliases = ["old-points"]\n',
                  body="Coins replaced points.")
    write_article(library, "coins", "id", title="Koin", extra='aliases = ["old-points"]\n')
    write_article(library, "linker", title="Linker", category="shipping",
                  body="See [the coins](tokohelp:old-points), [late](tokohelp:parcel-late) "
                       "and [gone](tokohelp:nowhere).")
    return library


def test_old_slug_resolves_to_its_topic_and_says_so(renamed):
    shown = catalog.find_article("old-points", "id")
    assert (shown.article.slug, shown.article.lang, shown.alias) == ("coins", "id", "old-points")
    assert shown.via_alias and not shown.fallback
    direct = catalog.find_article("coins", "en")
    assert direct.alias == "" and not direct.via_alias
    assert catalog.resolve_slug("old-points") == ("coins", "old-points")
    with pytest.raises(NotFoundError, match="old-points"):
        catalog.find_article("old-point", "en")  # close to the alias: suggested


def test_live_slug_wins_over_an_alias_of_the_same_name(renamed):
    write_article(renamed, "other", title="Other", extra='aliases = ["money-back"]\n')
    assert catalog.resolve_slug("money-back") == ("money-back", "")


def test_cross_references_resolve_through_aliases(renamed):
    linker = catalog.find_article("linker", "en").article
    resolved = [(r.ref.slug, r.slug, r.dead) for r in catalog.resolve_cross_references(linker)]
    assert resolved == [("old-points", "coins", False), ("parcel-late", "parcel-late", False),
                        ("nowhere", "", True)]


def test_cross_references_are_not_indexed_but_their_text_is_shown(renamed):
    """A link names another topic: its words must not make this article match them."""
    assert slugs("tokohelp") == [] and slugs("gone") == []
    hit = catalog.search("linker", "en").hits[0]
    assert hit.slug == "linker" and "the coins" in hit.snippet and "tokohelp:" not in hit.snippet


def test_questions_are_a_strong_search_field(library):
    write_article(library, "asked", title="Unrelated heading", category="shipping",
                  extra='questions = ["where did my parcel go"]\n', body="Nothing here.")
    write_article(library, "body-only", title="Another heading", category="shipping",
                  body="A parcel can go where it goes, where did it go, nobody knows.")
    assert slugs("where did my parcel go")[0] == "asked"


def test_wrong_type_in_new_keys_skips_only_that_file(library):
    write_article(library, "typo", title="Typo", extra='questions = "one string"\n')
    result = catalog.search("refund", "en")
    assert [h.slug for h in result.hits] == ["money-back"]
    assert [(p.path.name, p.reason) for p in result.problems] == [
        ("typo.en.md", "'questions' must be a list of strings")]


def test_undecodable_file_name_is_skipped_and_reported(library):
    bad = os.path.join(os.fsencode(library / "refund"), b"bad\xff.en.md")
    with open(bad, "wb") as handle:
        handle.write((library / "refund" / "money-back.en.md").read_bytes())
    os.mkdir(os.path.join(os.fsencode(library), b"dir\xfe"))
    result = catalog.search("refund", "en")
    assert [h.slug for h in result.hits] == ["money-back"]
    assert [p.reason for p in result.problems] == [
        "the file name is not valid UTF-8; rename the file"]
    assert "bad\\xff.en.md" in str(result.problems[0].path)  # printable, and stored
    assert catalog.open_library_index().problems == result.problems


def test_front_matter_nested_5000_deep_is_skipped(library):
    path = library / "refund" / "deep.en.md"
    path.write_text("+++\nx = " + "[" * 5000 + "]" * 5000 + "\n+++\nbody\n")
    result = catalog.search("refund", "en")
    assert [h.slug for h in result.hits] == ["money-back"]
    assert [(p.path.name, p.reason) for p in result.problems] == [
        ("deep.en.md", "bad front matter: values nested too deeply")]


def test_directory_link_to_an_ancestor_is_skipped_and_reported(library):
    (library / "shipping" / "loop").symlink_to(library, target_is_directory=True)
    result = catalog.search("refund parcel", "en")
    assert sorted(h.slug for h in result.hits) == ["money-back", "parcel-late"]
    assert [(p.path.name, p.reason) for p in result.problems] == [
        ("loop", "a directory link leads back to a directory already read; skipped")]
    assert not open_index([library], cache_dir()).rebuilt  # the loop does not break freshness


def _corrupt(path: Path) -> None:
    """Overwrite every page after the first two with garbage, as a bad disk would."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    data[2 * page:] = bytes((n * 37 + 11) % 256 for n in range(len(data) - 2 * page))
    path.write_bytes(bytes(data))


def test_corrupt_index_page_is_detected_rebuilt_and_said(library):
    index = open_index([library], cache_dir())
    index.close()
    _corrupt(index.path)
    result = catalog.search("refund", "en")
    assert [h.slug for h in result.hits] == ["money-back"]
    assert result.notices == ["the search index was damaged; it has been rebuilt"]
    assert catalog.search("refund", "en").notices == []  # once rebuilt, nothing more to say


def test_damage_found_by_a_query_is_repaired_and_the_query_retried(library, monkeypatch):
    import sqlite3

    from tokohelp import ranking

    real, calls = ranking.rank, []

    def damaged_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return real(*args, **kwargs)
    monkeypatch.setattr(catalog, "rank", damaged_once)
    index = catalog.open_library_index()
    result = catalog.search("refund", "en", index=index)
    assert [h.slug for h in result.hits] == ["money-back"] and len(calls) == 2
    assert index.rebuilt and result.notices == [
        "the search index was damaged; it has been rebuilt"]


def test_damage_that_a_rebuild_cannot_fix_is_a_storage_error(library, monkeypatch):
    import sqlite3

    from tokohelp.errors import StorageError

    def always(*args, **kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")
    monkeypatch.setattr(catalog, "rank", always)
    with pytest.raises(StorageError, match="cannot be read"):
        catalog.search("refund", "en")


def test_show_and_list_survive_a_damaged_index(library):
    index = open_index([library], cache_dir())
    index.close()
    _corrupt(index.path)
    assert catalog.find_article("money-back", "en").article.slug == "money-back"
    assert [i.slug for i in catalog.list_articles("en")] == ["money-back", "parcel-late"]


@pytest.mark.parametrize(("query", "lang"), [
    ("how do i talk to a real human", "en"), ("I want to speak to customer service", "en"),
    ("tokopedia care phone number", "en"), ("nomor telepon tokopedia care", "id"),
    ("mau ngobrol sama cs beneran bukan bot", "id"), ("hubungi cs tokopedia", "id"),
])
def test_reaching_a_person_finds_the_contact_article(query, lang):
    """Issue 10's first failure pattern, on the bundled library."""
    hit = catalog.search(query, lang, limit=3, lang_explicit=False).hits[0]
    assert (hit.slug, hit.confident) == ("contact-customer-service", True)


@pytest.mark.parametrize(("query", "lang", "slug"), [
    ("can i pay with ovo", "en", "payment-methods"),
    ("bisa cod gak", "id", "cod-bayar-di-tempat"),
    ("my packet not arrive yet", "en", "package-late"),
    ("someone on whatsapp asked for my verification code", "en", "fake-cs-scam"),
    ("I don't have a credit card, can I pay in installments", "en", "installment-without-card"),
    ("refund saya belum cair", "id", "refund-not-received"),
])
def test_everyday_words_negation_and_one_strong_word(query, lang, slug):
    """Issue 10's patterns 2, 4 and 5 on the bundled library: brands, COD, 'packet', a scam
    by WhatsApp, 'I don't have', and 'cair' that must not pull a refund to withdrawals."""
    assert catalog.search(query, lang, limit=3, lang_explicit=False).hits[0].slug == slug
