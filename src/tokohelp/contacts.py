"""Reaching a person: Tokopedia's customer-service channels and which one to use.

The channels are data (``data/channels.toml``, read only when asked for) that a
user's config file can extend or override with ``[channels.<id>]`` tables.
This module loads and validates them, answers "which channel for this
problem?" and builds the link to open; it knows nothing of the terminal.

Chat is open to every member through Tokopedia Care.  The Gold gating of Toped
Bot and live chat comes from the seed article (about 2020); a member below it
is pointed at Tokopedia Care chat instead of being told that chat is closed.

Its records are plain slotted classes, not dataclasses: every ``contact`` run imports
this module, and generating a dataclass's methods costs more at import than the whole
run's use of them (issue 14; see :mod:`tokohelp.answers`).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokohelp.config import LANGS, Config, load_config
from tokohelp.errors import ConfigError, NoMatchError, NotFoundError, UsageError
from tokohelp.i18n import _

if TYPE_CHECKING:
    from tokohelp.articles import Category

TIERS = ("silver", "gold", "platinum", "diamond")
PLATFORMS = ("desktop", "mobile", "android", "ios")
KINDS = ("phone", "email", "web", "chat", "social")
DATA_FILE = Path(__file__).parent / "data" / "channels.toml"
ANY_LANG = "*"
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_EMAIL = re.compile(r"[^@\s?&/]+@[^@\s?&/]+\.[^@\s?&/]+")


class StepSet:
    """Steps for some platforms (none listed: every platform), per language."""

    __slots__ = ("platforms", "steps")

    def __init__(self, platforms: list[str], steps: dict[str, list[str]]) -> None:
        self.platforms, self.steps = platforms, steps

    def applies_to(self, platform: str | None) -> bool:
        """True when these steps are the ones to follow on ``platform`` (None: any)."""
        return platform is None or not self.platforms or platform in self.platforms


# Channel's optional fields and how to make each one's value when a table leaves it out.
_OPTIONAL: dict[str, Callable[[], Any]] = {
    "also": list, "url": lambda: None, "hours": dict, "who": dict, "response": dict,
    "notes": dict, "how": list, "min_tier": lambda: None, "only_for": list, "best_for": list,
    "escalate_after_days": lambda: None, "priority": lambda: 50, "subject": dict,
    "source": lambda: "config", "seed_ref": str, "added": list, "sources": list,
    "overridden": list,
}


class Channel:
    """One way to reach customer service, with where each of its facts came from."""

    __slots__ = ("id", "name", "kind", "address", *_OPTIONAL)

    id: str
    name: dict[str, str]
    kind: str
    address: str
    also: list[str]
    url: str | None
    hours: dict[str, str]
    who: dict[str, str]
    response: dict[str, str]
    notes: dict[str, list[str]]
    how: list[StepSet]
    min_tier: str | None
    only_for: list[str]
    best_for: list[str]
    escalate_after_days: int | None
    priority: int
    subject: dict[str, str]
    source: str
    seed_ref: str
    added: list[str]
    sources: list[str]
    overridden: list[str]

    def __init__(self, id: str, name: dict[str, str], kind: str, address: str,
                 **optional: Any) -> None:
        unknown = sorted(set(optional) - set(_OPTIONAL))
        if unknown:
            raise TypeError(f"Channel has no field '{unknown[0]}'")
        self.id, self.name, self.kind, self.address = id, name, kind, address
        for key, default in _OPTIONAL.items():
            setattr(self, key, optional[key] if key in optional else default())

    def eligible(self, tier: str | None) -> bool:
        """May a member of ``tier`` use it?  An unknown tier is not turned away."""
        if self.min_tier is None or tier is None:
            return True
        return TIERS.index(tier) >= TIERS.index(self.min_tier)

    def tiers(self) -> list[str]:
        """The membership tiers allowed to use this channel."""
        return [t for t in TIERS if self.eligible(t)]

    def steps_for(self, platform: str | None) -> list[StepSet]:
        """The step sets to show: all of them, or those for ``platform``."""
        return [s for s in self.how if s.applies_to(platform)]


def pick(value: dict[str, Any], lang: str, default: Any = "") -> Any:
    """A localized value in ``lang``, else the language-neutral one, else English."""
    for key in (lang, ANY_LANG, "en", *LANGS):
        if key in value:
            return value[key]
    return default


# --- parsing and validation -------------------------------------------------

def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("expected a non-empty string"))
    return value.strip()


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(_("expected a list of strings"))
    return [v.strip() for v in value if v.strip()]


def _localized(value: Any, parse: Callable[[Any], Any]) -> dict[str, Any]:
    """A plain value (any language) or a table keyed by language."""
    if not isinstance(value, dict):
        return {ANY_LANG: parse(value)}
    unknown = sorted(set(value) - set(LANGS))
    if unknown:
        raise ValueError(_("unknown language '{lang}' (use {choices})").format(
            lang=unknown[0], choices=", ".join(LANGS)))
    return {lang: parse(text) for lang, text in value.items()}


def _text(value: Any) -> dict[str, str]:
    return _localized(value, _string)


def _text_list(value: Any) -> dict[str, list[str]]:
    return _localized(value, _strings)


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(_("must be one of {choices}").format(choices=", ".join(choices)))
        return value
    return parse


def _platforms(value: Any) -> list[str]:
    platforms = _strings(value)
    bad = [p for p in platforms if p not in PLATFORMS]
    if bad:
        raise ValueError(_("unknown platform '{platform}' (use {choices})").format(
            platform=bad[0], choices=", ".join(PLATFORMS)))
    return platforms


def _step_set(value: Any) -> StepSet:
    if not isinstance(value, dict) or set(value) - {"platforms", "steps", *LANGS}:
        raise ValueError(_("each step set is a table with 'platforms' and 'steps' or 'id'/'en'"))
    steps = {lang: _strings(value[lang]) for lang in LANGS if lang in value}
    if "steps" in value:
        steps[ANY_LANG] = _strings(value["steps"])
    if not steps:
        raise ValueError(_("a step set needs 'steps' (or 'id'/'en' lists)"))
    return StepSet(_platforms(value.get("platforms", [])), steps)


def _how(value: Any) -> list[StepSet]:
    if not isinstance(value, list):
        raise ValueError(_("expected a list of step sets"))
    return [_step_set(item) for item in value]


def _has_blank_or_control(text: str) -> bool:
    return any(c.isspace() or not c.isprintable() for c in text)


def _url(value: Any) -> str:
    url = _string(value)
    if not url.startswith(("https://", "http://")) or _has_blank_or_control(url):
        raise ValueError(_("expected an http:// or https:// address without spaces"))
    return url


def _urls(value: Any) -> list[str]:
    """Provenance pages: a list of web addresses (a channel not taken from the seed)."""
    if not isinstance(value, list):
        raise ValueError(_("expected a list of http:// or https:// addresses"))
    return [_url(item) for item in value]


def _days(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(_("expected a whole number of days, 0 or more"))
    return value


def _priority(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(_("expected a whole number (lower is recommended first)"))
    return value


FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": _text, "kind": _one_of(KINDS), "address": _string, "also": _strings,
    "url": _url, "hours": _text, "who": _text, "response": _text, "notes": _text_list,
    "how": _how, "min_tier": _one_of(TIERS), "only_for": _strings, "best_for": _strings,
    "escalate_after_days": _days, "priority": _priority, "subject": _text,
    "source": _one_of(("seed", "added", "config")), "seed_ref": _string, "added": _strings,
    "sources": _urls,
}
REQUIRED = ("name", "kind", "address")

Fail = Callable[[str, str], ConfigError]


def _build(channel_id: str, raw: dict[str, Any], fail: Fail) -> Channel:
    """A validated Channel from one merged table; ``fail`` names the file and key."""
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise fail(unknown[0], _("unknown key (known: {keys})").format(keys=", ".join(FIELDS)))
    missing = [key for key in REQUIRED if key not in raw]
    if missing:
        raise fail(missing[0], _("is required for a new channel"))
    values = {}
    for key, value in raw.items():
        try:
            values[key] = FIELDS[key](value)
        except ValueError as exc:
            raise fail(key, str(exc)) from None
    channel = Channel(id=channel_id, **values)
    _check_address(channel, fail)
    return channel


def _check_address(channel: Channel, fail: Fail) -> None:
    """Phone and e-mail links are built from the address, so it must fit the kind."""
    if channel.kind == "phone" and not re.search(r"\d", channel.address):
        raise fail("address", _("a phone channel needs a number"))
    if channel.kind == "email" and (not _EMAIL.fullmatch(channel.address)
                                    or _has_blank_or_control(channel.address)):
        raise fail("address", _("an e-mail channel needs an address like name@example.com"))


def _read_bundled() -> dict[str, Any]:
    """The shipped channel tables, in file order.

    Importing tomllib and parsing the file cost every ``contact`` run about 37M
    instructions (an eighth of it), so the parsed tables are kept in the cache dir for
    the next run, and used only while they are of this very file (its path, size and
    mtime) read by this Python; anything else, a corrupt cache included, is parsed again
    and rewritten.  Reading the cache costs well under 1M.
    """
    key = _bundled_key()
    tables = _cached_tables(key)
    if tables is None:
        tables = _parse_bundled()
        _cache_tables(key, tables)
    return tables


CACHE_FILE = "channels.marshal"  # in config.cache_dir(), beside the search index
CACHE_FORMAT = 1


def _bundled_key() -> tuple[Any, ...]:
    """What the cached tables must have been made from (marshal's format is per Python)."""
    stat = DATA_FILE.stat()
    return CACHE_FORMAT, sys.hexversion, str(DATA_FILE), stat.st_size, stat.st_mtime_ns


def _cache_path() -> Path:
    """Beside the search index: deleting the cache dir is always safe."""
    from tokohelp.config import cache_dir

    return cache_dir() / CACHE_FILE


def _cached_tables(key: tuple[Any, ...]) -> dict[str, Any] | None:
    """The cached tables when they were made from ``key``; None when missing, stale or
    broken in any way (every table is then built and checked as if just parsed)."""
    import marshal

    try:
        made_from, tables = marshal.loads(_cache_path().read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if made_from != key or not isinstance(tables, dict) \
            or not all(isinstance(table, dict) for table in tables.values()):
        return None
    return tables


def _cache_tables(key: tuple[Any, ...], tables: dict[str, Any]) -> None:
    """Write the cache atomically (a reader never sees half of it); a cache dir that cannot
    be written only means the next run parses the file again."""
    import marshal

    path = _cache_path()
    temp = path.with_name(f"{CACHE_FILE}.{os.getpid()}.tmp")
    try:
        data = marshal.dumps((key, tables))
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(data)
        os.replace(temp, path)
    except (OSError, ValueError):  # ValueError: a value marshal cannot write
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def _parse_bundled() -> dict[str, Any]:
    """The shipped channel tables read from the TOML file itself."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    with DATA_FILE.open("rb") as handle:
        return tomllib.load(handle)["channels"]


def _bundled_fail(channel_id: str) -> Fail:
    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(
            _("{file}: channel '{channel}' key '{key}': {problem}").format(
                file=DATA_FILE, channel=channel_id, key=key, problem=problem),
            _("The bundled channel data is broken; reinstall tokohelp."))
    return fail


def _config_fail(cfg: Config, channel_id: str) -> Fail:
    def fail(key: str, problem: str) -> ConfigError:
        return cfg.fail(f"channels.{channel_id}.{key}", problem)
    return fail


def _overrides(cfg: Config) -> dict[str, dict[str, Any]]:
    """The user's ``[channels.<id>]`` tables, checked for shape."""
    tables = cfg.get("channels", {}, kind=dict)
    for channel_id, table in tables.items():
        if not _ID.fullmatch(channel_id):
            raise cfg.fail(f"channels.{channel_id}",
                           _("channel ids use lowercase letters, digits and '-'"))
        if not isinstance(table, dict):
            raise cfg.fail(f"channels.{channel_id}", _("expected a table of channel fields"))
    return tables


def load_channels(config: Config | None = None) -> list[Channel]:
    """Bundled channels with the user's overrides merged in; new ones come last."""
    cfg = config if config is not None else load_config()
    bundled = _read_bundled()
    channels = {cid: _build(cid, raw, _bundled_fail(cid)) for cid, raw in bundled.items()}
    for cid, table in _overrides(cfg).items():
        channel = _build(cid, {**bundled.get(cid, {}), **table}, _config_fail(cfg, cid))
        channel.overridden = sorted(table) if cid in bundled else []
        channels[cid] = channel
    return list(channels.values())


# --- looking things up ------------------------------------------------------

def get_channel(channel_id: str, channels: list[Channel]) -> Channel:
    """The channel ``channel_id``; a NotFoundError lists the valid ids."""
    wanted = channel_id.strip().lower()
    for channel in channels:
        if channel.id == wanted:
            return channel
    raise NotFoundError(_("unknown channel '{channel}'").format(channel=channel_id),
                        _("Valid ids: {ids}.").format(ids=", ".join(c.id for c in channels)))


def list_channels(tier: str | None = None, channels: list[Channel] | None = None) -> list[Channel]:
    """Every channel, or only those a member of ``tier`` may use."""
    channels = channels if channels is not None else load_channels()
    return [c for c in channels if c.eligible(check_tier(tier))]


def check_tier(tier: str | None) -> str | None:
    """Validate a membership tier name."""
    if tier is not None and tier not in TIERS:
        raise UsageError(_("unknown tier '{tier}'").format(tier=tier),
                         _("Use one of: {choices}.").format(choices=", ".join(TIERS)))
    return tier


class Card:
    """One channel with the steps for the chosen platform (None: every platform)."""

    __slots__ = ("channel", "platform", "steps")

    def __init__(self, channel: Channel, platform: str | None, steps: list[StepSet]) -> None:
        self.channel, self.platform, self.steps = channel, platform, steps


def card(channel_id: str, platform: str | None = None,
         channels: list[Channel] | None = None) -> Card:
    """The full card of one channel."""
    if platform is not None and platform not in PLATFORMS:
        raise UsageError(_("unknown platform '{platform}'").format(platform=platform),
                         _("Use one of: {choices}.").format(choices=", ".join(PLATFORMS)))
    channel = get_channel(channel_id, channels if channels is not None else load_channels())
    return Card(channel, platform, channel.steps_for(platform))


# --- recommending -----------------------------------------------------------

REASONS = {
    "escalate": {
        "en": "No answer or no solution for {days} days: open the complaint in Pusat Resolusi "
              "and press Minta Bantuan so Tokopedia steps in.",
        "id": "Sudah {days} hari tanpa jawaban atau solusi: buka komplain di Pusat Resolusi "
              "lalu tekan Minta Bantuan agar Tokopedia menengahi.",
    },
    "wait": {
        "en": "Only {days} of {limit} days so far: keep talking with the seller in the "
              "complaint or the seller chat first; press Minta Bantuan once {limit} days pass "
              "without an answer or a solution.",
        "id": "Baru {days} dari {limit} hari: bicarakan dulu dengan penjual di komplain atau "
              "lewat chat penjual; tekan Minta Bantuan bila {limit} hari berlalu tanpa jawaban "
              "atau solusi.",
    },
    "complaint": {
        "en": "For a complaint between buyer and seller: discuss it here; after {limit} days "
              "without an answer or a solution press Minta Bantuan.",
        "id": "Untuk komplain antara pembeli dan penjual: bahas di sini; bila {limit} hari "
              "tanpa jawaban atau solusi, tekan Minta Bantuan.",
    },
    "only": {"en": "Meant for {category} problems.", "id": "Khusus untuk urusan {category}."},
    "best": {"en": "Suited to {category} questions.", "id": "Cocok untuk urusan {category}."},
    "general": {"en": "Takes any Tokopedia question.",
                "id": "Melayani semua pertanyaan seputar Tokopedia."},
    "tier": {"en": "For {tier} members and above.", "id": "Untuk anggota {tier} ke atas."},
    "seed_tier": {"en": "For {tier} members and above, as the seed article (about 2020) describes.",
                  "id": "Untuk anggota {tier} ke atas, menurut artikel sumber (sekitar 2020)."},
    "gated": {"en": "{gated}: for {tier} members and above.",
              "id": "{gated}: untuk anggota {tier} ke atas."},
    "seed_gated": {"en": "{gated}: for {tier} members and above, as the seed article (about 2020) "
                         "describes.",
                   "id": "{gated}: untuk anggota {tier} ke atas, menurut artikel sumber "
                         "(sekitar 2020)."},
    "chat_open": {"en": "Chat is open to every member through {chat}: "
                        "tokohelp contact --channel {chat_id}",
                  "id": "Chat tetap terbuka untuk semua anggota lewat {chat}: "
                        "tokohelp contact --channel {chat_id}"},
    "others_open": {"en": "The channels above are open to you.",
                    "id": "Jalur di atas terbuka untuk kamu."},
}


class Recommendation:
    """A channel to try, its place in the order and why (``action``: a key of REASONS)."""

    __slots__ = ("action", "channel", "rank", "reason")

    def __init__(self, rank: int, channel: Channel, action: str, reason: str) -> None:
        self.rank, self.channel, self.action, self.reason = rank, channel, action, reason


class Advice:
    """Channels for one problem, best first, and what the topic was understood as."""

    __slots__ = ("category", "category_names", "matched", "not_eligible", "note", "picks",
                 "tier", "topic", "waited_days")

    def __init__(self, topic: str | None, category: str | None, matched: str | None,
                 tier: str | None, waited_days: int | None, picks: list[Recommendation],
                 not_eligible: list[Channel], note: str = "") -> None:
        self.topic, self.category, self.matched = topic, category, matched
        self.tier, self.waited_days = tier, waited_days
        self.picks, self.not_eligible, self.note = picks, not_eligible, note
        self.category_names: dict[str, str] = {}


def topic_category(topic: str, lang: str, known: Iterable[str]
                   ) -> tuple[str | None, str | None]:
    """A category id as given (one of ``known``), else the best search hit's (and its slug)."""
    from tokohelp import catalog

    text = " ".join(topic.split())
    if text.lower() in known:
        return text.lower(), None
    hits = catalog.search(text, lang, limit=3).hits
    return (hits[0].category, hits[0].slug) if hits else (None, None)


def _action(channel: Channel, category: str | None, waited: int | None) -> str | None:
    """How a channel fits the problem (a key of REASONS), or None when it does not."""
    if not channel.only_for:
        return "best" if category in channel.best_for else "general"
    rule = channel.escalate_after_days
    waiting_complaint = category is None and waited is not None and rule is not None
    if category not in channel.only_for and not waiting_complaint:
        return None
    if rule is None:
        return "only"
    if waited is None:
        return "complaint"
    return "escalate" if waited >= rule else "wait"


_GROUP = {"escalate": 0, "wait": 0, "complaint": 0, "only": 0, "best": 1, "general": 2}


def _category_names(lang: str, categories: list[Category] | None) -> dict[str, str]:
    """Category id -> name in ``lang``, from the run's categories when given (read once)."""
    if categories is None:
        from tokohelp.articles import load_categories
        from tokohelp.config import article_dirs

        categories = load_categories(article_dirs())
    return {c.id: c.name(lang) for c in categories}


def _reason(channel: Channel, action: str, advice: Advice, lang: str) -> str:
    """The sentence that says why, plus the tier limit and what to expect."""
    fields = {"days": advice.waited_days, "limit": channel.escalate_after_days,
              "category": advice.category_names.get(advice.category or "",
                                                    advice.category or ""),
              "tier": (channel.min_tier or "").capitalize()}
    parts = [pick(REASONS[action], lang).format(**fields)]
    if channel.min_tier and advice.tier is None:
        rule = "seed_tier" if channel.source == "seed" else "tier"
        parts.append(pick(REASONS[rule], lang).format(**fields))
    response = pick(channel.response, lang) if action != "wait" else ""
    if response:
        parts.append(response + ".")
    return " ".join(parts)


def recommend(topic: str | None, tier: str | None = None, *, waited_days: int | None = None,
              lang: str = "en", channels: list[Channel] | None = None,
              categories: list[Category] | None = None) -> Advice:
    """Channels for a problem, best first, each with a reason.

    ``topic`` is a category id or free text (searched like ``tokohelp search``);
    ``waited_days`` applies the 3-day rule of the Resolution Center: a complaint
    without answer or solution that long goes to "Minta Bantuan" first.
    """
    channels = channels if channels is not None else load_channels()
    names = _category_names(lang, categories)
    category, matched = topic_category(topic, lang, names) if topic else (None, None)
    advice = Advice(topic, category, matched, check_tier(tier), waited_days, [], [])
    advice.category_names = names
    fitting = []
    for channel in channels:
        action = _action(channel, category, waited_days)
        if action is None:
            continue
        if not channel.eligible(tier):
            advice.not_eligible.append(channel)
            continue
        fitting.append((_GROUP[action], channel.priority, action, channel))
    fitting.sort(key=lambda item: item[:2])
    advice.picks = [Recommendation(rank, ch, act, _reason(ch, act, advice, lang))
                    for rank, (_, _, act, ch) in enumerate(fitting, start=1)]
    advice.note = _gated_note(advice, lang)
    return advice


def open_chat(channels: list[Channel], tier: str | None) -> Channel | None:
    """The chat channel a member of ``tier`` may use, best first (Tokopedia Care)."""
    chats = [c for c in channels if c.kind == "chat" and c.eligible(tier) and not c.only_for]
    return min(chats, key=lambda c: c.priority, default=None)


def _gated_note(advice: Advice, lang: str) -> str:
    """For a member below a tier gate: which chat is open to them, never "chat is closed"."""
    if not advice.not_eligible:
        return ""
    parts = [_gate_sentence([c for c in advice.not_eligible if c.source == "seed"], "seed_gated",
                            lang),
             _gate_sentence([c for c in advice.not_eligible if c.source != "seed"], "gated", lang)]
    chat = open_chat([r.channel for r in advice.picks], advice.tier)
    if chat is None:
        parts.append(pick(REASONS["others_open"], lang))
    else:
        parts.append(pick(REASONS["chat_open"], lang).format(chat=pick(chat.name, lang),
                                                             chat_id=chat.id))
    return " ".join(part for part in parts if part)


def _gate_sentence(gated: list[Channel], key: str, lang: str) -> str:
    """One sentence naming channels closed to the member's tier and the lowest tier they need."""
    if not gated:
        return ""
    lowest = min((c.min_tier or TIERS[0] for c in gated), key=TIERS.index)
    return pick(REASONS[key], lang).format(gated=", ".join(pick(c.name, lang) for c in gated),
                                           tier=lowest.capitalize())


# --- opening ----------------------------------------------------------------

def international(digits: str) -> str:
    """An Indonesian number in the form a phone dials from anywhere: 021... -> +6221..."""
    return "+62" + digits[1:] if digits.startswith("0") else digits


def link_for(channel: Channel, lang: str, topic: str | None = None) -> str:
    """``tel:`` digits, a ``mailto:`` with a subject, or the channel's web address."""
    from urllib.parse import quote

    if channel.kind == "phone":
        return "tel:" + international(re.sub(r"[^\d+]", "", channel.address))
    if channel.kind == "email":
        subject = " ".join((topic or "").split()) or pick(channel.subject, lang) or "Tokopedia"
        return f"mailto:{channel.address}?subject={quote(subject)}"
    if channel.url:
        return channel.url
    raise NotFoundError(_("channel '{channel}' has no link to open").format(channel=channel.id),
                        _("Follow its steps: tokohelp contact --channel {channel}").format(
                            channel=channel.id))


def channel_to_open(channels: list[Channel], channel_id: str | None,
                    picks: list[Recommendation]) -> Channel:
    """Which channel ``--open`` opens: the one named, else the best recommendation."""
    if channel_id:
        return get_channel(channel_id, channels)
    if not picks:
        raise NoMatchError(_("no channel fits"), _("Run 'tokohelp contact' to see them all."))
    return picks[0].channel


WINDOWS_START = "start"  # the Windows shell's default handler, run through os.startfile


class Opened:
    """What happened to a link: launched, or not (then ``problem`` says why)."""

    __slots__ = ("link", "opened", "problem")

    def __init__(self, link: str, opened: bool, problem: str = "") -> None:
        self.link, self.opened, self.problem = link, opened, problem

    def __eq__(self, other: object) -> bool:
        """Equal when the link, the outcome and the problem are (tests compare outcomes)."""
        if not isinstance(other, Opened):
            return NotImplemented
        return (self.link, self.opened, self.problem) == (other.link, other.opened,
                                                          other.problem)

    def __repr__(self) -> str:
        return f"Opened({self.link!r}, {self.opened!r}, {self.problem!r})"


def opener_command() -> list[str] | None:
    """TOKOHELP_OPENER, else the platform opener; None when nothing can show a link."""
    import shlex
    import shutil

    custom = os.environ.get("TOKOHELP_OPENER", "").strip()
    if custom:
        return shlex.split(custom)
    if sys.platform == "win32":
        return [WINDOWS_START]
    if sys.platform == "darwin":
        return None if os.environ.get("SSH_CONNECTION") else ["open"]
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None
    found = shutil.which("xdg-open")
    return [found] if found else None


def open_link(link: str) -> Opened:
    """Hand ``link`` to the opener; a missing or failing opener is reported, not raised."""
    command = opener_command()
    if command is None:
        return Opened(link, False, _("no program to open links here"))
    problem = _launch(command, link)
    return Opened(link, not problem, problem)


def _launch(command: list[str], link: str) -> str:
    """Run the opener with the link as its last argument; return what went wrong, or ''."""
    import subprocess

    try:
        if command == [WINDOWS_START]:
            os.startfile(link)  # type: ignore[attr-defined]  # exists on Windows only
            return ""
        done = subprocess.run([*command, link], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _("cannot run {program}: {reason}").format(program=command[0], reason=exc)
    if done.returncode:
        return _("{program} exited with status {code}").format(program=command[0],
                                                            code=done.returncode)
    return ""
