"""Deterministic synthetic article corpora for the scale benchmarks.

A corpus of N articles is built from the bundled library's own words: each
synthetic article copies the shape of a real article of the same language and
category (headings, numbered steps, bullets, line lengths, channels) and fills
every line with text from a word-bigram chain learnt from that category's real
articles (and, now and then, from the whole language).  Titles, summaries and
tags come from the same library, so queries like "refund" hit the categories a
real knowledge base would.  About four topics in five exist in both languages,
as in the bundled library.

The same seed always gives byte-identical files.  Files are spread across
``<category>/part-NNN/`` subdirectories, and the bundled ``categories.toml``
is copied into the corpus root so the corpus is a valid article directory.

Usage: python bench/gen_corpus.py N OUT_DIR [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tokohelp.articles import Article, load_library

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "articles"
FILES_PER_DIR = 400
BOTH_LANGS = 0.8
OWN_CATEGORY = 0.7
_MARKER = re.compile(r"\s*(?:\d+\.\s+|[-*+]\s+)?")
_SLUG_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Chain:
    """A word-bigram chain: what follows each word (repeats keep frequencies), and line starts."""

    starts: list[str] = field(default_factory=list)
    following: dict[str, list[str]] = field(default_factory=dict)

    def learn(self, line: str) -> None:
        """Add one line of real text."""
        words = line.split()
        if not words:
            return
        self.starts.append(words[0])
        for first, second in itertools.pairwise(words):
            self.following.setdefault(first, []).append(second)

    def text(self, rng: random.Random, length: int) -> str:
        """``length`` words walking the chain, restarting at a line start at dead ends."""
        word = rng.choice(self.starts)
        out = [word]
        while len(out) < length:
            options = self.following.get(word)
            word = rng.choice(options) if options else rng.choice(self.starts)
            out.append(word)
        return " ".join(out)


@dataclass
class Source:
    """What the generator learnt from the real library."""

    categories: list[str]
    templates: dict[tuple[str, str], list[Article]] = field(default_factory=dict)
    bodies: dict[tuple[str, str], Chain] = field(default_factory=dict)
    titles: dict[tuple[str, str], Chain] = field(default_factory=dict)
    summaries: dict[tuple[str, str], Chain] = field(default_factory=dict)
    tags: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def learn(self, article: Article) -> None:
        """Add one real article to every model it feeds."""
        lang, key = article.lang, (article.lang, article.category)
        self.templates.setdefault(key, []).append(article)
        self.tags.setdefault(key, []).extend(article.tags)
        for chains, lines in ((self.titles, [article.title]), (self.summaries, [article.summary]),
                              (self.bodies, _text_lines(article.body))):
            for line in lines:
                chains.setdefault(key, Chain()).learn(line)
                chains.setdefault((lang, ""), Chain()).learn(line)

    def chain(self, chains: dict[tuple[str, str], Chain], rng: random.Random,
              template: Article) -> Chain:
        """Mostly the template's category chain, sometimes the whole language's."""
        own = chains.get((template.lang, template.category))
        return own if own and rng.random() < OWN_CATEGORY else chains[(template.lang, "")]

    def template(self, rng: random.Random, lang: str, category: str) -> Article:
        """A real article to copy the shape of: same language and category when there is one."""
        pool = self.templates.get((lang, category))
        if not pool:
            pool = [a for (la, _), arts in sorted(self.templates.items()) if la == lang
                    for a in arts]
        return rng.choice(pool)


def _text_lines(body: str) -> Iterator[str]:
    """Body lines without headings or list markers: the text the chains learn."""
    for line in body.splitlines():
        if line.strip() and not line.lstrip().startswith(("#", "_")):
            yield line[_MARKER.match(line).end():]


def learn(articles_dir: Path = ARTICLES) -> Source:
    """Read the real library (in its stable file order) into a Source."""
    library = load_library([articles_dir])
    used = {a.category for a in library.articles}
    # Only categories with real articles: the others have no template to copy.
    source = Source([c for c in library.category_ids() if c in used])
    for article in library.articles:
        source.learn(article)
    return source


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _slug(title: str, topic: int) -> str:
    words = _SLUG_WORD.findall(title.lower())[:4] or ["article"]
    return "-".join(words) + f"-{topic:06d}"


def _body(rng: random.Random, source: Source, template: Article) -> str:
    """The template's lines with the same markup and roughly the same number of words."""
    lines = []
    for line in template.body.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "_")):
            lines.append(line)
            continue
        marker = line[:_MARKER.match(line).end()]
        length = max(3, len(line[len(marker):].split()) + rng.randint(-3, 3))
        lines.append(marker + source.chain(source.bodies, rng, template).text(rng, length))
    return "\n".join(lines)


