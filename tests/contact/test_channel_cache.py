"""The parsed bundled channels are cached; only a cache of this very file is ever used."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from typer.testing import CliRunner

from tests.helpers import run_piped
from tokohelp import contacts
from tokohelp.cli import app
from tokohelp.config import cache_dir

runner = CliRunner()


def ids(channels: list[contacts.Channel]) -> list[str]:
    return [c.id for c in channels]


def cache_file():
    return cache_dir() / contacts.CACHE_FILE


def no_parsing(monkeypatch) -> None:
    def refuse() -> None:
        raise AssertionError("channels.toml was parsed")

    monkeypatch.setattr(contacts, "_parse_bundled", refuse)


def test_a_second_load_reads_the_cache_not_the_toml(monkeypatch):
    first = contacts.load_channels()
    assert cache_file().is_file()
    no_parsing(monkeypatch)
    again = contacts.load_channels()
    assert ids(again) == ids(first)
    assert [contacts.pick(c.name, "id") for c in again] == [
        contacts.pick(c.name, "id") for c in first]
    assert [[s.steps for s in c.how] for c in again] == [[s.steps for s in c.how] for c in first]


@pytest.mark.parametrize("junk", [b"", b"\x00garbage", b"i\x01\x00\x00\x00"])
def test_a_corrupt_cache_is_ignored_and_rewritten(monkeypatch, junk):
    expected = ids(contacts.load_channels())
    cache_file().write_bytes(junk)
    assert ids(contacts.load_channels()) == expected
    no_parsing(monkeypatch)
    assert ids(contacts.load_channels()) == expected  # rewritten: read without parsing


def test_a_cache_of_another_file_is_not_used(monkeypatch, tmp_path):
    contacts.load_channels()
    copy = tmp_path / "channels.toml"
    text = contacts.DATA_FILE.read_text(encoding="utf-8")
    copy.write_text(text.replace('name = { id = "Email", en = "Email" }',
                                 'name = { id = "Email", en = "E-mail desk" }'),
                    encoding="utf-8")
    monkeypatch.setattr(contacts, "DATA_FILE", copy)
    names = [contacts.pick(c.name, "en") for c in contacts.load_channels()]
    assert "E-mail desk" in names


def test_an_edited_file_is_parsed_again(monkeypatch, tmp_path):
    copy = tmp_path / "channels.toml"
    shutil.copy(contacts.DATA_FILE, copy)
    monkeypatch.setattr(contacts, "DATA_FILE", copy)
    contacts.load_channels()
    before = copy.stat()
    copy.write_text(copy.read_text(encoding="utf-8").replace(
        '"(021) 80647333"', '"(021) 80640000"'), encoding="utf-8")
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns + 1))
    phone = contacts.get_channel("phone", contacts.load_channels())
    assert phone.address == "(021) 80640000"


def test_an_unwritable_cache_dir_only_means_parsing(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("TOKOHELP_CACHE_DIR", str(blocker))
    result = runner.invoke(app, ["--lang", "en", "contact", "--json"])
    assert result.exit_code == 0, result.output
    assert blocker.read_text() == ""
    assert not list(tmp_path.glob("*.tmp"))


def test_config_overrides_apply_over_the_cached_channels():
    assert runner.invoke(app, ["contact", "--json"]).exit_code == 0  # warms the cache
    assert cache_file().is_file()
    path = cache_dir().parent / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[channels.phone]\naddress = "(021) 5550100"\n', encoding="utf-8")
    out = runner.invoke(app, ["--lang", "en", "contact", "--channel", "phone"]).stdout
    assert "  Reach: (021) 5550100 / (021) 53691015\n" in out


def tomllib_imported() -> bool:
    return "tomllib" in run_piped("--lang", "en", "contact")[1]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is tomli before 3.11")
def test_a_warm_contact_run_does_not_import_tomllib():
    assert tomllib_imported()  # the first run parses the file and writes the cache
    assert not tomllib_imported()
