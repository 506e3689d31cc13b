"""tokohelp.redact: the one module that decides what is secret and how it is hidden."""

from __future__ import annotations

import uuid

import pytest

from tokohelp.redact import (
    MASK,
    is_secret_name,
    mask_config,
    mask_headers,
    redact,
    register_secret,
    scrub,
)


@pytest.mark.parametrize(("name", "secret"), [
    ("X-Auth-Token", True), ("Private-Token", True), ("Api-Key", True), ("X-Secret", True),
    ("Authorization", True), ("Cookie", True), ("password", True), ("key", True),
    ("password_env", False), ("token_keyring", False), ("X-Team", False),
    ("idempotency_key", False), ("url", False), ("author", False),
])
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret


def test_every_header_is_masked_unless_public():
    shown = mask_headers({"X-Team": "cs", "X-Whatever": "v", "Accept": "application/json"},
                         public=["x-team", "Accept"])
    assert shown == {"X-Team": "cs", "X-Whatever": MASK, "Accept": "application/json"}


def test_registered_secrets_are_masked_longest_first_and_short_ones_ignored():
    long, short = f"abc-{uuid.uuid4().hex}", "ab"
    register_secret(long)
    register_secret(long[:8])
    register_secret(short)
    assert redact(f"{long} and {long[:8]} and {short}") == f"{MASK} and {MASK} and {short}"


def test_scrub_walks_nested_values_and_masks_url_secrets():
    secret = f"s-{uuid.uuid4().hex}"
    value = {"a": [f"x {secret}", {"u": "https://h/?token=t0k3n"}], "n": 5}
    assert scrub(value, [secret]) == {"a": [f"x {MASK}", {"u": f"https://h/?token={MASK}"}],
                                      "n": 5}


def test_mask_config_masks_by_name_and_in_urls():
    data = {"backends": {"x": {"url": "https://u:pw@h/t?password=p", "password": "p",
                               "password_env": "PW", "headers": {"X-Auth-Token": "t",
                                                                 "X-Team": "cs"}}}}
    masked = mask_config(data)["backends"]["x"]
    assert masked["url"] == f"https://u:{MASK}@h/t?password={MASK}"
    assert (masked["password"], masked["password_env"]) == (MASK, "PW")
    assert masked["headers"] == {"X-Auth-Token": MASK, "X-Team": "cs"}
