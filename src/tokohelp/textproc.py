"""Turning text into search terms: normalise, tokenise, stem, add concepts.

Articles and queries go through the same steps so they meet in the middle:
lower-cased ASCII tokens, stopwords dropped, Snowball stems (Indonesian for
Indonesian text, English for English), plus a hidden concept term for every
cross-language synonym phrase found (``zzrefund`` for "refund" and for
"pengembalian dana").  Every word list is data in ``data/synonyms.toml``.

Nothing here compiles a regular expression: tokenising is a ``str.translate``
and a split, which is faster and keeps pattern compilation off the search path.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

CONCEPT_PREFIX = "zz"
# A negated word or concept is also stored as NEGATED_PREFIX + term ("tanpa kartu kredit"
# adds "zqkartu", "zqzzcreditcard"), so "I don't have a credit card" can find it.
NEGATED_PREFIX = "zq"
ANALYZER_VERSION = "7"
_STEMMER_NAMES = {"id": "indonesian", "en": "english"}
MAX_QUERY_TOKENS = 48
# Between two words of a synonym phrase, this many stopwords may stand in the text
# ("don't have a credit card" still matches the phrase "don't have credit card").
PHRASE_GAP = 2
# A negation cue covers this many following content words.
NEGATION_SCOPE = 3
# Every ASCII character that is not [a-z0-9] becomes a space (upper case is gone by then).
_SEPARATORS = {c: " " for c in range(128) if not chr(c).isalnum() or chr(c).isupper()}

Phrase = tuple[str, ...]


class Vocabulary:
    """Stopwords, slang, synonym concepts, negation cues and language hints, from data.

    A plain class (not a dataclass) that packs into bytes: the index stores the
    vocabulary it was built with, so a search reads it back in a fraction of a
    millisecond instead of parsing ``synonyms.toml`` on every run.
    """

    __slots__ = ("boilerplate_sections", "language_words", "negation_breaks", "negation_cues",
                 "phrase_starts", "seller_categories", "seller_cues", "slang", "stopwords",
                 "weak")

    def __init__(self, stopwords: frozenset[str], slang: dict[str, str],
                 phrase_starts: dict[str, list[tuple[Phrase, str]]],
                 negation_cues: tuple[Phrase, ...], negation_breaks: frozenset[str],
                 language_words: dict[str, frozenset[str]],
                 boilerplate_sections: frozenset[str], weak: frozenset[str],
                 seller_cues: tuple[Phrase, ...] = (),
                 seller_categories: frozenset[str] = frozenset()) -> None:
        self.stopwords = stopwords
        self.slang = slang
        # first word of a phrase -> [(the whole phrase, its concept term), ...], longest first
        self.phrase_starts = phrase_starts
        self.negation_cues = negation_cues
        self.negation_breaks = negation_breaks
        # words that mark a query as Indonesian or English (their function words)
        self.language_words = language_words
        self.boilerplate_sections = boilerplate_sections
        self.weak = weak
        # phrases that show the reader is the seller, and the categories written for sellers
        self.seller_cues = seller_cues
        self.seller_categories = seller_categories

    def pack(self) -> bytes:
        """The vocabulary as bytes (marshal: only str, tuple, list, dict and frozenset)."""
        import marshal

        return marshal.dumps({name: getattr(self, name) for name in self.__slots__})

    @classmethod
    def unpack(cls, blob: bytes) -> Vocabulary:
        """The inverse of :meth:`pack`; ValueError (or TypeError) on foreign bytes."""
        import marshal

        return cls(**marshal.loads(blob))


_LOADED: list[Vocabulary] = []


def vocabulary() -> Vocabulary:
    """The vocabulary, loaded once per process (from an index, or else from the data file)."""
    if not _LOADED:
        _LOADED.append(_read_vocabulary())
    return _LOADED[0]


def vocabulary_loaded() -> bool:
    """Whether this process has its vocabulary already."""
    return bool(_LOADED)


def use_packed(blob: bytes) -> bool:
    """Adopt a packed vocabulary (the one an index was built with); False if unreadable."""
    try:
        vocab = Vocabulary.unpack(blob)
    except (ValueError, TypeError, EOFError):
        return False
    _LOADED[:] = [vocab]
    return True


def vocabulary_path() -> Path:
    """The data file the vocabulary comes from (its changes make the index rebuild)."""
    return Path(__file__).parent / "data" / "synonyms.toml"


def _read_vocabulary() -> Vocabulary:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    data = tomllib.loads(vocabulary_path().read_text("utf-8"))
    stop = data.get("stopwords", {})
    negation = data.get("negation", {})
    return Vocabulary(
        stopwords=frozenset(w for words in stop.values() for w in words),
        slang=dict(data.get("slang", {})),
        phrase_starts=_phrase_starts(data.get("concept", []), dict(data.get("slang", {}))),
        negation_cues=tuple(sorted({tuple(tokenize(c)) for c in negation.get("cues", [])} - {()},
                                   key=len, reverse=True)),
        negation_breaks=frozenset(negation.get("breaks", [])),
        language_words={lang: frozenset(stop.get(lang, [])) | frozenset(
            data.get("language", {}).get(lang, [])) for lang in _STEMMER_NAMES},
        boilerplate_sections=frozenset(" ".join(tokenize(h)) for h in data.get(
            "boilerplate", {}).get("sections", [])),
        weak=frozenset(data.get("weak", {}).get("words", [])),
        seller_cues=tuple({tuple(_expand(tokenize(c), dict(data.get("slang", {}))))
                           for c in data.get("perspective", {}).get("seller_cues", [])} - {()}),
        seller_categories=frozenset(data.get("perspective", {}).get("seller_categories", [])),
    )


def _phrase_starts(concepts: list[dict], slang: dict[str, str]
                   ) -> dict[str, list[tuple[Phrase, str]]]:
    """Phrases by first word. Each is kept as written (articles) and with its slang expanded
    (queries are expanded first), so "nomor cs" also matches "nomor customer service"."""
    starts: dict[str, list[tuple[Phrase, str]]] = {}
    for concept in concepts:
        for phrase in concept["phrases"]:
            written = tuple(tokenize(phrase))
            for words in dict.fromkeys((written, tuple(_expand(list(written), slang)))):
                if words:
                    starts.setdefault(words[0], []).append((words, CONCEPT_PREFIX + concept["id"]))
    for options in starts.values():
        options.sort(key=lambda option: len(option[0]), reverse=True)
    return starts


def normalize(text: str) -> str:
    """Lower-case and fold accents so "Pengembalian" and "pengembalián" compare equal."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")


