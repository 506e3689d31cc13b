"""Attachment checks: type from content, sizes and counts from the config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tokohelp.config import load_config
from tokohelp.errors import BadInputError, ConfigError
from tokohelp.tickets.attachments import MB, Limits, check_files, limits_from_config

SAMPLES = {
    "image/png": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
    "image/jpeg": b"\xff\xd8\xff\xe0" + b"\0" * 64,
    "image/gif": b"GIF89a" + b"\0" * 64,
    "application/pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    "text/plain": b"Pesanan INV/123 belum sampai.\nTerima kasih.\n",
    "video/mp4": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\0" * 64,
    "video/quicktime": b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\0" * 64,
    "video/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04"
                  b"\x42\xf3\x81\x08\x42\x82\x84webm" + b"\0" * 64,
}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("mime", sorted(SAMPLES))
def test_allowed_types_are_detected_from_content(tmp_path, mime):
    path = _write(tmp_path, "no-extension", SAMPLES[mime])
    [checked] = check_files([path], Limits())
    assert (checked.mime, checked.size, checked.name) == (mime, len(SAMPLES[mime]),
                                                           "no-extension")


@pytest.mark.parametrize(("data", "reason"), [
    (b"PK\x03\x04" + b"\0" * 64, "application/zip"),
    (b"\x7fELF\x02\x01\x01" + b"\0" * 64, "application/x-executable"),
    (b"caf\xe9 latin-1 text\n", "unknown type"),
    (b"text with a NUL\0 byte", "unknown type"),
    (b"RIFF\x00\x00\x00\x00AVI LIST" + b"\0" * 64, "video/x-msvideo"),
], ids=["zip", "elf", "latin1", "nul", "avi"])
def test_other_content_is_refused_with_the_reason_whatever_the_name(tmp_path, data, reason):
    path = _write(tmp_path, "shot.png", data)
    with pytest.raises(BadInputError, match="not allowed") as err:
        check_files([path], Limits())
    assert reason in err.value.message and str(path) in err.value.message
    assert "PDF" in err.value.hint


def test_missing_file(tmp_path):
    with pytest.raises(BadInputError, match="no such file"):
        check_files([tmp_path / "gone.png"], Limits())


def test_directory_is_not_a_regular_file(tmp_path):
    with pytest.raises(BadInputError, match="not a regular file"):
        check_files([tmp_path], Limits())


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_device_is_not_a_regular_file():
    with pytest.raises(BadInputError, match="not a regular file"):
        check_files([Path("/dev/null")], Limits())


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(BadInputError, match="empty"):
        check_files([_write(tmp_path, "empty.txt", b"")], Limits())


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_is_refused(tmp_path):
    path = _write(tmp_path, "secret.txt", b"text")
    path.chmod(0)
    with pytest.raises(BadInputError, match="not readable"):
        check_files([path], Limits())


def test_symlink_to_a_regular_file_is_fine_and_named_by_the_link(tmp_path):
    target = _write(tmp_path, "real.png", SAMPLES["image/png"])
    link = tmp_path / "link.png"
    link.symlink_to(target)
    assert check_files([link], Limits())[0].name == "link.png"


def test_name_is_the_base_name_only(tmp_path):
    sub = tmp_path / "deep" / "dir"
    sub.mkdir(parents=True)
    path = _write(sub, "bukti transfer.pdf", SAMPLES["application/pdf"])
    assert check_files([path], Limits())[0].name == "bukti transfer.pdf"


def test_size_limit_applies_per_type(tmp_path):
    limits = Limits(max_size=100, max_count=5, max_video=1000)
    big_png = _write(tmp_path, "a.png", SAMPLES["image/png"] + b"\0" * 200)
    with pytest.raises(BadInputError, match="larger than") as err:
        check_files([big_png], limits)
    assert "max_size_mb" in err.value.hint
    video = _write(tmp_path, "a.mp4", SAMPLES["video/mp4"] + b"\0" * 200)
    assert check_files([video], limits)[0].mime == "video/mp4"
    huge_video = _write(tmp_path, "b.mp4", SAMPLES["video/mp4"] + b"\0" * 2000)
    with pytest.raises(BadInputError, match="max_video_mb"):
        check_files([huge_video], limits)


def test_count_limit(tmp_path):
    paths = [_write(tmp_path, f"{i}.txt", b"hello") for i in range(3)]
    assert len(check_files(paths, Limits(max_count=3))) == 3
    with pytest.raises(BadInputError, match="at most 2"):
        check_files(paths, Limits(max_count=2))


def test_limits_default_when_the_config_says_nothing():
    assert limits_from_config(load_config()) == Limits(10 * MB, 5, 25 * MB)


def test_limits_from_config(isolated_home):
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[attachments]\nmax_size_mb = 0.5\nmax_count = 2\nmax_video_mb = 3\n")
    assert limits_from_config(load_config()) == Limits(MB // 2, 2, 3 * MB)


@pytest.mark.parametrize("line", ['max_count = "many"', "max_count = 0", "max_count = true"])
def test_bad_limit_names_file_line_and_key(isolated_home, line):
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(f"lang = 'en'\n[attachments]\n{line}\n")
    with pytest.raises(ConfigError) as err:
        limits_from_config(load_config())
    assert f"{path}:3" in err.value.message and "attachments.max_count" in err.value.message
