"""``tokohelp search`` through CliRunner: confident hits, the no-fit view, language hints."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.helpers import make_library, write_article
from tokohelp.cli import app

runner = CliRunner()
OUT_OF_SCOPE = "weather forecast jakarta tomorrow rain"


def run(*args: str, **kw):
    return runner.invoke(app, list(args), **kw)


@pytest.fixture
def library(tmp_path, monkeypatch):
    root = make_library(tmp_path / "lib")
    write_article(root, "parcel-late", "id", title="Paket terlambat", category="shipping",
                  body="Lacak kurir dengan nomor resi.")
    # "forecast" is the only word of the out-of-scope query that any article uses
    write_article(root, "delivery-estimate", title="Delivery date estimate", category="shipping",
                  body="The forecast of the courier is only an estimate.")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    return root


def test_confident_result_exits_0_and_lists_hits(library):
    result = run("--lang", "en", "search", "parcel", "is", "late")
    assert result.exit_code == 0
    assert result.stdout.startswith("1. Parcel is late")
    assert "No article seems to fit" not in result.stdout


def test_weak_matches_get_the_no_fit_view_and_exit_1(library):
    result = run("--lang", "en", "search", *OUT_OF_SCOPE.split())
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "No article seems to fit."
    assert "delivery-estimate" in result.stdout  # the weak match, under the heading
    assert f"tokohelp contact --for '{OUT_OF_SCOPE}'" in result.stdout
    assert "tokohelp ticket new" in result.stdout
    assert "Read one:" not in result.stdout
    assert "Traceback" not in result.output


def test_no_fit_view_shows_at_most_three_weak_matches(library):
    for n in range(5):
        write_article(library, f"forecast-{n}", title=f"Note {n}", body="forecast forecast")
    result = run("--lang", "en", "search", *OUT_OF_SCOPE.split())
    assert result.exit_code == 1
    numbered = [line for line in result.stdout.splitlines() if line[:2] in {"1.", "2.", "3.",
                                                                          "4.", "5."}]
    assert len(numbered) == 3


def test_json_marks_each_hit_and_exits_0_either_way(library):
    weak = run("--lang", "en", "search", *OUT_OF_SCOPE.split(), "--json")
    strong = run("--lang", "en", "search", "parcel", "late", "--json")
    assert weak.exit_code == strong.exit_code == 0
    assert [h["confident"] for h in json.loads(weak.stdout)] == [False]
    assert json.loads(strong.stdout)[0]["confident"] is True


def test_nothing_at_all_offers_a_person_too(library):
    result = run("--lang", "en", "search", "qqqq", "wwww")
    assert result.exit_code == 1
    assert "No article matches" in result.stderr
    assert "tokohelp contact --for 'qqqq wwww'" in result.stderr


def test_query_language_picks_the_version_without_lang(library, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    result = run("search", "paket", "saya", "terlambat", "--json")
    assert json.loads(result.stdout)[0]["lang"] == "id"


def test_explicit_lang_wins_and_the_other_language_is_offered(library):
    result = run("--lang", "en", "search", "paket", "saya", "terlambat")
    assert result.exit_code == 0
    assert result.stdout.startswith("1. Parcel is late")
    assert "In Indonesian: tokohelp --lang id search 'paket saya terlambat'" in result.stderr


def test_hostile_query_in_the_offer_is_quoted_and_inert(library):
    query = "forecast $(rm -rf ~) \x1b[31m weather"
    result = run("--lang", "en", "search", query)
    assert "\x1b" not in result.stdout
    assert "tokohelp contact --for '" in result.stdout


def test_long_hints_stay_on_one_line(library):
    words = "paket saya terlambat padahal sudah dikirim minggu lalu dan kurir tidak memberi kabar"
    result = run("--lang", "en", "search", *words.split())
    assert f"In Indonesian: tokohelp --lang id search '{words}'" in result.stderr.splitlines()


def test_terminal_view_of_no_fit_has_the_heading_weak_matches_and_offers(library):
    from tokohelp.session import Session

    result = runner.invoke(app, ["--lang", "en", "search", *OUT_OF_SCOPE.split()],
                           obj=Session(stdout_isatty=True))
    assert result.exit_code == 1
    out = result.stdout
    assert out.index("No article seems to fit.") < out.index("Delivery date estimate")
    assert f"tokohelp contact --for '{OUT_OF_SCOPE}'" in out
    assert "tokohelp ticket new" in out and "Read one:" not in out


def test_terminal_snippet_sits_under_the_title_and_keeps_an_overlong_word_whole(
        tmp_path, monkeypatch):
    from tokohelp.session import Session

    root = make_library(tmp_path / "lib")
    code = "VA" + "8" * 70  # one word wider than the terminal, as a virtual account can be
    write_article(root, "pay-va", title="Virtual account payment", category="shipping",
                  body=f"Transfer to virtual account {code} before it expires.")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    monkeypatch.setenv("COLUMNS", "50")
    result = runner.invoke(app, ["--lang", "en", "search", "virtual", "account"],
                           obj=Session(stdout_isatty=True))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    snippet = [line for line in lines if "Transfer" in line]
    assert snippet and snippet[0].startswith("   Transfer")  # under "1. ", not at column 0
    assert "".join(line.strip() for line in lines).count(code) == 1  # folded, nothing cut
    assert "…" not in result.stdout
