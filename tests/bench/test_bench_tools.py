"""The benchmark tools: corpus generator, BM25 baseline and quality metrics."""

from __future__ import annotations

from pathlib import Path

import gen_corpus
import pytest
import quality

from tokohelp.articles import load_library


@pytest.fixture(scope="module")
def source() -> gen_corpus.Source:
    """The model learnt from the bundled articles (shared: it is read-only)."""
    return gen_corpus.learn()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_gives_identical_files(tmp_path, source):
    gen_corpus.generate(tmp_path / "a", 40, seed=7, source=source)
    gen_corpus.generate(tmp_path / "b", 40, seed=7, source=source)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_other_seed_gives_other_files(tmp_path, source):
    gen_corpus.generate(tmp_path / "a", 40, seed=7, source=source)
    gen_corpus.generate(tmp_path / "b", 40, seed=8, source=source)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


def test_generated_articles_load_without_problems(tmp_path, source):
    written = gen_corpus.generate(tmp_path / "c", 120, seed=1, source=source)
    library = load_library([tmp_path / "c"])
    assert written == 120
    assert library.problems == []
    assert len(library.articles) == 120
    assert {a.lang for a in library.articles} == {"id", "en"}
    assert len({a.category for a in library.articles}) >= 5
    assert (tmp_path / "c" / "categories.toml").is_file()


def test_generated_files_sit_in_category_subdirectories(tmp_path, source):
    gen_corpus.generate(tmp_path / "c", 60, seed=1, source=source)
    for article in load_library([tmp_path / "c"]).articles:
        relative = article.path.relative_to(tmp_path / "c")
        assert relative.parts[0] == article.category
        assert relative.parts[1].startswith("part-")
        assert article.path.name == f"{article.slug}.{article.lang}.md"


def test_generator_refuses_a_non_empty_directory(tmp_path, source):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        gen_corpus.generate(tmp_path / "c", 5, source=source)


def test_ensure_corpus_reuses_an_identical_corpus(tmp_path):
    corpus = tmp_path / "corpus-10"
    assert gen_corpus.ensure_corpus(corpus, 10, seed=3) is True
    assert gen_corpus.ensure_corpus(corpus, 10, seed=3) is False
    assert gen_corpus.ensure_corpus(corpus, 12, seed=3) is True
    assert len(load_library([corpus]).articles) == 12


def test_bm25_ranks_the_exact_title_first():
    docs = [
        ("refund-status", "Check refund status. Open the order to see where the refund is."),
        ("change-address", "Change delivery address before the seller ships the order."),
        ("track-package", "Track a package with the courier receipt number of your order."),
    ]
    index = quality.BM25(docs)
    assert index.rank("Change delivery address")[0] == "change-address"
    assert index.rank("track a package")[0] == "track-package"


def test_bm25_has_no_stemming_or_synonyms():
    index = quality.BM25([("a", "refunds are processed"), ("b", "money back guarantee")])
    assert index.rank("refund") == []
    assert index.rank("Refunds!") == ["a"]


def test_bm25_returns_each_key_once():
    index = quality.BM25([("x", "refund refund"), ("x", "refund"), ("y", "refund later")])
    assert index.rank("refund") == ["x", "y"]


def test_rank_of_finds_the_first_expected_slug():
    assert quality.rank_of(["a", "b", "c"], ["c", "b"]) == 2
    assert quality.rank_of(["a", "b"], ["z"]) is None
    assert quality.rank_of([], ["a"]) is None


def test_top_k_counts_ranks_within_k():
    ranks = [1, 3, None, 2]
    assert quality.top_k(ranks, 1) == 0.25
    assert quality.top_k(ranks, 3) == 0.75
    assert quality.top_k([], 3) == 0.0


def test_mrr_averages_reciprocal_ranks_with_misses_as_zero():
    assert quality.mrr([1, 2, None, 4]) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert quality.mrr([None]) == 0.0
    assert quality.mrr([]) == 0.0


def test_evaluate_scores_a_ranker_and_lists_misses():
    queries = [quality.Query("one", "en", ("a",)), quality.Query("two", "en", ("b",)),
               quality.Query("three", "id", ("c",))]
    answers = {"one": ["a"], "two": ["x", "b"], "three": ["x", "y", "z", "c"]}
    scores = quality.evaluate(
        "fixed", lambda text, lang: quality.Answer(tuple(answers[text]), True), queries)
    assert (scores.top1, scores.top3) == (pytest.approx(1 / 3), pytest.approx(2 / 3))
    assert scores.mrr == pytest.approx((1 + 0.5 + 0.25) / 3)
    assert scores.misses == ["three"]


def test_mrr_counts_only_the_first_five():
    assert quality.mrr([1, 6]) == pytest.approx(0.5)


def test_out_of_scope_precision_and_recall():
    queries = [quality.Query("weather", "en", (), "oos"), quality.Query("stocks", "en", (), "oos"),
               quality.Query("refund", "en", ("r",), "short")]
    said = {"weather": quality.Answer(("x",), False), "stocks": quality.Answer(("x",), True),
            "refund": quality.Answer(("r",), False)}
    scores = quality.evaluate("fixed", lambda text, lang: said[text], queries)
    # "nothing fits" said twice (weather, refund), right once; one of two oos queries caught
    assert (scores.oos_precision, scores.oos_recall, scores.oos_queries) == (0.5, 0.5, 2)
    assert scores.queries == 1 and scores.top1 == 1.0


def test_fts5_baseline_has_no_analysis(tmp_path):
    from tests.helpers import make_library

    index = quality.FTS5(make_library(tmp_path / "lib"))
    assert index.rank("refund")[0] == "money-back"
    assert index.rank("refunds") == []  # no stemming
    assert index.rank("pengembalian dana", 10)[0] == "money-back"  # the id file's words
    assert index.rank('" OR *') == []  # quotes and operators are only words


def test_splits_load_their_files():
    dev = quality.load_split("dev")
    assert len(dev) >= len(quality.load_queries())
    assert {q.split for q in dev} == {"dev"}
    assert all(q.group in quality.GROUPS for q in dev)


def test_evaluation_set_loads():
    queries = quality.load_queries()
    assert len(queries) >= 50
    assert all(q.text and q.lang in ("id", "en") and q.expect for q in queries)


def test_importtime_lines_are_parsed_with_depth():
    import run

    stderr = ("import time: self [us] | cumulative | imported package\n"
              "import time:       120 |        120 |   _io\n"
              "import time:      2000 |       5000 | typer\n"
              "import time:        30 |         30 |     typer.core\n")
    assert run.parse_importtime(stderr) == {"_io": (1, 120, 120), "typer": (0, 2000, 5000),
                                            "typer.core": (2, 30, 30)}
