"""Errors raised deep in the core reach an Indonesian reader in Indonesian.

The core builds its messages with the catalogue when it raises them; these cases were
English literals until the catalogue covered them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tokohelp import contacts, i18n
from tokohelp.articles import parse_article
from tokohelp.config import load_config
from tokohelp.errors import BadInputError, ConfigError, UsageError


@pytest.fixture
def indonesian():
    previous = i18n.active_lang()
    i18n.activate("id")
    yield
    i18n.activate(previous)


def test_a_wrong_channel_override_is_explained_in_indonesian(tmp_path, indonesian):
    path = tmp_path / "config.toml"
    path.write_text("[channels.email]\nhours = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="seharusnya teks yang tidak kosong"):
        contacts.load_channels(load_config(path))
    path.write_text("[channels.email]\nplatforms = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="kunci tidak dikenal"):
        contacts.load_channels(load_config(path))


def test_an_unknown_tier_or_platform_is_indonesian(indonesian):
    with pytest.raises(UsageError, match="tier 'perunggu' tidak dikenal") as tier:
        contacts.check_tier("perunggu")
    assert tier.value.hint.startswith("Gunakan salah satu dari: ")
    with pytest.raises(UsageError, match="platform 'tv' tidak dikenal"):
        contacts.card("email", "tv")


def test_no_opener_is_reported_in_indonesian(monkeypatch, indonesian):
    monkeypatch.setattr(contacts, "opener_command", lambda: None)
    opened = contacts.open_link("mailto:cs@example.com")
    assert not opened.opened and opened.problem == "tidak ada program untuk membuka tautan di sini"


def test_front_matter_problems_are_indonesian(indonesian):
    with pytest.raises(BadInputError, match="tidak ada front matter"):
        parse_article("Judul saja\n", Path("a.id.md"), {"refund"})
    with pytest.raises(BadInputError, match="tidak ditutup"):
        parse_article("+++\ntitle = 'x'\n", Path("a.id.md"), {"refund"})


def test_attachment_and_send_messages_are_indonesian(tmp_path, indonesian):
    from tokohelp.tickets.attachments import Limits, check_file
    from tokohelp.tickets.sender import FAILED, QUEUED, retry_advice

    limits = Limits(max_count=5, max_size=1024, max_video=1024)
    with pytest.raises(BadInputError, match="file tidak ada") as missing:
        check_file(tmp_path / "shot.png", limits)
    assert missing.value.hint == "Periksa path untuk --attach."
    assert retry_advice(3, QUEUED).startswith("Tetap dalam antrean")
    assert "tokohelp ticket send 3" in retry_advice(3, FAILED)
