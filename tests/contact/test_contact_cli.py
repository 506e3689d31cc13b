"""``tokohelp contact`` and the channels after ``tokohelp show``, through the real CLI."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokohelp.cli import app
from tokohelp.config import config_path

runner = CliRunner()
IDS = ["tokopedia-care", "phone", "email", "help-center", "resolution-center", "toped-bot",
       "live-chat", "twitter", "instagram", "facebook"]
CHANNEL_KEYS = {"id", "name", "names", "kind", "address", "also", "url", "hours", "who", "tiers",
                "response", "notes", "source", "seed_ref", "added", "sources", "overridden"}


def run(*args: str):
    return runner.invoke(app, ["--lang", "en", *args])


def run_json(*args: str):
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_table_lists_every_channel_with_how_hours_who():
    result = run("contact")
    assert result.exit_code == 0
    for text in ("how to reach it", "hours", "who", "(021) 80647333", "@TokopediaCare",
                 "24 hours", "Gold members and", "2020", "Tokopedia Care"):
        assert text in result.stdout
    assert all(cid in result.stdout for cid in IDS)
    assert "Gold or Platinum" not in result.stdout


def test_table_json_is_an_array_of_channel_objects():
    channels = run_json("contact")
    assert [c["id"] for c in channels] == IDS
    assert all(set(c) == CHANNEL_KEYS for c in channels)
    care = channels[0]
    assert (care["kind"], care["source"], care["seed_ref"]) == ("chat", "added", "")
    assert care["tiers"] == ["silver", "gold", "platinum", "diamond"] and care["sources"]
    phone = channels[1]
    assert (phone["kind"], phone["address"], phone["hours"], phone["who"]) == (
        "phone", "(021) 80647333", "24 hours", "Everyone")
    assert phone["source"] == "seed" and phone["also"] == ["(021) 53691015"]


def test_tier_filters_the_table():
    assert "live-chat" not in [c["id"] for c in run_json("contact", "--tier", "silver")]
    assert "live-chat" in [c["id"] for c in run_json("contact", "--tier", "platinum")]
    assert "live-chat" in [c["id"] for c in run_json("contact", "--tier", "diamond")]
    assert "tokopedia-care" in [c["id"] for c in run_json("contact", "--tier", "silver")]


def test_channel_card_json_is_one_object_with_steps():
    card = run_json("contact", "--channel", "email")
    assert set(card) == CHANNEL_KEYS | {"platform", "steps"}
    assert card["id"] == "email" and card["address"] == "contact@tokopedia.com"
    assert card["platform"] is None
    assert card["steps"][0]["platforms"] == ["desktop", "mobile", "android", "ios"]
    assert any("cs@tokopedia.com" in step for step in card["steps"][0]["steps"])


def test_channel_card_rich_view_has_steps_and_provenance_only_when_verbose():
    result = run("contact", "-C", "email")
    assert result.exit_code == 0
    assert "Steps" in result.stdout and "contact@tokopedia.com" in result.stdout
    assert "source: seed" not in result.stdout
    assert "source: seed" in run("contact", "-C", "email", "--verbose").stdout


def test_tokopedia_care_card_names_its_sources_and_per_platform_steps():
    card = run_json("contact", "-C", "tokopedia-care", "--platform", "android")
    assert any("Lanjut Chat" in step for step in card["steps"][0]["steps"])
    assert all(url.startswith("https://") for url in card["sources"])
    shown = run("contact", "-C", "tokopedia-care", "-v").stdout
    assert "source: added" in shown and "seller.tokopedia.com" in shown


def test_gated_card_for_silver_points_to_tokopedia_care():
    result = run("contact", "-C", "live-chat", "--tier", "silver")
    assert result.exit_code == 0
    assert "about 2020" in result.stderr
    assert "tokohelp contact --channel tokopedia-care" in result.stderr
    assert "not open" not in result.stderr


@pytest.mark.parametrize("platform", ["desktop", "android", "ios"])
def test_platform_picks_its_own_resolution_center_steps(platform):
    steps = {p: run_json("contact", "-C", "resolution-center", "--platform", p)["steps"]
             for p in ("desktop", "mobile", "android", "ios")}
    chosen = steps[platform]
    assert len(chosen) == 1 and platform in chosen[0]["platforms"]
    same = {platform, "mobile"} if platform == "android" else {platform}
    others = [s for p, s in steps.items() if p not in same]
    assert all(chosen[0]["steps"] != other[0]["steps"] for other in others)
    assert steps["mobile"] == steps["android"]


def test_platform_steps_differ_in_the_rich_view():
    ios = run("contact", "-C", "resolution-center", "--platform", "ios").stdout
    desktop = run("contact", "-C", "resolution-center", "--platform", "desktop").stdout
    assert "iPhone" in ios and "iPhone" not in desktop
    assert "bell" in desktop and "bell" not in ios


def test_unknown_channel_exits_3_and_lists_valid_ids():
    result = run("contact", "--channel", "telegram")
    assert result.exit_code == 3
    assert "unknown channel 'telegram'" in result.stderr
    assert all(cid in result.stderr for cid in IDS)
    assert result.stdout == "" and "Traceback" not in result.output


@pytest.mark.parametrize("args", [
    ["--platform", "ios"],
    ["--open"],
    ["-C", "phone", "--for", "refund"],
    ["--platform", "blackberry", "-C", "phone"],
    ["--tier", "bronze"],
])
def test_option_misuse_is_a_usage_error(args):
    result = run("contact", *args)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_gated_user_channel_card_warns_without_the_seed_date():
    write_config('[channels.vip-desk]\nname = "VIP desk"\nkind = "chat"\naddress = "Floor 9"\n'
                 'min_tier = "diamond"\n')
    result = run("contact", "-C", "vip-desk", "--tier", "platinum")
    assert result.exit_code == 0
    assert "'vip-desk' is for Diamond members and above" in result.stderr
    assert "2020" not in result.stderr and "--channel tokopedia-care" in result.stderr


def test_for_json_ranks_channels_with_reasons():
    recs = run_json("contact", "--for", "promo", "--tier", "gold")
    assert [r["rank"] for r in recs] == list(range(1, len(recs) + 1))
    assert all({"rank", "id", "reason", "action"} <= set(r) and r["reason"] for r in recs)
    assert [r["id"] for r in recs[:2]] == ["tokopedia-care", "toped-bot"]


def test_silver_is_offered_tokopedia_care_chat_not_told_chat_is_closed():
    recs = run_json("contact", "--for", "membership tier", "--tier", "silver")
    assert recs and not {"live-chat", "toped-bot"} & {r["id"] for r in recs}
    assert (recs[0]["id"], recs[0]["kind"]) == ("tokopedia-care", "chat")
    result = run("contact", "--for", "membership", "--tier", "silver")
    assert result.exit_code == 0
    assert "Not open" not in result.stderr and "closed" not in result.stderr
    assert "tokohelp contact --channel tokopedia-care" in result.stderr
    assert result.stdout.lstrip().startswith("1. Tokopedia Care")


def test_three_day_rule_free_text_without_quotes():
    recs = run_json("contact", "--for", "seller", "not", "answering", "my", "complaint",
                    "--waited-days", "3", "--tier", "silver")
    assert (recs[0]["id"], recs[0]["action"], recs[0]["category"]) == (
        "resolution-center", "escalate", "orders")
    assert "Minta Bantuan" in recs[0]["reason"]


def test_three_day_rule_before_three_days_says_wait():
    recs = run_json("contact", "--for", "orders", "--waited-days", "2")
    assert (recs[0]["id"], recs[0]["action"]) == ("resolution-center", "wait")
    result = run("contact", "--waited-days", "1")
    assert result.exit_code == 0 and "seller" in result.stdout


def recording_opener(tmp_path: Path, monkeypatch) -> Path:
    record = tmp_path / "opened.txt"
    script = tmp_path / "opener.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {shlex.quote(str(record))}\n')
    script.chmod(0o755)
    monkeypatch.setenv("TOKOHELP_OPENER", shlex.quote(str(script)))
    return record


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX shell script")
@pytest.mark.parametrize(("args", "link"), [
    (["-C", "phone"], "tel:+622180647333"),
    (["-C", "email", "--for", "refund late"],
     "mailto:contact@tokopedia.com?subject=refund%20late"),
    (["-C", "twitter"], "https://twitter.com/TokopediaCare"),
    (["--for", "orders", "--waited-days", "5"],
     "https://m.tokopedia.com/resolution-center/inbox/buyer"),
    (["--for", "promo", "--tier", "silver"], "https://www.tokopedia.com/help"),
])
def test_open_hands_the_link_to_the_opener(tmp_path, monkeypatch, args, link):
    record = recording_opener(tmp_path, monkeypatch)
    result = run("contact", *args, "--open")
    assert result.exit_code == 0, result.output
    assert record.read_text() == link
    assert result.stdout == "" and "Opened" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX shell script")
def test_open_json(tmp_path, monkeypatch):
    recording_opener(tmp_path, monkeypatch)
    assert run_json("contact", "-C", "phone", "--open") == {
        "id": "phone", "link": "tel:+622180647333", "opened": True, "problem": None}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY rule is Linux's")
def test_open_without_opener_prints_the_link(monkeypatch):
    for name in ("TOKOHELP_OPENER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    result = run("contact", "-C", "email", "--open")
    assert result.exit_code == 0
    assert result.stdout == (
        "mailto:contact@tokopedia.com?subject=Question%20for%20Tokopedia%20support\n")
    assert "Not opened" in result.stderr


def test_config_override_and_new_channel_show_up():
    write_config('[channels.phone]\naddress = "(021) 5550100"\n\n'
                 '[channels.company-desk]\nname = { en = "Company desk", id = "Meja kantor" }\n'
                 'kind = "web"\naddress = "Floor 3"\nurl = "https://desk.example.com/"\n')
    channels = run_json("contact")
    phone = next(c for c in channels if c["id"] == "phone")
    assert phone["address"] == "(021) 5550100" and phone["overridden"] == ["address"]
    assert channels[-1]["id"] == "company-desk" and channels[-1]["source"] == "config"
    assert "Company desk" in run("contact").stdout


def test_broken_config_channel_exits_4_with_file_and_key():
    path = write_config('[channels.phone]\nkind = "pigeon"\n')
    result = run("contact")
    assert result.exit_code == 4
    assert f"{path}:2" in result.stderr and "channels.phone.kind" in result.stderr


def test_markup_and_escapes_in_a_user_channel_stay_inert():
    write_config('[channels.evil]\nname = "[bold red]Evil[/] \\u001b]0;pwned\\u0007 \\u001b[31mX"\n'
                 'kind = "social"\naddress = "[link=https://x.test]@evil[/link]"\n'
                 'notes = ["[blink]note[/blink]"]\nhow = [{ steps = ["\\u001b[2Jstep"] }]\n')
    for args in (["contact"], ["contact", "-C", "evil"], ["contact", "--for", "qqqzzz"]):
        out = run(*args).stdout
        assert "\x1b" not in out and "\x07" not in out
        assert "[bold red]Evil[/]" in out and "pwned" not in out
    card = run("contact", "-C", "evil").stdout
    assert "[link=https://x.test]@evil[/link]" in card and "[blink]note[/blink]" in card


def test_show_ends_with_the_articles_channels_from_the_data():
    result = run("show", "contact-customer-service")
    assert result.exit_code == 0
    tail = result.stdout[result.stdout.index("Contact customer service"):]
    names = ["Tokopedia Care", "Call center", "Help Center", "Email", "Resolution Center",
             "Twitter"]
    positions = [tail.index(name) for name in names]
    assert positions == sorted(positions)
    assert "Toped Bot" not in tail and "Live chat" not in tail
    steps = tail.index("Steps for one: tokohelp contact")
    assert steps > positions[-1] and tail.index("tokohelp is unofficial") > steps


def test_show_uses_overridden_channel_data_not_copied_text():
    write_config('[channels.phone]\nname = "Our own hotline"\n')
    tail = run("show", "seller-not-responding").stdout.split("Contact customer service")[-1]
    assert "Our own hotline" in tail and "Pusat Resolusi" in tail


def test_show_raw_and_json_have_no_channel_list():
    assert "Contact customer service" not in run("show", "contact-customer-service", "--raw").stdout
    shown = run_json("show", "contact-customer-service")
    assert shown["channels"] == ["tokopedia-care", "phone", "help-center", "email",
                                 "resolution-center", "twitter"]


def test_show_in_indonesian_names_channels_in_indonesian():
    result = runner.invoke(app, ["--lang", "id", "show", "contact-customer-service"])
    assert "Hubungi CS Tokopedia" in result.stdout and "Pusat Bantuan" in result.stdout


def test_wrapped_steps_and_notes_hang_under_their_text(monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    lines = run("--lang", "en", "contact", "--channel", "phone").stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  1. "))
    assert lines[start + 1].startswith("     ") and lines[start + 1].strip()  # under "Call"
    notes = [i for i, line in enumerate(lines) if line.startswith("  • ")]
    assert notes and lines[notes[0] + 1].startswith("    ")
