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

IDS = ["tokopedia-care", "phone", "email", "help-center", "resolution-center", "toped-bot",
       "live-chat", "twitter", "instagram", "facebook"]
GATED = ("toped-bot", "live-chat")
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_e5a6d461ede70097.txt"


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ids(channels) -> list[str]:
    return [c.id for c in channels]


def test_bundled_channels_are_the_ten_in_order():
    assert ids(contacts.load_channels()) == IDS


def test_every_bundled_channel_says_where_its_facts_come_from():
    for channel in contacts.load_channels():
        assert channel.source in ("seed", "added"), channel.id
        if channel.source == "seed":
            assert channel.seed_ref, channel.id
        else:
            assert channel.sources and not channel.seed_ref, channel.id
        assert all(url.startswith("https://") for url in channel.sources), channel.id
        assert set(channel.added) <= set(contacts.FIELDS), channel.id
        assert channel.how and all(s.steps.get("en") and s.steps.get("id") for s in channel.how)
        assert set(channel.name) == {"id", "en"}


@pytest.mark.skipif(not SEED.is_file(), reason="seed article not beside the project")
def test_seed_sections_and_addresses_are_in_the_seed_article():
    seed = SEED.read_text(encoding="utf-8")
    for channel in contacts.load_channels():
        if channel.source != "seed":
            continue
        for section in channel.seed_ref.split(";"):
            assert section.strip() in seed, (channel.id, section)
        if channel.kind in ("phone", "email", "social"):
            for address in [channel.address, *channel.also]:
                assert address in seed, (channel.id, address)
        if channel.url and "url" not in channel.added:
            assert channel.url.split("://", 1)[1] in seed, channel.id


def test_seed_gating_is_gold_and_above_and_marked_as_about_2020():
    channels = {c.id: c for c in contacts.load_channels()}
    for gated in GATED:
        assert not channels[gated].eligible("silver")
        assert channels[gated].tiers() == ["gold", "platinum", "diamond"]
        assert "2020" in channels[gated].who["en"] and "2020" in channels[gated].who["id"]
        assert "Platinum" not in channels[gated].who["en"]
    assert channels["phone"].tiers() == list(contacts.TIERS)
    assert "live-chat" not in ids(contacts.list_channels("silver"))
    assert "live-chat" in ids(contacts.list_channels("diamond"))


def test_tokopedia_care_is_chat_open_to_every_tier():
    care = contacts.get_channel("tokopedia-care", contacts.load_channels())
    assert care.kind == "chat" and care.tiers() == list(contacts.TIERS)
    assert {p for s in care.how for p in s.platforms} == set(contacts.PLATFORMS)
    for tier in contacts.TIERS:
        assert contacts.open_chat(contacts.load_channels(), tier).id == "tokopedia-care"


@pytest.mark.parametrize("topic", ["account", "payment", "promo", "refund", "seller",
                                   "qqqqzzzz xxyyww", None])
@pytest.mark.parametrize("tier", [*contacts.TIERS, None])
def test_tokopedia_care_comes_first_for_most_problems(topic, tier):
    advice = contacts.recommend(topic, tier, waited_days=None if topic else 0)
    expected = "resolution-center" if topic is None else "tokopedia-care"
    assert advice.picks[0].channel.id == expected
    assert "tokopedia-care" in [r.channel.id for r in advice.picks]


def test_unknown_tier_is_a_usage_error():
    with pytest.raises(UsageError):
        contacts.list_channels("bronze")


def test_silver_gets_tokopedia_care_chat_not_a_closed_door():
    advice = contacts.recommend("account", "silver")
    picked = [r.channel.id for r in advice.picks]
    assert picked[0] == "tokopedia-care" and advice.picks[0].channel.kind == "chat"
    assert "live-chat" not in picked and "toped-bot" not in picked
    assert set(GATED) == set(ids(advice.not_eligible))
    assert [r.rank for r in advice.picks] == list(range(1, len(picked) + 1))
    assert "tokohelp contact --channel tokopedia-care" in advice.note
    assert "about 2020" in advice.note and "Gold members and above" in advice.note
    assert "not open" not in advice.note.lower() and "closed" not in advice.note.lower()


