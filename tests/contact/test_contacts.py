"""The channel core: data, provenance, overrides, eligibility, the 3-day rule, links."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import pytest

from tokohelp import contacts
from tokohelp.config import config_path
from tokohelp.errors import ConfigError, NotFoundError, UsageError

IDS = ["phone", "email", "help-center", "resolution-center", "toped-bot", "live-chat",
       "twitter", "instagram", "facebook"]
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_e5a6d461ede70097.txt"


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ids(channels) -> list[str]:
    return [c.id for c in channels]


def test_bundled_channels_are_the_nine_in_order():
    assert ids(contacts.load_channels()) == IDS


def test_every_bundled_channel_says_where_its_facts_come_from():
    for channel in contacts.load_channels():
        assert channel.source == "seed" and channel.seed_ref, channel.id
        assert set(channel.added) <= set(contacts.FIELDS), channel.id
        assert channel.how and all(s.steps.get("en") and s.steps.get("id") for s in channel.how)
        assert set(channel.name) == {"id", "en"}


@pytest.mark.skipif(not SEED.is_file(), reason="seed article not beside the project")
def test_seed_sections_and_addresses_are_in_the_seed_article():
    seed = SEED.read_text(encoding="utf-8")
    for channel in contacts.load_channels():
        for section in channel.seed_ref.split(";"):
            assert section.strip() in seed, (channel.id, section)
        if channel.kind in ("phone", "email", "social"):
            for address in [channel.address, *channel.also]:
                assert address in seed, (channel.id, address)
        if channel.url and "url" not in channel.added:
            assert channel.url.split("://", 1)[1] in seed, channel.id


def test_tiers_silver_is_kept_from_bot_and_live_chat():
    channels = {c.id: c for c in contacts.load_channels()}
    for gated in ("toped-bot", "live-chat"):
        assert not channels[gated].eligible("silver")
        assert channels[gated].eligible("gold") and channels[gated].eligible("platinum")
        assert channels[gated].tiers() == ["gold", "platinum"]
    assert channels["phone"].tiers() == list(contacts.TIERS)
    assert "live-chat" not in ids(contacts.list_channels("silver"))
    assert "live-chat" in ids(contacts.list_channels("gold"))


def test_unknown_tier_is_a_usage_error():
    with pytest.raises(UsageError):
        contacts.list_channels("bronze")


def test_recommend_never_sends_silver_to_live_chat_or_bot():
    advice = contacts.recommend("account", "silver")
    picked = [r.channel.id for r in advice.picks]
    assert "live-chat" not in picked and "toped-bot" not in picked
    assert {"live-chat", "toped-bot"} == set(ids(advice.not_eligible))
    assert [r.rank for r in advice.picks] == list(range(1, len(picked) + 1))


def test_recommend_names_the_tier_limit_when_tier_unknown():
    advice = contacts.recommend("account")
    live = next(r for r in advice.picks if r.channel.id == "live-chat")
    assert "Gold" in live.reason


@pytest.mark.parametrize("days", [3, 4, 30])
def test_three_days_without_answer_sends_to_minta_bantuan_first(days):
    top = contacts.recommend("orders", "silver", waited_days=days).picks[0]
    assert (top.channel.id, top.action) == ("resolution-center", "escalate")
    assert "Minta Bantuan" in top.reason and str(days) in top.reason


@pytest.mark.parametrize("days", [0, 1, 2])
def test_fewer_than_three_days_says_wait_and_talk_to_the_seller(days):
    top = contacts.recommend("orders", waited_days=days).picks[0]
    assert (top.channel.id, top.action) == ("resolution-center", "wait")
    assert "seller" in top.reason and f"{days} of 3 days" in top.reason


def test_waited_days_alone_means_a_complaint():
    top = contacts.recommend(None, waited_days=5).picks[0]
    assert (top.channel.id, top.action) == ("resolution-center", "escalate")


def test_resolution_center_only_for_complaints():
    assert "resolution-center" not in [r.channel.id for r in contacts.recommend("payment").picks]
    assert contacts.recommend("orders").picks[0].action == "complaint"


def test_user_channel_only_for_a_category_is_offered_only_there():
    write_config('[channels.refund-desk]\nname = "Refund desk"\nkind = "web"\n'
                 'address = "Floor 2"\nurl = "https://refunds.example.com/"\n'
                 'only_for = ["refund"]\npriority = 0\n')
    top = contacts.recommend("refund").picks[0]
    assert (top.channel.id, top.action) == ("refund-desk", "only")
    assert "Refunds" in top.reason
    for topic, days in (("payment", None), (None, 9)):
        picks = contacts.recommend(topic, waited_days=days).picks
        assert "refund-desk" not in [r.channel.id for r in picks]


def test_bot_comes_first_for_promo_when_gold():
    top = contacts.recommend("promo", "gold").picks[0]
    assert (top.channel.id, top.action) == ("toped-bot", "best")


def test_free_text_topic_is_mapped_through_search():
    advice = contacts.recommend("seller not answering my complaint", "silver", waited_days=4)
    assert advice.category == "orders" and advice.matched
    assert advice.picks[0].channel.id == "resolution-center"


def test_topic_with_no_article_falls_back_to_general_channels():
    advice = contacts.recommend("qqqqzzzz xxyyww")
    assert advice.category is None
    assert "resolution-center" not in [r.channel.id for r in advice.picks]
    assert advice.picks[0].action == "general"


def test_steps_differ_per_platform_and_android_shares_mobile():
    def steps(platform):
        card = contacts.card("resolution-center", platform)
        return [s.steps["en"] for s in card.steps]

    desktop, mobile, android, ios = (steps(p) for p in ("desktop", "mobile", "android", "ios"))
    assert len(desktop) == len(android) == len(ios) == 1
    assert len({str(desktop), str(android), str(ios)}) == 3
    assert mobile == android
    assert len(contacts.card("resolution-center").steps) == 3


def test_unknown_channel_lists_valid_ids():
    with pytest.raises(NotFoundError) as caught:
        contacts.get_channel("telegram", contacts.load_channels())
    assert caught.value.status == 3
    assert all(cid in caught.value.hint for cid in IDS)


def test_unknown_platform_is_a_usage_error():
    with pytest.raises(UsageError):
        contacts.card("phone", "blackberry")


def test_config_overrides_a_field_and_adds_a_channel():
    write_config('[channels.email]\naddress = "help@example.com"\n\n'
                 '[channels.company-desk]\nname = "Company desk"\nkind = "phone"\n'
                 'address = "+62 21 555 0100"\nmin_tier = "platinum"\n')
    channels = {c.id: c for c in contacts.load_channels()}
    assert channels["email"].address == "help@example.com"
    assert channels["email"].overridden == ["address"] and channels["email"].source == "seed"
    assert channels["email"].also == ["cs@tokopedia.com"]
    desk = channels["company-desk"]
    assert (desk.source, desk.priority, desk.tiers()) == ("config", 50, ["platinum"])
    assert list(channels)[-1] == "company-desk"
    assert contacts.link_for(desk, "en") == "tel:+62215550100"


@pytest.mark.parametrize(("table", "problem"), [
    ('[channels.email]\nkind = "pigeon"\n', "must be one of"),
    ('[channels.email]\ncolour = "red"\n', "unknown key"),
    ('[channels.twitter]\nurl = "javascript:alert(1)"\n', "http"),
    ('[channels.desk]\nname = "Desk"\nkind = "web"\n', "required"),
    ('[channels.email]\naddress = "not-an-address"\n', "e-mail"),
    ('[channels.phone]\nhow = [{ platforms = ["palm"], steps = ["x"] }]\n', "platform"),
    ('[channels.phone]\nname = { fr = "x" }\n', "language"),
    ('[channels."Bad Id"]\nname = "x"\n', "lowercase"),
    ("channels = 3\n", "expected dict"),
])
def test_bad_config_channel_names_file_line_and_key(table, problem):
    path = write_config(table)
    with pytest.raises(ConfigError) as caught:
        contacts.load_channels()
    assert str(path) in caught.value.message and problem in caught.value.message


def test_override_steps_in_plain_form_apply_everywhere():
    write_config('[channels.phone]\nhow = [{ steps = ["Dial the desk"] }]\n')
    card = contacts.card("phone", "ios")
    assert contacts.pick(card.steps[0].steps, "id") == ["Dial the desk"]


def test_links_for_each_kind():
    channels = {c.id: c for c in contacts.load_channels()}
    assert contacts.link_for(channels["phone"], "en") == "tel:02180647333"
    assert contacts.link_for(channels["email"], "en") == (
        "mailto:contact@tokopedia.com?subject=Question%20for%20customer%20service")
    assert contacts.link_for(channels["email"], "en", "refund  & late") == (
        "mailto:contact@tokopedia.com?subject=refund%20%26%20late")
    assert contacts.link_for(channels["facebook"], "en") == "https://fb.com/tokopedia"


def test_pick_falls_back_to_neutral_then_english():
    assert contacts.pick({"*": "x"}, "id") == "x"
    assert contacts.pick({"en": "e"}, "id") == "e"
    assert contacts.pick({}, "id", []) == []


def recording_opener(tmp_path: Path) -> Path:
    record = tmp_path / "opened.txt"
    script = tmp_path / "opener.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {shlex.quote(str(record))}\n')
    script.chmod(0o755)
    return script


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX shell script")
def test_open_link_runs_tokohelp_opener_with_the_link(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKOHELP_OPENER", shlex.quote(str(recording_opener(tmp_path))))
    opened = contacts.open_link("tel:02180647333")
    assert opened.opened and not opened.problem
    assert (tmp_path / "opened.txt").read_text() == "tel:02180647333"


def test_open_link_reports_a_failing_opener(monkeypatch):
    monkeypatch.setenv("TOKOHELP_OPENER", "false")
    opened = contacts.open_link("https://example.com/")
    assert not opened.opened and "status" in opened.problem
    monkeypatch.setenv("TOKOHELP_OPENER", os.devnull + "-no-such-opener")
    assert "cannot run" in contacts.open_link("https://example.com/").problem


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY rule is Linux's")
def test_no_display_means_no_opener(monkeypatch):
    for name in ("TOKOHELP_OPENER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert contacts.opener_command() is None
    assert contacts.open_link("tel:1") == contacts.Opened("tel:1", False,
                                                          "no program to open links here")