def tokenize(text: str) -> list[str]:
    """ASCII word tokens of the normalised text.

    A one-letter prefix joins its word ("e-mail", "e-wallet" and "email" are one
    token), so the lone letter does not become a word of its own.
    """
    text = normalize(text)
    if "-" in text:
        text = " ".join(_join_letter_prefix(c) if "-" in c else c for c in text.split())
    return text.translate(_SEPARATORS).split()


def _join_letter_prefix(chunk: str) -> str:
    word = chunk.lstrip("([{\"'")
    if len(word) > 2 and word[1] == "-" and word[0].isalpha() and word[2].isalnum():
        return word[0] + word[2:]
    return chunk


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


def phrase_end(tokens: list[str], start: int, phrase: Phrase, stop: frozenset[str]) -> int:
    """Where ``phrase`` ends when it starts at ``start`` (0 when it does not).

    Up to PHRASE_GAP stopwords may stand between the phrase's words, so the
    phrases in the data need not spell out every article and pronoun.
    """
    at = start + 1
    for word in phrase[1:]:
        gap = 0
        while at < len(tokens) and tokens[at] != word and tokens[at] in stop and gap < PHRASE_GAP:
            at, gap = at + 1, gap + 1
        if at >= len(tokens) or tokens[at] != word:
            return 0
        at += 1
    return at


def concept_spans(tokens: list[str]) -> list[tuple[int, int, str]]:
    """Synonym phrases in ``tokens`` as (start, end, concept term), longest match first.

    Matching runs left to right and a phrase inside a longer one does not count
    ("kartu kredit" is a credit card, not also the "kredit" of an installment).
    """
    voc = vocabulary()
    starts, stop = voc.phrase_starts, voc.stopwords
    found: list[tuple[int, int, str]] = []
    position, count = 0, len(tokens)
    while position < count:
        options = starts.get(tokens[position])
        if options is None:
            position += 1
            continue
        words, end = _longest_phrases(tokens, position, options, stop, found)
        position = end if words else position + 1
    return found


