"""Turning text into search terms: normalise, tokenise, stem, add concepts.

Articles and queries go through the same steps so they meet in the middle:
lower-cased ASCII tokens, stopwords dropped, Snowball stems (Indonesian for
Indonesian text, English for English; a query gets both since we cannot know
its language), plus a hidden concept term for every cross-language synonym
phrase found (``zzrefund`` for "refund" and for "pengembalian dana").
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONCEPT_PREFIX = "zz"
ANALYZER_VERSION = "4"
_TOKEN = re.compile(r"[a-z0-9]+")
_STEMMER_NAMES = {"id": "indonesian", "en": "english"}
MAX_QUERY_TOKENS = 48


@dataclass(frozen=True)
class Vocabulary:
    """Stopwords, slang and synonym concepts loaded from ``data/synonyms.toml``."""

    stopwords: frozenset[str]
    slang: dict[str, str]
    # first word of a phrase -> [(the whole phrase, its concept term), ...]
    phrase_starts: dict[str, list[tuple[tuple[str, ...], str]]]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Load the vocabulary once per process."""
    raw = (Path(__file__).parent / "data" / "synonyms.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    starts: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for concept in data.get("concept", []):
        for phrase in concept["phrases"]:
            words = tuple(tokenize(phrase))
            if words:
                starts.setdefault(words[0], []).append((words, CONCEPT_PREFIX + concept["id"]))
    return Vocabulary(
        stopwords=frozenset(data.get("stopwords", [])),
        slang=dict(data.get("slang", {})),
        phrase_starts=starts,
    )


def normalize(text: str) -> str:
    """Lower-case and fold accents so "Pengembalian" and "pengembalián" compare equal."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")


def tokenize(text: str) -> list[str]:
    """ASCII word tokens of the normalised text."""
    return _TOKEN.findall(normalize(text))


@lru_cache(maxsize=2)
def _stemmer(lang: str):  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer(_STEMMER_NAMES[lang], 50000)


def stem(word: str, lang: str) -> str:
    """The Snowball stem of ``word`` in ``lang`` (``id`` or ``en``)."""
    return _stemmer(lang).stemWord(word)


def stem_words(words: list[str], lang: str) -> list[str]:
    """Stems of many words at once (one call into the C stemmer)."""
    return _stemmer(lang).stemWords(words)


def concepts(tokens: list[str]) -> list[str]:
    """Concept terms for every synonym phrase that occurs in ``tokens``."""
    starts = vocabulary().phrase_starts
    found: list[str] = []
    for position in [i for i, token in enumerate(tokens) if token in starts]:
        for phrase, concept in starts[tokens[position]]:
            if len(phrase) == 1 or tuple(tokens[position:position + len(phrase)]) == phrase:
                found.append(concept)
    return found


def index_terms(text: str, lang: str) -> list[str]:
    """Terms stored for an article field: stems of non-stopwords plus concepts."""
    return terms_for_tokens(tokenize(text), lang)


def terms_for_tokens(tokens: list[str], lang: str) -> list[str]:
    """:func:`index_terms` for text already tokenised."""
    stop = vocabulary().stopwords
    stemmer = _stemmer(lang)
    stems = stemmer.stemWords([t for t in tokens if t not in stop])
    return stems + concepts(tokens)


def expand_slang(tokens: list[str]) -> list[str]:
    """Replace colloquial words and abbreviations, following chains (gmn -> gimana -> ...)."""
    slang = vocabulary().slang
    out: list[str] = []
    for token in tokens:
        seen = 0
        while token in slang and seen < 3 and slang[token] != token:
            token, seen = slang[token], seen + 1
        out.extend(token.split() if " " in token else [token])
    return out


def query_tokens(query: str) -> list[str]:
    """Tokens of a user query after slang expansion, capped so huge input stays cheap."""
    return expand_slang(tokenize(query[:4000]))[:MAX_QUERY_TOKENS]
