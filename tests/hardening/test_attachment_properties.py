"""Property tests: whatever bytes a file holds, attachment checks raise only our errors.

The detector reads untrusted files (a renamed executable, a truncated video, noise),
so arbitrary content, including content that starts like a known format, must end
in an allowed MIME type or a BadInputError with the reason, never anything else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokohelp.errors import BadInputError, TokohelpError
from tokohelp.safe import strip_control
from tokohelp.tickets.attachments import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    Limits,
    base_name,
    check_file,
    detect_type,
)

ALLOWED = IMAGE_TYPES | VIDEO_TYPES | {"application/pdf", "text/plain"}
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
# Starts of real formats, so the detector's deeper parsers see near-valid input too.
MAGIC = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"RIFF\0\0\0\0WEBP", b"BM",
         b"II*\0", b"MM\0*", b"%PDF-", b"PK\x03\x04", b"\x7fELF", b"MZ",
         b"\0\0\0\x18ftypisom", b"\0\0\0\x14ftypqt  ", b"\0\0\0\x1cftypheic",
         b"\0\0\0\x1cftypavif", b"\x1a\x45\xdf\xa3", b"\xef\xbb\xbf", b"#!/bin/sh\n"]
contents = st.one_of(
    st.binary(max_size=2048),
    st.builds(lambda head, tail: head + tail, st.sampled_from(MAGIC), st.binary(max_size=512)),
    st.text(max_size=512).map(lambda t: t.encode("utf-8")),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uploads")


def _write(workdir: Path, data: bytes) -> Path:
    path = workdir / "upload.png"
    path.write_bytes(data)
    return path


@SETTINGS
@given(contents)
def test_detector_returns_an_allowed_type_or_raises_bad_input(workdir, data):
    try:
        mime = detect_type(_write(workdir, data))
    except TokohelpError as exc:
        assert isinstance(exc, BadInputError) and exc.message
        return
    assert mime in ALLOWED


@SETTINGS
@given(contents, st.integers(min_value=1, max_value=4096))
def test_check_file_accepts_within_limits_or_says_why(workdir, data, limit):
    try:
        checked = check_file(_write(workdir, data), Limits(max_size=limit, max_video=limit))
    except TokohelpError as exc:
        assert isinstance(exc, BadInputError) and "upload.png" in exc.message
        return
    assert checked.mime in ALLOWED and 0 < checked.size == len(data) <= limit


@SETTINGS
@given(st.binary(min_size=1, max_size=600))
def test_text_is_accepted_only_when_it_is_utf8_without_nul(workdir, data):
    try:
        mime = detect_type(_write(workdir, data))
    except BadInputError:
        return
    if mime == "text/plain":
        assert b"\0" not in data
        data.decode("utf-8")


@SETTINGS
@given(st.text(min_size=1, max_size=80).filter(lambda n: "/" not in n and "\0" not in n))
def test_names_sent_to_a_backend_are_single_clean_lines(name):
    sent = base_name(Path(name))
    assert sent and "\n" not in sent and "\t" not in sent and strip_control(sent) == sent