def test_note_in_indonesian_points_to_tokopedia_care():
    note = contacts.recommend("refund", "silver", lang="id").note
    assert "Tokopedia Care" in note and "sekitar 2020" in note and "Gold ke atas" in note


def test_no_note_when_the_tier_may_use_every_channel():
    for tier in ("gold", "platinum", "diamond", None):
        assert contacts.recommend("refund", tier).note == ""


def test_without_an_open_chat_the_note_names_the_other_channels():
    write_config('[channels.tokopedia-care]\nkind = "web"\n')
    advice = contacts.recommend("account", "silver")
    assert "channels above are open to you" in advice.note
    assert "closed" not in advice.note.lower()


def test_a_users_own_gated_channel_is_not_blamed_on_the_seed():
    write_config('[channels.vip-desk]\nname = "VIP desk"\nkind = "chat"\naddress = "Floor 9"\n'
                 'min_tier = "platinum"\n')
    advice = contacts.recommend("refund", "gold")
    assert advice.note.startswith("VIP desk: for Platinum members and above.")
    assert "2020" not in advice.note and "tokopedia-care" in advice.note
    unknown = contacts.recommend("refund")
    vip = next(r for r in unknown.picks if r.channel.id == "vip-desk")
    assert "Platinum members and above" in vip.reason and "2020" not in vip.reason


def test_recommend_names_the_tier_limit_when_tier_unknown():
    advice = contacts.recommend("account")
    live = next(r for r in advice.picks if r.channel.id == "live-chat")
    assert "Gold members and above" in live.reason and "about 2020" in live.reason


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


def test_promo_for_gold_is_tokopedia_care_then_the_bot():
    picks = contacts.recommend("promo", "gold").picks
    assert [(r.channel.id, r.action) for r in picks[:2]] == [
        ("tokopedia-care", "best"), ("toped-bot", "best")]


def test_free_text_topic_is_mapped_through_search():
    advice = contacts.recommend("seller not answering my complaint", "silver", waited_days=4)
    assert advice.category == "orders" and advice.matched
    assert advice.picks[0].channel.id == "resolution-center"
    assert advice.picks[1].channel.id == "tokopedia-care"


def test_topic_with_no_article_falls_back_to_general_channels():
    advice = contacts.recommend("qqqqzzzz xxyyww")
    assert advice.category is None
    assert "resolution-center" not in [r.channel.id for r in advice.picks]
    assert (advice.picks[0].channel.id, advice.picks[0].action) == ("tokopedia-care", "general")


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
    assert (desk.source, desk.priority, desk.tiers()) == ("config", 50, ["platinum", "diamond"])
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
    ('[channels.phone]\nmin_tier = "bronze"\n', "diamond"),
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
    assert contacts.link_for(channels["phone"], "en") == "tel:+622180647333"
    assert contacts.link_for(channels["email"], "en") == (
        "mailto:contact@tokopedia.com?subject=Question%20for%20Tokopedia%20support")
    assert contacts.link_for(channels["email"], "en", "refund  & late") == (
        "mailto:contact@tokopedia.com?subject=refund%20%26%20late")
    assert contacts.link_for(channels["facebook"], "en") == "https://fb.com/tokopedia"
    assert contacts.link_for(channels["resolution-center"], "en") == (
        "https://m.tokopedia.com/resolution-center/inbox/buyer")


def test_resolution_center_link_is_not_the_homepage():
    url = contacts.get_channel("resolution-center", contacts.load_channels()).url
    assert url and "resolution-center" in url and url.rstrip("/") != "https://www.tokopedia.com"


@pytest.mark.parametrize(("value", "problem"), [
    ('"https://a.example"', "list"), ('["ftp://a.example"]', "http"), ('[3]', "string")])
def test_channel_sources_must_be_web_addresses(value, problem):
    write_config(f"[channels.phone]\nsources = {value}\n")
    with pytest.raises(ConfigError) as caught:
        contacts.load_channels()
    assert "channels.phone.sources" in caught.value.message and problem in caught.value.message


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
    opened = contacts.open_link("tel:+622180647333")
    assert opened.opened and not opened.problem
    assert (tmp_path / "opened.txt").read_text() == "tel:+622180647333"


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
