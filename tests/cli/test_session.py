"""The per-run Session, the one renderer and the one exit-status mapping."""

from __future__ import annotations

import io
import json

import pytest
import typer
from typer.testing import CliRunner

from tests.cli.counting import count_opens
from tests.helpers import make_library
from tokohelp.cli import app, take_flag, take_lang
from tokohelp.cli.render import exit_status, fail
from tokohelp.errors import ConfigError, ExitStatus, NotFoundError
from tokohelp.i18n import activate, active_lang
from tokohelp.session import Session

runner = CliRunner()


@pytest.fixture
def library(tmp_path, monkeypatch):
    root = make_library(tmp_path / "lib")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    return root


def write_config(home, text: str) -> None:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(("args", "lang", "rest"), [
    (["--lang", "id", "search", "x"], "id", ["search", "x"]),
    (["search", "x", "--lang", "id"], "id", ["search", "x"]),
    (["search", "--lang=en", "x"], "en", ["search", "x"]),
    (["-l", "id", "show", "a"], "id", ["show", "a"]),
    (["search", "--", "--lang", "id"], None, ["search", "--", "--lang", "id"]),
    (["search", "--lang"], None, ["search", "--lang"]),
])
def test_take_lang_finds_the_option_anywhere_before_double_dash(args, lang, rest):
    assert take_lang(args) == (lang, rest)


@pytest.mark.parametrize(("args", "found", "rest"), [
    (["--no-pager", "show", "a"], True, ["show", "a"]),
    (["show", "a", "--no-pager"], True, ["show", "a"]),
    (["docs", "--no-pager", "tickets"], True, ["docs", "tickets"]),
    (["search", "--", "--no-pager"], False, ["search", "--", "--no-pager"]),
    (["show", "a"], False, ["show", "a"]),
])
def test_take_flag_finds_no_pager_anywhere_before_double_dash(args, found, rest):
    assert take_flag(args, "--no-pager") == (found, rest)


@pytest.mark.parametrize("args", [["--no-pager", "show", "money-back"],
                                  ["show", "money-back", "--no-pager"]])
def test_no_pager_before_or_after_the_command_reaches_the_session(library, args):
    session = Session()
    result = runner.invoke(app, args, obj=session)
    assert result.exit_code == 0, result.output
    assert session.no_pager


