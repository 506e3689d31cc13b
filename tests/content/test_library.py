"""The bundled library as product: provenance, paired translations, live cross-references.

These checks read the Markdown files directly (not through the index), so they judge the
content itself: every topic in both languages, every fact traceable to a source, every
published slug still reachable, and no link to a topic that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tokohelp.articles import split_front_matter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2] / "articles"
PUBLISHED = Path(__file__).with_name("published_slugs.txt")
STEP = re.compile(r"^\d+\.\s", re.M)
XREF = re.compile(r"\]\(tokohelp:([^)\s]*)\)")
SECTIONS = {
    "id": ("## Langkah-langkah", "## Yang perlu diketahui", "## Kalau masih bermasalah"),
    "en": ("## Steps", "## What to expect", "## If it still doesn't work"),
}
MIN_TOPICS = 72


def _load() -> list[tuple[Path, dict, str]]:
    out = []
    for path in sorted(ROOT.rglob("*.md")):
        head, body = split_front_matter(path.read_text(encoding="utf-8"))
        out.append((path, tomllib.loads(head), body))
    return out


ARTICLES = _load()
IDS = [str(p.relative_to(ROOT)) for p, _, _ in ARTICLES]


def _topics() -> dict[str, dict[str, tuple[Path, dict, str]]]:
    topics: dict[str, dict[str, tuple[Path, dict, str]]] = defaultdict(dict)
    for item in ARTICLES:
        topics[item[1]["slug"]][item[1]["lang"]] = item
    return topics


def _aliases() -> set[str]:
    return {a for _, meta, _ in ARTICLES for a in meta.get("aliases", [])}


def test_library_has_enough_topics_each_in_both_languages():
    topics = _topics()
    assert len(topics) >= MIN_TOPICS
    missing = sorted(slug for slug, langs in topics.items() if set(langs) != {"id", "en"})
    assert missing == []


def test_every_published_slug_still_resolves():
    live = set(_topics()) | _aliases()
    published = PUBLISHED.read_text(encoding="utf-8").split()
    assert [s for s in published if s not in live] == []


def test_aliases_do_not_shadow_a_live_slug():
    assert _aliases() & set(_topics()) == set()


@pytest.mark.parametrize(("path", "meta", "body"), ARTICLES, ids=IDS)
def test_article_has_review_date_and_sources(path, meta, body):
    assert isinstance(meta.get("reviewed"), dt.date), f"{path}: 'reviewed' must be a TOML date"
    sources = meta.get("sources")
    assert isinstance(sources, list) and sources, f"{path}: list 'sources'"
    for source in sources:
        url = source.get("url", "")
        assert url == "seed" or url.startswith("https://"), f"{path}: bad source url {url!r}"
        assert isinstance(source.get("read"), dt.date), f"{path}: source {url} needs 'read'"


@pytest.mark.parametrize(("path", "meta", "body"), ARTICLES, ids=IDS)
def test_article_follows_the_body_shape(path, meta, body):
    for heading in SECTIONS[meta["lang"]]:
        assert heading in body.splitlines(), f"{path}: missing section {heading!r}"
    assert STEP.search(body), f"{path}: no numbered steps"
    assert len(meta.get("questions", [])) >= 4, f"{path}: give at least 4 'questions'"
    assert "tidak resmi" not in body and "is unofficial" not in body, (
        f"{path}: 'tokohelp show' states that tokohelp is unofficial; drop the line")


@pytest.mark.parametrize("slug", sorted(_topics()))
def test_translations_have_the_same_number_of_steps(slug):
    versions = _topics()[slug]
    counts = {lang: len(STEP.findall(body)) for lang, (_, _, body) in versions.items()}
    assert len(set(counts.values())) == 1, f"{slug}: steps per language differ: {counts}"


def test_no_cross_reference_is_dead():
    live = set(_topics()) | _aliases()
    dead = [(str(p.relative_to(ROOT)), target) for p, _, body in ARTICLES
            for target in XREF.findall(body) if target not in live]
    assert dead == []