def _title(rng: random.Random, source: Source, template: Article) -> str:
    length = max(2, len(template.title.split()) + rng.randint(-1, 2))
    title = source.chain(source.titles, rng, template).text(rng, length).rstrip(",:;")
    return title[:1].upper() + title[1:]


def render(rng: random.Random, source: Source, template: Article, slug: str, title: str) -> str:
    """One article file: TOML front matter between ``+++`` lines, then the Markdown body."""
    pool = source.tags.get((template.lang, template.category)) or template.tags or ["help"]
    tags = rng.sample(pool, min(len(pool), rng.randint(3, 8)))
    summary = source.chain(source.summaries, rng, template).text(rng, rng.randint(12, 30))
    updated = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(1000))
    head = [
        f"title = {_toml_str(title)}",
        f"category = {_toml_str(template.category)}",
        f"lang = {_toml_str(template.lang)}",
        f"slug = {_toml_str(slug)}",
        f"tags = [{', '.join(_toml_str(t) for t in tags)}]",
        f"summary = {_toml_str(summary)}",
        f"updated = {updated.isoformat()}",
        f"channels = [{', '.join(_toml_str(c) for c in template.channels)}]",
    ]
    return "+++\n" + "\n".join(head) + "\n+++\n\n" + _body(rng, source, template) + "\n"


def _topic_langs(rng: random.Random) -> list[str]:
    return ["id", "en"] if rng.random() < BOTH_LANGS else [rng.choice(["id", "en"])]


def generate(out_dir: Path, count: int, seed: int = 1, source: Source | None = None) -> int:
    """Write ``count`` articles into ``out_dir`` (which must be empty or absent)."""
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    source = source or learn()
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTICLES / "categories.toml", out_dir / "categories.toml")
    per_category: dict[str, int] = {}
    written, topic = 0, 0
    while written < count:
        category = rng.choice(source.categories)
        folder = out_dir / category / f"part-{per_category.get(category, 0) // FILES_PER_DIR:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        langs = _topic_langs(rng)[: count - written]
        slug = ""
        for lang in langs:
            template = source.template(rng, lang, category)
            title = _title(rng, source, template)
            slug = slug or _slug(title, topic)
            (folder / f"{slug}.{lang}.md").write_text(
                render(rng, source, template, slug, title), encoding="utf-8")
        per_category[category] = per_category.get(category, 0) + len(langs)
        written, topic = written + len(langs), topic + 1
    return written


def fingerprint(seed: int) -> str:
    """Identifies what a corpus was made from: this generator, the real articles, the seed."""
    digest = hashlib.sha1(Path(__file__).read_bytes())
    for path in sorted(ARTICLES.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(ARTICLES).as_posix().encode() + path.read_bytes())
    return f"seed={seed} {digest.hexdigest()}"


def ensure_corpus(out_dir: Path, count: int, seed: int = 1) -> bool:
    """Generate the corpus unless an identical one is already there; True when generated.

    A ``<out_dir>.done`` file next to the corpus records what it was made from,
    so reruns reuse it and a changed generator or library regenerates it.
    """
    done = out_dir.with_name(out_dir.name + ".done")
    expected = f"{count} {fingerprint(seed)}"
    if done.is_file() and done.read_text() == expected and out_dir.is_dir():
        return False
    if done.is_file() and out_dir.is_dir():
        shutil.rmtree(out_dir)
    done.unlink(missing_ok=True)
    generate(out_dir, count, seed)
    done.write_text(expected)
    return True


def main() -> None:
    """Command-line entry: generate one corpus."""
    parser = argparse.ArgumentParser(description="Generate a synthetic tokohelp article corpus.")
    parser.add_argument("count", type=int, help="number of article files")
    parser.add_argument("out_dir", type=Path, help="empty or absent directory to write into")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    written = generate(args.out_dir, args.count, args.seed)
    print(f"wrote {written} articles to {args.out_dir}")


if __name__ == "__main__":
    main()
