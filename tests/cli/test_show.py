"""``tokohelp show``: reviewed date, cross-reference links, the unofficial note, JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.helpers import make_library, write_article
from tokohelp.cli import app

runner = CliRunner()
EXTRA = ('reviewed = 2026-05-03\nchannels = ["phone", "nope"]\n'
         '[[sources]]\nurl = "https://www.tokopedia.com/help"\nread = 2026-05-03\n'
         'about = "steps"\n')


@pytest.fixture
def library(tmp_path, monkeypatch):
    root = make_library(tmp_path / "lib")
    body = ("See [where it goes](tokohelp:parcel-late) and [an old topic](tokohelp:gone).\n\n"
            "1. Open the order.")
    write_article(root, "money-back", "en", title="Money back", body=body, extra=EXTRA)
    write_article(root, "money-back", "id", title="Dana kembali", body=body, extra=EXTRA)
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    return root


def show(*args: str):
    result = runner.invoke(app, ["show", *args])
    assert result.exit_code == 0, result.output
    return result


def test_links_name_the_command_and_dead_links_keep_their_text(library):
    out = " ".join(show("money-back", "--lang", "en").stdout.split())
    assert "where it goes (tokohelp show parcel-late)" in out
    assert "an old topic" in out and "tokohelp show gone" not in out
    assert "tokohelp:" not in out


@pytest.mark.parametrize(("lang", "date"), [("en", "3 May 2026"), ("id", "3 Mei 2026")])
def test_reviewed_date_is_shown_in_the_readers_language(library, lang, date):
    assert date in show("money-back", "--lang", lang).stdout


def test_unofficial_note_is_printed_once_after_the_article(library):
    out = show("money-back", "--lang", "en").stdout
    assert out.count("tokohelp is unofficial") == 1
    assert out.index("tokohelp is unofficial") > out.index("Call center")


def test_unknown_channel_is_a_warning_not_a_failure(library):
    result = show("money-back")
    assert "names unknown channel 'nope'" in result.stderr


def test_raw_prints_the_file_without_the_note(library):
    out = show("money-back", "--raw", "--lang", "en").stdout
    assert out.startswith("+++") and "tokohelp:parcel-late" in out
    assert "unofficial" not in out


def test_json_lists_channels_in_full_with_reviewed_and_sources(library):
    doc = json.loads(show("money-back", "--json", "--lang", "en").stdout)
    assert doc["channels"] == ["phone", "nope"]
    assert [c["id"] for c in doc["contact_channels"]] == ["phone"]
    assert doc["contact_channels"][0]["address"]
    assert doc["reviewed"] == "2026-05-03"
    assert doc["sources"] == [{"url": "https://www.tokopedia.com/help", "read": "2026-05-03",
                               "about": "steps"}]
    assert doc["links"] == [{"text": "where it goes", "slug": "parcel-late"},
                            {"text": "an old topic", "slug": None}]
