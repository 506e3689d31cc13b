"""The article parser, the library loader and the bundled library itself."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.helpers import make_library, tomllib, write_article
from tokohelp.articles import (
    CrossRef,
    Source,
    cross_references,
    link_text_only,
    load_library,
    parse_article,
    split_front_matter,
)
from tokohelp.config import bundled_articles_dir
from tokohelp.errors import BadInputError

GOOD = '+++\ntitle = "T"\ncategory = "refund"\nlang = "en"\nslug = "s"\n+++\n\nBody\n'


def test_parse_reads_front_matter_and_body():
    article = parse_article(GOOD, Path("x.md"), ["refund"])
    assert (article.title, article.slug, article.lang, article.body) == ("T", "s", "en", "Body")


@pytest.mark.parametrize(("text", "reason"), [
    ("no fences\n", "no front matter"),
    ("+++\ntitle = 'T'\n", "not closed"),
    ("+++\ntitle = \n+++\nx", "bad front matter"),
    (GOOD.replace('"refund"', '"nope"'), "unknown category"),
    (GOOD.replace('"en"', '"fr"'), "lang 'fr'"),
    (GOOD.replace('title = "T"', 'title = ""'), "'title'"),
    (GOOD.replace('slug = "s"', 'slug = "s"\ntags = "x"'), "'tags' must be a list"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nquestions = "how?"'), "'questions' must be a list"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nquestions = [1, 2]'), "'questions' must be a list"),
    (GOOD.replace('slug = "s"', 'slug = "s"\naliases = "old"'), "'aliases' must be a list"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nchannels = ["a", 3]'), "'channels' must be a list"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nreviewed = "2026-12-01"'), "'reviewed' must be a"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nupdated = 5'), "'updated' must be a"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nsources = "seed"'), "'sources' must be a list"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nsources = ["seed"]'), "'sources' must be a list"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nsources = [{ read = 2026-12-01 }]'),
     "source 1 needs a non-empty string 'url'"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nsources = [{ url = "seed" }, '
                  '{ url = "https://x", read = "yesterday" }]'), "source 2: 'read' must be"),
    (GOOD.replace('slug = "s"', 'slug = "s"\nsources = [{ url = "seed", about = 1 }]'),
     "source 1: 'about' must be"),
])
def test_parse_rejects_bad_articles_with_reason(text, reason):
    with pytest.raises(BadInputError, match=reason):
        parse_article(text, Path("x.md"), ["refund"])


PROVENANCE = GOOD.replace('slug = "s"', '''slug = "s"
reviewed = 2026-12-01
sources = [{ url = "https://www.tokopedia.com/bantuan/x", read = 2026-11-30, about = "3 days" },
           { url = "seed" }]
questions = ["dana gak masuk2", "where is my money"]
aliases = ["old-s", "s"]
''')


def test_parse_reads_provenance_questions_and_aliases():
    article = parse_article(PROVENANCE, Path("x.md"), ["refund"])
    assert article.reviewed == "2026-12-01"
    assert article.sources == [
        Source("https://www.tokopedia.com/bantuan/x", "2026-11-30", "3 days"), Source("seed")]
    assert article.questions == ["dana gak masuk2", "where is my money"]
    assert article.aliases == ["old-s"]  # its own slug is no alias


def test_new_keys_are_optional():
    article = parse_article(GOOD, Path("x.md"), ["refund"])
    assert (article.reviewed, article.sources, article.questions, article.aliases) == (
        "", [], [], [])


def test_cross_references_are_listed_with_spans():
    body = ("See [cek status refund](tokohelp:refund-status) or\n"
            "[the old page](tokohelp:tokopoints). Not [this](https://x) nor [x](tokohelp:)"
            " nor [bad](tokohelp:two words).")
    refs = cross_references(body)
    assert [(r.text, r.slug) for r in refs] == [
        ("cek status refund", "refund-status"), ("the old page", "tokopoints")]
    first = refs[0]
    assert body[first.start:first.end] == "[cek status refund](tokohelp:refund-status)"
    assert link_text_only(body).startswith("See cek status refund or\nthe old page. Not [this]")


def test_cross_references_of_an_article():
    text = GOOD.replace("Body", "Read [this](tokohelp:other) first.")
    article = parse_article(text, Path("x.md"), ["refund"])
    assert article.cross_references() == [CrossRef("this", "other", 5, 27)]


def test_split_accepts_bom_and_keeps_body():
    head, body = split_front_matter("\ufeff+++\na = 1\n+++\nbody")
    assert head.strip() == "a = 1" and body == "body"


def test_broken_files_are_reported_and_others_load(tmp_path):
    root = make_library(tmp_path / "lib")
    (root / "refund" / "bad.en.md").write_bytes(b"+++\ntitle = \"\xff\xfe\"\n+++\n")
    write_article(root, "odd", category="refund", extra='category = "x"\n')
    library = load_library([root])
    assert {a.slug for a in library.articles} == {"money-back", "parcel-late"}
    reasons = {p.path.name: p.reason for p in library.problems}
    assert "UTF-8" in reasons["bad.en.md"]
    assert "bad front matter" in reasons["odd.en.md"]


def test_bundled_library_is_complete():
    root = bundled_articles_dir()
    library = load_library([root])
    assert library.problems == []
    assert len(library.articles) >= 80
    langs: dict[str, set[str]] = defaultdict(set)
    for article in library.articles:
        langs[article.slug].add(article.lang)
        assert article.path.name == f"{article.slug}.{article.lang}.md"
    assert len(langs) >= 40
    assert all(v == {"id", "en"} for v in langs.values())
    used = {a.category for a in library.articles}
    assert used == set(library.category_ids())


def test_bundled_categories_are_the_agreed_ids():
    data = tomllib.loads((bundled_articles_dir() / "categories.toml").read_text())
    assert [c["id"] for c in data["category"]] == [
        "account", "payment", "installment", "shipping", "orders", "refund", "balance",
        "promo", "travel", "trademark", "shopping", "digital", "security", "seller"]


def test_bundled_articles_name_known_channels():
    allowed = {"tokopedia-care", "phone", "email", "help-center", "resolution-center",
               "toped-bot", "live-chat", "twitter", "instagram", "facebook"}
    for article in load_library([bundled_articles_dir()]).articles:
        assert article.channels and set(article.channels) <= allowed, article.path
