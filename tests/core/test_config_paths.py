"""Where tokohelp keeps its files without TOKOHELP_HOME: the same directories as platformdirs.

``tokohelp.config`` finds the XDG directories itself on Linux (importing platformdirs
would cost every run 2-3 ms); these tests hold its answers equal to platformdirs' for
the cases the XDG rules distinguish.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from tokohelp import config

pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin", "ios"),
                                reason="platformdirs itself decides there")

KINDS = ("config", "data", "cache")
CASES = {  # name -> environment (None: unset)
    "defaults": {},
    "absolute XDG dirs": {"XDG_CONFIG_HOME": "/x/conf", "XDG_DATA_HOME": "/x/data",
                          "XDG_CACHE_HOME": "/x/cache"},
    "relative XDG dirs are ignored": {"XDG_CONFIG_HOME": "conf", "XDG_DATA_HOME": "./data",
                                      "XDG_CACHE_HOME": "~/cache"},
    "empty XDG dirs": {"XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "", "XDG_CACHE_HOME": ""},
    "relative HOME": {"HOME": "relative/home"},
    "no HOME": {"HOME": None},
}


def platformdirs_answer(kind: str) -> Path:
    return Path(getattr(platformdirs, f"user_{kind}_dir")(config.APP, appauthor=False))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_user_dirs_match_platformdirs(case, kind, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in CASES[case].items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert config._platform_dir(kind) == platformdirs_answer(kind)


def test_without_tokohelp_home_the_files_live_in_the_xdg_dirs(monkeypatch, tmp_path):
    for name in ("TOKOHELP_HOME", "TOKOHELP_CONFIG", "TOKOHELP_DATA_DIR", "TOKOHELP_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "k"))
    assert config.config_path() == tmp_path / "c" / "tokohelp" / "config.toml"
    assert config.data_dir() == tmp_path / "d" / "tokohelp"
    assert config.cache_dir() == tmp_path / "k" / "tokohelp"
