"""Property tests: arbitrary input never raises anything but our own error type."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokohelp.articles import parse_article
from tokohelp.config import Config, load_config
from tokohelp.errors import BadInputError, ConfigError, TokohelpError
from tokohelp.ranking import parse_query
from tokohelp.safe import inert, strip_control

front_matter = st.builds(
    lambda head, body: f"+++\n{head}\n+++\n{body}",
    st.text(max_size=300), st.text(max_size=300),
)
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(st.one_of(st.text(max_size=600), front_matter))
def test_front_matter_parser_only_raises_bad_input(text):
    try:
        article = parse_article(text, Path("x.md"), ["refund"])
    except BadInputError:
        return
    assert article.slug and article.lang in {"id", "en"}


@SETTINGS
@given(st.text(max_size=2000))
def test_query_parser_always_builds_a_safe_expression(text):
    db = sqlite3.connect(":memory:")
    db.executescript("CREATE TABLE words(word TEXT PRIMARY KEY, langs INTEGER);"
                     "INSERT INTO words VALUES ('refund', 3);"
                     "CREATE VIRTUAL TABLE fts USING fts5(a);")
    expression = parse_query(db, text).match_expression()
    if expression:
        db.execute("SELECT * FROM fts WHERE fts MATCH ?", (expression,)).fetchall()


@SETTINGS
@given(st.binary(max_size=400))
def test_config_loader_only_raises_config_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_bytes(data)
    try:
        config = load_config(path)
    except ConfigError:
        return
    assert isinstance(config, Config)
    try:
        config.get("lang", kind=str)
        config.get("backends.desk.url", kind=str)
    except ConfigError as exc:
        assert str(path) in exc.message


@SETTINGS
@given(st.text(max_size=300))
def test_inert_text_has_no_escape_or_control_characters(text):
    cleaned = strip_control(text)
    controls = [ch for ch in cleaned
                if (ord(ch) < 0x20 and ch not in "\t\n") or 0x7F <= ord(ch) <= 0x9F]
    assert controls == []
    from rich.text import Text

    assert Text.from_markup(f"[bold]{inert(text)}[/bold]").plain == cleaned


def test_our_errors_share_one_base():
    assert issubclass(BadInputError, TokohelpError) and issubclass(ConfigError, TokohelpError)