def _longest_phrases(tokens: list[str], position: int, options: list[tuple[Phrase, str]],
                     stop: frozenset[str], found: list[tuple[int, int, str]]) -> tuple[int, int]:
    """Add the longest phrases (by words) starting at ``position`` to ``found``; return their
    word count and where they end (0, 0 when none matches). ``options`` is longest first."""
    words = end = 0
    first = len(found)
    for phrase, concept in options:
        if len(phrase) < words:
            break
        at = phrase_end(tokens, position, phrase, stop)
        if at:
            words, end = len(phrase), max(at, end)
            if (position, at, concept) not in found[first:]:  # a phrase given twice
                found.append((position, at, concept))
    return words, end


def concepts(tokens: list[str]) -> list[str]:
    """Concept terms for every synonym phrase that occurs in ``tokens``."""
    return [concept for _, _, concept in concept_spans(tokens)]


def negated_positions(tokens: list[str]) -> set[int]:
    """Positions of the words a negation cue ("tanpa", "don't have", ...) applies to.

    The scope is the next NEGATION_SCOPE content words, cut short by a break
    word such as "tapi" or "but".
    """
    voc = vocabulary()
    firsts = {cue[0] for cue in voc.negation_cues}
    negated: set[int] = set()
    for position, token in enumerate(tokens):
        if token not in firsts:
            continue
        for cue in voc.negation_cues:  # longest first
            end = position + len(cue)
            if cue[0] == token and tuple(tokens[position:end]) == cue:
                negated |= _scope(tokens, end, voc)
                break
    return negated


def _scope(tokens: list[str], start: int, voc: Vocabulary) -> set[int]:
    scope: set[int] = set()
    for at in range(start, len(tokens)):
        if tokens[at] in voc.negation_breaks or len(scope) >= NEGATION_SCOPE:
            break
        if tokens[at] not in voc.stopwords:
            scope.add(at)
    return scope


def sellers_view(tokens: list[str]) -> bool:
    """Whether a query is written by a seller ("toko saya", "pembeli saya", "my shop")."""
    voc = vocabulary()
    firsts = {cue[0] for cue in voc.seller_cues}
    return any(phrase_end(tokens, at, cue, voc.stopwords)
               for at, token in enumerate(tokens) if token in firsts
               for cue in voc.seller_cues if cue[0] == token)


def index_terms(text: str, lang: str) -> list[str]:
    """Terms stored for an article field: stems of non-stopwords plus concepts."""
    return terms_for_tokens(tokenize(text), lang)


def terms_for_tokens(tokens: list[str], lang: str) -> list[str]:
    """:func:`index_terms` for text already tokenised, with negated forms where negated."""
    stop = vocabulary().stopwords
    stems = _stemmer(lang).stemWords([t for t in tokens if t not in stop])
    spans = concept_spans(tokens)
    terms = stems + [concept for _, _, concept in spans]
    negated = negated_positions(tokens)
    if negated:
        terms += [NEGATED_PREFIX + t for t in _stemmer(lang).stemWords(
            [tokens[i] for i in sorted(negated)])]
        terms += [NEGATED_PREFIX + c for start, end, c in spans if negated & set(range(start, end))]
    return terms


def expand_slang(tokens: list[str]) -> list[str]:
    """Replace colloquial words and abbreviations, following chains (gmn -> gimana -> ...)."""
    return _expand(tokens, vocabulary().slang)


def _expand(tokens: list[str], slang: dict[str, str]) -> list[str]:
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


def language_votes(tokens: list[str]) -> dict[str, int]:
    """How many of ``tokens`` are function words (or slang) of each language."""
    voc = vocabulary()
    votes = {lang: sum(t in words for t in tokens) for lang, words in voc.language_words.items()}
    votes["id"] += sum(t in voc.slang for t in tokens)
    return votes


def strip_boilerplate(body: str) -> str:
    """The body without its boilerplate sections (the "if it still fails" footer and the like).

    Those sections read alike in every article, so their words (CS, Tokopedia
    Care, phone) would carry no weight anywhere; the topics they point to have
    their own articles.
    """
    skip = vocabulary().boilerplate_sections
    if not skip:
        return body
    kept: list[str] = []
    skipping = False
    for line in body.splitlines():
        if line.startswith("#"):
            skipping = " ".join(tokenize(line)) in skip
        if not skipping:
            kept.append(line)
    return "\n".join(kept)
