"""Start-up stays lazy: a run imports the command it runs and nothing it does not need."""

from __future__ import annotations

import pytest

from tests.helpers import run_piped

COMMAND_MODULES = {"tokohelp.cli.articles", "tokohelp.cli.contact", "tokohelp.cli.ticket",
                   "tokohelp.cli.config_cmd"}


def imported(*args: str) -> set[str]:
    return run_piped(*args)[1]


def test_help_imports_no_command_module_and_no_rich():
    modules = imported("--help")
    assert not modules & COMMAND_MODULES
    assert "rich" not in modules and "tokohelp.catalog" not in modules


@pytest.mark.parametrize("lang", ["en", "id"])
def test_piped_search_builds_only_search(lang):
    modules = imported("--lang", lang, "search", "refund")
    assert "tokohelp.cli.articles" in modules
    assert not modules & (COMMAND_MODULES - {"tokohelp.cli.articles"})
    assert not {"rich", "tokohelp.tickets.store", "tokohelp.contacts", "babel"} & modules



def test_search_with_a_warm_index_defines_no_dataclass_and_reads_no_toml():
    """Each of these cost a search 2-15M instructions at start-up (issue 14): dataclass
    definitions, the json module for id lists, TOML, the platform directories."""
    imported("search", "refund")  # builds the index (that parses TOML front matter)
    modules = imported("search", "refund")
    assert {"dataclasses", "json", "tomllib", "platformdirs"} & modules == set()
    assert "tokohelp.articles" not in modules  # the parser: building needs it, searching not


def test_raw_show_needs_neither_rich_nor_the_channels():
    modules = imported("show", "refund-status", "--raw")
    assert not {"rich", "tokohelp.contacts", "tokohelp.cli.contact_views"} & modules


def test_raw_show_with_a_warm_index_parses_no_toml():
    """--raw prints the file as it is: no front matter or category data to parse."""
    imported("show", "refund-status", "--raw")  # builds the index
    modules = imported("show", "refund-status", "--raw")
    assert {"tomllib", "tokohelp.articles", "dataclasses"} & modules == set()