def test_lang_after_the_command_picks_the_article_language(library):
    result = runner.invoke(app, ["show", "money-back", "--json", "--lang", "id"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["lang"] == "id"


def test_a_given_session_is_the_one_used(library):
    out = io.StringIO()
    session = Session(stdout=out, lang="en")
    result = runner.invoke(app, ["categories", "--json"], obj=session)
    assert result.exit_code == 0 and result.stdout == ""
    assert [c["id"] for c in json.loads(out.getvalue())] == ["refund", "shipping"]
    assert session.opened["index"] == 1


def test_session_reads_the_config_once_and_keeps_a_broken_one_as_its_error(isolated_home):
    write_config(isolated_home, "lang = [\n")
    session = Session(stderr=io.StringIO())
    for _ in range(3):
        with pytest.raises(ConfigError, match="invalid TOML"):
            _ = session.config
    assert session.opened["config"] == 1


def test_a_broken_config_is_worded_again_in_the_language_it_did_not_decide(isolated_home):
    write_config(isolated_home, "lang = [\n")
    session = Session(lang="id", stderr=io.StringIO())
    assert session.lang == "id" and session.stderr.getvalue() == ""
    previous = active_lang()
    activate("id")
    try:
        assert session.article_lang == "id"
        assert "TOML tidak valid" in session.stderr.getvalue()
        with pytest.raises(ConfigError, match="TOML tidak valid"):
            _ = session.config
    finally:
        activate(previous)
    assert session.opened["config"] == 2


@pytest.mark.parametrize(("env", "lang"), [
    ({"LC_ALL": "id_ID.UTF-8"}, "id"), ({"LC_MESSAGES": "id_ID"}, "id"),
    ({"LANG": "id_ID.UTF-8"}, "id"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LC_ALL": "C", "LANG": "id_ID.UTF-8"}, "en"), ({"LANG": "in_ID"}, "id"),
])
def test_locale_decides_when_nothing_else_does(monkeypatch, env, lang):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Session().lang == lang


def test_article_language_can_differ_from_the_interface(isolated_home, monkeypatch):
    write_config(isolated_home, 'lang = "id"\narticle_lang = "en"\n')
    session = Session()
    assert (session.lang, session.article_lang) == ("id", "en")
    assert Session(lang="en").article_lang == "en"


def test_no_match_exits_1_only_in_the_human_view():
    class Empty:
        no_match = True

    assert exit_status(Empty(), json_out=False) is ExitStatus.NO_MATCH
    assert exit_status(Empty(), json_out=True) is ExitStatus.OK
    assert exit_status(object(), json_out=False) is ExitStatus.OK


def test_fail_maps_errors_and_abort_to_their_own_statuses():
    session = Session(stderr=io.StringIO())
    assert fail(session, NotFoundError("no article 'x'", "Try list."), loud=False) == 3
    assert fail(session, typer.Abort(), loud=False) == ExitStatus.ABORTED != ExitStatus.NO_MATCH
    assert fail(session, RuntimeError("boom"), loud=False) == ExitStatus.INTERNAL
    lines = session.stderr.getvalue().splitlines()
    assert lines[0] == "tokohelp: error: no article 'x'" and lines[1] == "Try list."
    assert "internal error: RuntimeError" in lines[-2] and "boom" not in session.stderr.getvalue()
    with pytest.raises(RuntimeError):
        fail(session, RuntimeError("boom"), loud=True)


@pytest.mark.parametrize("args", [
    ["show", "money-back"],
    ["search", "refund"],
    ["search", "qqqqzzzz"],
    ["search", "refund", "--json"],
    ["list"],
    ["categories"],
    ["contact", "--for", "refund", "money"],
    ["contact", "--for", "qqqqzzzz"],
    ["contact", "--channel", "email", "--open", "--for", "refund"],
])
def test_one_run_reads_the_config_once_and_opens_the_index_at_most_once(library, monkeypatch, args,
                                                                isolated_home):
    write_config(isolated_home, 'lang = "en"\n')
    assert runner.invoke(app, ["index"]).exit_code == 0  # warm the index first
    counts = count_opens(monkeypatch)
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    assert counts["config"] == 1 and counts["index"] <= 1 and counts["store"] == 0, counts


@pytest.mark.parametrize("given", ["shipping", "SHIPPING", "Pengiriman", "pengiriman ",
                                   "Shipping", "2"])
def test_a_category_is_found_by_id_either_name_or_number(library, given):
    result = runner.invoke(app, ["list", "--category", given, "--json"])
    assert result.exit_code == 0, result.output
    assert [i["slug"] for i in json.loads(result.stdout)] == ["parcel-late"]


@pytest.mark.parametrize("given", ["0", "3", "kiriman", ""])
def test_an_unknown_category_lists_the_ids(library, given):
    result = runner.invoke(app, ["search", "parcel", "--category", given])
    assert result.exit_code == 3
    assert "refund, shipping" in result.stderr


def test_categories_are_numbered_as_the_category_option_reads_them(library):
    out = runner.invoke(app, ["categories"]).stdout
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [row[:2] for row in rows] == [["1", "refund"], ["2", "shipping"]]


@pytest.mark.parametrize("given", ["email", "EMAIL", "Email", "3"])
def test_a_channel_is_found_by_id_name_or_number(given):
    table = runner.invoke(app, ["contact"]).stdout
    assert " 3   Email" in table
    result = runner.invoke(app, ["contact", "--channel", given, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "email"


def test_an_unknown_channel_number_is_not_found():
    result = runner.invoke(app, ["contact", "--channel", "99"])
    assert result.exit_code == 3 and "unknown channel '99'" in result.stderr


def test_store_and_backends_are_opened_once_per_session(isolated_home):
    session = Session()
    assert session.store is session.store
    assert session.backend() is None and session.backend() is None
    assert (session.opened["store"], session.opened["backend"]) == (1, 1)
    session.close()
    assert "store" not in session.__dict__


def test_a_missing_article_folder_is_warned_about(monkeypatch, tmp_path):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["search", "refund"])
    assert f"article folder {tmp_path / 'nowhere'} does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_ticket_list_mentions_a_broken_config(isolated_home):
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[backends.x\n", encoding="utf-8")
    result = runner.invoke(app, ["ticket", "list"])
    assert result.exit_code == 0
    assert "invalid TOML" in result.stderr


def test_search_without_words_is_a_usage_error():
    result = runner.invoke(app, ["search"])
    assert result.exit_code == 2 and "give the words to search for" in result.stderr


def test_config_mistakes_are_named(isolated_home):
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('default_backend = "desk"\n', encoding="utf-8")
    check = runner.invoke(app, ["config", "check"])
    assert check.exit_code == 4 and "no [backends.desk] table" in check.stderr
    path.write_text('defualt_backend = "desk"\n', encoding="utf-8")
    assert "did you mean 'default_backend'?" in runner.invoke(app, ["config", "check"]).stderr
    path.write_text('[backends.m]\ntype = "email"\nhost = "127.0.0.1"\nfrom = "a@b.example"\n'
                    'to = "c@d.example"\nsecurity = "none"\ntimout = 3\n', encoding="utf-8")
    assert "did you mean 'timeout'?" in runner.invoke(app, ["config", "check"]).output
    path.write_text("[backends]\n", encoding="utf-8")
    assert "[backends]" not in runner.invoke(app, ["config", "show"]).stdout
    path.write_text("[backends.x\n", encoding="utf-8")
    broken = runner.invoke(app, ["config", "check"])
    assert "Fix that line" in broken.stderr and "init --force" not in broken.stderr


def test_channel_card_title_names_id_and_kind_once():
    out = runner.invoke(app, ["--lang", "en", "contact", "--channel", "email"]).stdout
    assert out.splitlines()[0].strip() == "Email (email)"


def test_rebuilding_a_big_library_shows_progress_on_a_terminal(tmp_path, monkeypatch):
    import io

    from tokohelp import index
    from tokohelp import session as session_module
    from tokohelp.session import Session

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    root = make_library(tmp_path / "big")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    monkeypatch.setattr(session_module, "BIG_LIBRARY", 1)
    monkeypatch.setattr(index, "PROGRESS_EVERY", 1)
    err = Terminal()
    Session(stderr=err, stdout=io.StringIO()).open_index(rebuild=True)
    assert "Building the search index" in err.getvalue()
    quiet = io.StringIO()  # not a terminal: no bar
    Session(stderr=quiet, stdout=io.StringIO()).open_index(rebuild=True)
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("args", [["contact"], ["categories"], ["list"]])
def test_piped_tables_end_lines_without_padding(args):
    out = runner.invoke(app, ["--lang", "en", *args]).stdout
    assert out.strip() and [line for line in out.splitlines() if line.endswith(" ")] == []
