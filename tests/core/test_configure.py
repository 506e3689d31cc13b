"""Config jobs in the core: private atomic writes, TOML round trip, masking."""

from __future__ import annotations

import stat

import pytest

from tests.helpers import tomllib
from tokohelp.configure import init, mask_secrets, to_toml, write_private
from tokohelp.errors import ConfigError
from tokohelp.session import Session


def test_write_private_is_0600_in_a_0700_dir_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "new" / "config.toml"
    write_private(target, "lang = 'id'\n")
    write_private(target, "lang = 'en'\n")
    assert target.read_text() == "lang = 'en'\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["config.toml"]


def test_init_refuses_to_replace_without_force(isolated_home):
    session = Session()
    written = init(session, "# one\n")
    with pytest.raises(ConfigError, match="already exists"):
        init(session, "# two\n")
    assert init(session, "# two\n", force=True).path == written.path
    assert written.path.read_text() == "# two\n"


def test_masked_settings_round_trip_through_toml():
    data = {"lang": "id", "backends": {"desk": {"type": "rt", "password": "hunter2",
                                                "password_env": "RT_PASSWORD",
                                                "url": "https://me:pw@rt.example"}}}
    masked = mask_secrets(data)
    desk = tomllib.loads(to_toml(masked))["backends"]["desk"]
    assert desk["password"] == "****" and desk["password_env"] == "RT_PASSWORD"
    assert desk["url"] == "https://me:****@rt.example" and "hunter2" not in to_toml(masked)
