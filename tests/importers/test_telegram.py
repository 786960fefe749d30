"""Telegram Desktop JSON importer: golden samples, detection, overlap, bad input, fuzzing."""

import json
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import ImporterError, ImportOptions, detect, import_paths, telegram
from shequn.importers import _telegram_layout as layout
from shequn.importers.canonical import Canonical, merge
from shequn.importers.detect import unrecognised
from shequn.importers.source import Source

SAMPLES = Path(__file__).parent / "samples" / "telegram"
GROUP = SAMPLES / "group_new"
ACCOUNT = SAMPLES / "account"
BASIC_2019 = SAMPLES / "basic_2019"
BASIC_2024 = SAMPLES / "basic_2024"
CHANNEL_2018 = SAMPLES / "channel_2018"
ALL = [GROUP, ACCOUNT, BASIC_2019, BASIC_2024, CHANNEL_2018]

GROUP_KEY = "telegram:-1001570986215"
W, L, A, B = "user5207144061", "user6034491234", "user1122334455", "user987654321"
DMITRY, XIAOMING, HELPER = "user4400112233", "user8800990011", "user7100000001"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def load(*paths: Path, options: ImportOptions | None = None) -> Canonical:
    report = import_paths([str(p) for p in paths], options)
    assert report.errors == []
    return report.canonical


def read(path: Path, options: ImportOptions | None = None) -> Canonical:
    """claim() + read() directly, without the detection driver."""
    source = Source(path)
    (names,) = telegram.claim(source, source.names())
    return merge(telegram.read(source.subset(names), options or ImportOptions()))


MESSAGE_COLUMNS = [
    "message_id", "sent_at", "sender_id", "sender_name", "kind", "text", "reply_to", "mentions",
    "action", "edited",
]  # fmt: skip


# -- golden: a current supergroup export with every kind of message -----------------------------


def test_supergroup_messages():
    c = load(GROUP)
    assert c.messages["group_key"].unique().to_list() == [GROUP_KEY]
    assert c.messages.select(MESSAGE_COLUMNS).rows() == [
        ("-999999990", t("2024-03-01 01:50"), W, "王芳", "system", "运营交流群（旧）", None, [], "create_group", False),
        ("-999999989", t("2024-03-01 01:52"), L, "李雷", "text", "老群的第一条消息", None, [], None, False),
        ("-999999988", t("2024-03-01 01:55"), W, "王芳", "system", "", None, [], "migrate_to", False),
        ("1", t("2024-03-01 01:55"), W, "王芳", "system", "运营交流群（旧）", None, [], "migrate_from", False),
        ("2", t("2024-03-01 02:00"), W, "王芳", "text", "欢迎大家！这里是社群运营交流群 🎉", None, [], None, False),
        ("3", t("2024-03-01 02:02"), W, "王芳", "system", "", None, [], "invite_members", False),
        ("4", t("2024-03-01 02:05"), B, "Bob", "system", "", None, [], "join_group_by_link", False),
        ("5", t("2024-03-01 02:10"), L, "李雷", "link", "大家好，我是李雷，@alicechen 推荐我来的。资料见 https://shequn.example/intro", None, ["@alicechen"], None, False),
        ("6", t("2024-03-01 02:12"), A, "Alice Chen", "text", "欢迎欢迎", "5", [], None, False),
        ("7", t("2024-03-01 02:25"), B, "Bob", "image", "今天的活动海报", None, [], None, False),
        ("8", t("2024-03-01 02:26"), A, "Alice Chen", "sticker", "", None, [], None, False),
        ("9", t("2024-03-01 02:27"), L, "李雷", "audio", "", None, [], None, False),
        ("10", t("2024-03-01 02:28"), W, "王芳", "video", "活动回放", None, [], None, True),
        ("11", t("2024-03-01 02:29"), B, "Bob", "sticker", "", None, [], None, False),
        ("12", t("2024-03-01 02:30"), W, "王芳", "file", "社群 SOP 文档", None, [], None, False),
        ("13", t("2024-03-01 02:31"), L, "李雷", "audio", "", None, [], None, False),
        ("14", t("2024-03-01 02:32"), A, "Alice Chen", "video", "", None, [], None, False),
        ("15", t("2024-03-01 02:33"), B, "Bob", "location", "", None, [], None, False),
        ("16", t("2024-03-01 02:34"), W, "王芳", "location", "", None, [], None, False),
        ("17", t("2024-03-01 02:35"), L, "李雷", "contact", "", None, [], None, False),
        ("18", t("2024-03-01 02:36"), W, "王芳", "poll", "下次活动时间？", None, [], None, False),
        ("19", t("2024-03-01 02:37"), W, "王芳", "system", "", "18", [], "pin_message", False),
        ("20", t("2024-03-01 02:40"), A, "Alice Chen", "text", "谢谢 李雷！周六见", None, [L], None, False),
        ("21", t("2024-03-01 02:45"), W, "王芳", "system", "Shequn 运营交流群", None, [], "title_change", False),
        ("22", t("2024-03-01 02:50"), L, "李雷", "text", "Telegram 小技巧：长按消息可以回复", None, [], None, False),
        ("23", t("2024-03-01 02:52"), "user5000000001", None, "text", "这条消息的作者已注销", None, [], None, False),
        ("24", t("2024-03-01 02:55"), "channel1570986215", "Shequn 运营交流群", "text", "【公告】群规第一条：禁止广告", None, [], None, False),
        ("25", t("2024-03-01 03:00"), W, "王芳", "system", "", None, [], "remove_members", False),
        ("26", t("2024-03-01 03:05"), A, "Alice Chen", "system", "", None, [], "leave_group", False),
        ("27", t("2024-03-01 03:10"), DMITRY, "Dmitry", "system", "", None, [], "join_group", False),
        ("28", t("2024-03-01 03:15"), XIAOMING, "小明", "system", "", None, [], "join_group_by_request", False),
        # a reply to another chat's message is no reply inside this group
        ("29", t("2024-03-01 03:20"), DMITRY, "Dmitry", "text", "Hi all, glad to be here", None, [], None, False),
        # "unsupported": no time of its own, it takes the previous message's
        ("30", t("2024-03-01 03:20"), None, None, "media", "", None, [], None, False),
        ("31", t("2024-03-01 03:30"), HELPER, "Shequn Helper", "text", "📅 今日打卡提醒：分享一个运营小技巧", None, [], None, False),
        ("32", t("2024-03-01 03:35"), XIAOMING, "小明", "link", "报名请点这里", None, [], None, False),
        ("33", t("2024-03-01 12:00"), W, "王芳", "call", "", None, [], "group_call", False),
    ]  # fmt: skip


def test_supergroup_group_row():
    assert load(GROUP).groups.rows() == [
        (GROUP_KEY, "telegram", "-1001570986215", "Shequn 运营交流群", "supergroup", str(GROUP))
    ]


def test_supergroup_reactions_keep_named_reactors_and_the_anonymous_rest():
    c = load(GROUP)
    assert c.reactions.drop("group_key").rows() == [
        # the reactors' local times are read with the exporter's offset (UTC+8 here)
        ("6", "👍", W, "王芳", 1, t("2024-03-01 02:20")),
        ("6", "👍", L, "李雷", 1, t("2024-03-01 02:21:30")),
        ("6", "👍", None, None, 1, None),
        ("6", "custom_emoji:5368324170671202286", B, "Bob", 1, t("2024-03-01 02:22")),
        ("32", "⭐", W, "王芳", 1, t("2024-03-01 03:40")),
        ("32", "⭐", None, None, 4, None),
        ("32", "❤", None, None, 2, None),
    ]


def test_supergroup_membership_events_with_source_and_inviter():
    c = load(GROUP)
    assert c.membership_events.drop("group_key").rows() == [
        ("-999999990:0", t("2024-03-01 01:50"), "create", W, "王芳", None, None, "creator"),
        ("-999999990:2", t("2024-03-01 01:50"), "join", L, "李雷", W, "王芳", "invite"),
        ("3:0", t("2024-03-01 02:02"), "join", A, "Alice Chen", W, "王芳", "invite"),
        # 陈静 never wrote anything, so the export never shows her id
        ("3:1", t("2024-03-01 02:02"), "join", None, "陈静", W, "王芳", "invite"),
        ("4:0", t("2024-03-01 02:05"), "join", B, "Bob", W, "王芳", "link"),
        ("21:0", t("2024-03-01 02:45"), "rename", W, "王芳", W, "王芳", None),
        ("25:0", t("2024-03-01 03:00"), "kick", B, "Bob", W, "王芳", None),
        ("26:0", t("2024-03-01 03:05"), "leave", A, "Alice Chen", None, None, None),
        ("27:0", t("2024-03-01 03:10"), "join", DMITRY, "Dmitry", None, None, "organic"),
        ("28:0", t("2024-03-01 03:15"), "join", XIAOMING, "小明", None, None, "link"),
    ]


def test_supergroup_identities_and_roles():
    c = load(GROUP)
    assert sorted(c.identities.rows()) == sorted(
        ("telegram", identity, name, None, None, None)
        for identity, name in [
            (W, "王芳"),
            (L, "李雷"),
            (B, "Bob"),
            (A, "Alice Chen"),
            ("user5000000001", None),
            ("channel1570986215", "Shequn 运营交流群"),
            (DMITRY, "Dmitry"),
            (XIAOMING, "小明"),
            (HELPER, "Shequn Helper"),
        ]
    )
    assert sorted(c.memberships.drop("group_key").rows()) == sorted(
        [
            (W, "王芳", "owner"),  # created the group
            ("channel1570986215", "Shequn 运营交流群", "admin"),  # the group posting as itself
            (L, "李雷", "member"),
            (B, "Bob", "member"),
            (A, "Alice Chen", "member"),
            ("user5000000001", None, "member"),
            (DMITRY, "Dmitry", "member"),
            (XIAOMING, "小明", "member"),
            (HELPER, "Shequn Helper", "member"),
        ]
    )


# -- golden: a whole-account export ---------------------------------------------------------------


def test_account_groups_cover_every_chat_including_left_ones():
    c = load(ACCOUNT)
    assert c.groups.drop("source").rows() == [
        ("telegram:6034491234", "telegram", "6034491234", "李雷", "dm"),
        ("telegram:7100000001", "telegram", "7100000001", "Shequn Helper", "dm"),
        ("telegram:5207144061", "telegram", "5207144061", "Saved Messages", "dm"),
        ("telegram:-1001899000111", "telegram", "-1001899000111", "社群运营周刊", "channel"),
        ("telegram:-555000111", "telegram", "-555000111", "空群", "group"),
        ("telegram:-1001300000000", "telegram", "-1001300000000", "Growth Hackers 增长黑客", "supergroup"),
    ]  # fmt: skip


def test_account_messages():
    c = load(ACCOUNT)
    ch = "channel1899000111"
    assert c.messages.select("group_key", *MESSAGE_COLUMNS).rows() == [
        ("telegram:6034491234", "101", t("2024-03-02 01:00"), W, "王芳", "text", "周六的活动你来吗？", None, [], None, False),
        ("telegram:6034491234", "102", t("2024-03-02 01:05"), L, "李雷", "text", "来！我带两个朋友", "101", [], None, False),
        ("telegram:6034491234", "103", t("2024-03-02 13:00"), W, "王芳", "call", "", None, [], "call", False),
        ("telegram:7100000001", "201", t("2024-03-03 00:00"), W, "王芳", "text", "/start", None, [], None, False),
        ("telegram:7100000001", "202", t("2024-03-03 00:00:01"), HELPER, "Shequn Helper", "text", "你好！我会每天提醒群打卡。", None, [], None, False),
        ("telegram:5207144061", "301", t("2024-03-04 15:00"), W, "王芳", "text", "社群冷启动 checklist", None, [], None, False),
        ("telegram:-1001899000111", "1", t("2018-09-01 01:00"), ch, "社群运营周刊", "system", "社群运营周刊", None, [], "create_channel", False),
        ("telegram:-1001899000111", "2", t("2018-09-01 01:05"), ch, "社群运营周刊", "text", "第一期：什么是社群定位？", None, [], None, False),
        ("telegram:-1001899000111", "3", t("2018-09-08 01:05"), ch, "社群运营周刊", "text", "第二期：会员金字塔", None, [], None, False),
        ("telegram:-1001899000111", "4", t("2024-03-05 01:05"), ch, "社群运营周刊", "text", "第三百期：社群的生命周期", None, [], None, False),
        ("telegram:-1001300000000", "5001", t("2023-11-11 03:11"), W, "王芳", "system", "", None, [], "join_group", False),
        ("telegram:-1001300000000", "5002", t("2023-11-11 03:12"), "user1200000009", "Tom", "text", "Welcome! Read the pinned rules first.", "5001", [], None, False),
        ("telegram:-1001300000000", "5003", t("2023-12-01 00:00"), W, "王芳", "system", "", None, [], "leave_group", False),
    ]  # fmt: skip


def test_account_owner_and_address_book_become_identities():
    c = load(ACCOUNT)
    assert sorted(c.identities.drop("platform").rows()) == sorted(
        [
            (W, "王芳", "@wangfang", "+86 138 0013 8000", None),
            (L, "李雷", None, "+86 139 0000 1111", None),
            ("user1985737506", "GIF Search", None, None, True),  # a frequent inline bot
            (HELPER, "Shequn Helper", None, None, True),  # the other side of a bot chat
            ("channel1899000111", "社群运营周刊", None, None, None),
            ("user1200000009", "Tom", None, None, None),
        ]
    )


def test_account_memberships_and_events():
    c = load(ACCOUNT)
    assert sorted(c.memberships.rows()) == sorted(
        [
            ("telegram:6034491234", W, "王芳", "member"),
            ("telegram:6034491234", L, "李雷", "member"),
            ("telegram:7100000001", W, "王芳", "member"),
            ("telegram:7100000001", HELPER, "Shequn Helper", "bot"),
            ("telegram:5207144061", W, "王芳", "member"),
            ("telegram:-1001899000111", W, "王芳", "member"),
            ("telegram:-1001899000111", "channel1899000111", "社群运营周刊", "admin"),
            ("telegram:-555000111", W, "王芳", "member"),
            ("telegram:-1001300000000", W, "王芳", "member"),
            ("telegram:-1001300000000", "user1200000009", "Tom", "member"),
        ]
    )
    assert c.membership_events.rows() == [
        ("telegram:-1001300000000", "5001:0", t("2023-11-11 03:11"), "join", W, "王芳", None, None, "organic"),
        ("telegram:-1001300000000", "5003:0", t("2023-12-01 00:00"), "leave", W, "王芳", None, None, None),
    ]  # fmt: skip
    assert c.reactions.drop("group_key").rows() == [
        ("4", "🔥", None, None, 12, None),
        ("4", "👍", None, None, 4, None),
    ]


# -- golden: old exports (integer from_id, local dates only) ------------------------------------


def test_old_and_new_exports_of_one_chat_merge():
    c = load(BASIC_2019, BASIC_2024)
    zw, ly, cj, zj, ann = (
        f"user{n}" for n in (200111222, 200333444, 200555666, 200777888, 300000001)
    )
    assert c.groups["group_key"].to_list() == ["telegram:-389112233"]
    # dates of 2019 are local times of Asia/Shanghai (the default zone)
    assert c.messages.select(MESSAGE_COLUMNS).rows() == [
        ("1", t("2019-05-01 12:00"), zw, "张伟", "system", "Python 学习群", None, [], "create_group", False),
        ("2", t("2019-05-01 12:01:10"), zw, "张伟", "text", "欢迎加入 Python 学习群，每天打卡一道题。", None, [], None, False),
        ("3", t("2019-05-01 12:03"), ly, "刘洋", "link", "收到！题目在 https://leetcode.cn 吗？", "2", [], None, False),
        ("4", t("2019-05-01 13:15"), cj, "陈静", "image", "今日打卡", None, [], None, False),
        ("5", t("2019-05-01 14:00"), zw, "张伟", "system", "", None, [], "invite_members", False),
        ("6", t("2019-05-01 14:05"), zj, "周杰", "text", "刘洋 请问怎么安装 Python？", None, [ly], None, False),
        ("7", t("2019-05-02 00:30"), ly, "刘洋", "text", "去官网下载就好", "6", [], None, True),
        ("8", t("2019-05-02 01:10"), zw, "张伟", "system", "", "2", [], "pin_message", False),
        ("9", t("2019-05-02 01:20"), zw, "张伟", "system", "Python 学习群 🐍", None, [], "title_change", False),
        ("10", t("2019-05-02 04:00"), cj, "陈静", "sticker", "", None, [], None, False),
        ("11", t("2019-05-02 10:00"), zw, "张伟", "system", "", None, [], "remove_members", False),
        ("12", t("2019-05-03 13:30"), zw, "张伟", "text", "周末线下见", None, [], None, False),
        ("13", t("2024-01-15 11:00"), ann, "Ann", "system", "", None, [], "join_group_by_link", False),
        ("14", t("2024-01-15 11:01"), ann, "Ann", "text", "Hello! 我是新来的 Ann", None, [], None, False),
        ("15", t("2024-01-16 02:00"), cj, "陈静", "system", "", None, [], "leave_group", False),
        ("16", t("2024-01-16 02:30"), ann, "Ann", "text", "打卡第一天 #python", None, [], None, False),
    ]  # fmt: skip
    # one identity per person although the exports spell ids differently; newest name wins
    assert c.identities.select("identity_id", "name").rows() == [
        (zw, "张伟"),
        (ly, "刘洋 Leo"),
        (cj, "陈静"),
        (zj, "周杰"),
        (ann, "Ann"),
    ]
    assert c.membership_events.drop("group_key").rows() == [
        ("1:0", t("2019-05-01 12:00"), "create", zw, "张伟", None, None, "creator"),
        ("1:2", t("2019-05-01 12:00"), "join", ly, "刘洋", zw, "张伟", "invite"),
        ("1:3", t("2019-05-01 12:00"), "join", cj, "陈静", zw, "张伟", "invite"),
        ("5:0", t("2019-05-01 14:00"), "join", zj, "周杰", zw, "张伟", "invite"),
        ("9:0", t("2019-05-02 01:20"), "rename", zw, "张伟", zw, "张伟", None),
        ("11:0", t("2019-05-02 10:00"), "kick", zj, "周杰", zw, "张伟", None),
        ("13:0", t("2024-01-15 11:00"), "join", ann, "Ann", zw, "张伟", "link"),
        ("15:0", t("2024-01-16 02:00"), "leave", cj, "陈静", None, None, None),
    ]
    assert c.memberships.select("identity_id", "role").rows() == [
        (zw, "owner"),
        (ly, "member"),
        (cj, "member"),
        (zj, "member"),
        (ann, "member"),
    ]
    assert c.reactions.select("message_id", "emoji", "reactor_id", "reacted_at").rows() == [
        ("14", "👋", zw, t("2024-01-15 11:02")),
        ("14", "👋", ly, t("2024-01-15 11:03")),
    ]


def test_old_channel_posts_without_sender_are_the_channels():
    old = load(CHANNEL_2018)
    assert old.messages.select("message_id", "sender_id", "sender_name", "kind", "text").rows() == [
        ("1", "channel1899000111", "社群运营周刊", "system", "社群运营周刊"),
        ("2", "channel1899000111", "社群运营周刊", "text", "第一期：什么是社群定位？"),
        ("3", "channel1899000111", "社群运营周刊", "text", "第二期：会员金字塔"),
    ]
    both = load(CHANNEL_2018, ACCOUNT).messages.filter(
        pl.col("group_key") == "telegram:-1001899000111"
    )
    assert both["message_id"].to_list() == ["1", "2", "3", "4"]
    assert both["sender_id"].unique().to_list() == ["channel1899000111"]


def _old_chat(tmp_path: Path, dates: list[str]) -> Path:
    messages = [
        {"id": i, "type": "message", "date": d, "from": "Ann", "from_id": 42, "text": f"m{i}"}
        for i, d in enumerate(dates, start=1)
    ]
    path = tmp_path / "result.json"
    chat = {"name": "Berlin", "type": "private_group", "id": 77, "messages": messages}
    path.write_text(json.dumps(chat, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def test_old_local_dates_follow_the_zone_option(tmp_path):
    path = _old_chat(
        tmp_path, ["2019-07-01T12:00:00", "2019-10-27T02:30:00", "2019-03-31T02:30:00"]
    )
    berlin = load(path, options=ImportOptions(tz="Europe/Berlin"))
    assert berlin.messages["sent_at"].to_list() == [
        t("2019-07-01 10:00"),
        t("2019-10-27 00:30"),  # the hour that happens twice: its first occurrence
        t("2019-03-31 01:30"),  # the hour the clocks skip: read with the offset before it
    ]
    assert load(path).messages["sent_at"].to_list() == [
        t("2019-07-01 04:00"),
        t("2019-10-26 18:30"),
        t("2019-03-30 18:30"),
    ]


def test_unknown_zone_option_is_an_importer_error(tmp_path):
    path = _old_chat(tmp_path, ["2019-07-01T12:00:00"])
    report = import_paths([str(path)], ImportOptions(tz="Mars/Olympus"))
    assert [str(e) for e in report.errors] == [
        f"{path}: unknown time zone 'Mars/Olympus' in the options"
    ]


# -- the streaming reader gives what a whole-file decode gives ----------------------------------


def _tables(c: Canonical) -> dict[str, list[tuple]]:
    # People are listed in the order first seen, which depends on where batches are cut.
    return {
        "groups": c.groups.drop("source").rows(),
        "identities": sorted(c.identities.rows(), key=repr),
        "memberships": sorted(c.memberships.rows(), key=repr),
        "messages": c.messages.rows(),
        "reactions": c.reactions.rows(),
        "membership_events": c.membership_events.rows(),
    }


@pytest.mark.parametrize("sample", ALL, ids=lambda p: p.name)
def test_minified_file_gives_the_same_rows(tmp_path, sample):
    data = json.loads((sample / "result.json").read_text(encoding="utf-8"))
    minified = tmp_path / "result.json"
    minified.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    assert _tables(read(minified)) == _tables(read(sample / "result.json"))


@pytest.mark.parametrize("block", [1, 7, 64, 500])
@pytest.mark.parametrize("sample", ALL, ids=lambda p: p.name)
def test_tiny_read_blocks_give_the_same_rows(monkeypatch, sample, block):
    expected = _tables(read(sample / "result.json"))
    monkeypatch.setattr(layout, "BLOCK", block)
    assert _tables(read(sample / "result.json")) == expected


def test_batches_respect_batch_size():
    source = Source(GROUP / "result.json")
    batches = list(telegram.read(source, ImportOptions(batch_size=4)))
    assert [len(b) for b in batches] == [4, 4, 4, 4, 4, 4, 4, 4, 4, 0]
    assert _tables(merge(batches)) == _tables(read(GROUP / "result.json"))


# -- detection ---------------------------------------------------------------------------------


def test_detect_file():
    (export,) = detect(str(GROUP / "result.json"))
    assert (export.platform, export.source.names()) == ("telegram", ["result.json"])


def test_detect_folder_claims_the_media_beside_the_export():
    (export,) = detect(str(GROUP))
    assert export.platform == "telegram"
    assert export.source.names() == [
        "result.json",
        "contacts/contact_1.vcard",
        "files/社群SOP.pdf",
        "photos/photo_1@01-03-2024_10-25-00.jpg",
        "stickers/sticker.webp",
        "stickers/sticker.webp_thumb.jpg",
    ]
    assert unrecognised(str(GROUP)) == []


def test_detect_zip_of_all_samples(tmp_path):
    archive = tmp_path / "Telegram Desktop.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(SAMPLES.rglob("*")):
            if path.is_file():
                zf.write(path, f"Telegram Desktop/{path.relative_to(SAMPLES)}")
    found = detect(str(archive))
    assert sorted((e.platform, e.source.names()[0]) for e in found) == [
        ("telegram", f"Telegram Desktop/{p.name}/result.json") for p in sorted(ALL)
    ]
    assert unrecognised(str(archive)) == []
    assert _tables(load(archive)) == _tables(load(*sorted(ALL)))


def _foreign_samples() -> list[Path]:
    root = SAMPLES.parent
    return sorted(p for p in root.rglob("*") if p.is_file() and SAMPLES not in p.parents)


def test_does_not_claim_other_platforms_samples():
    claimed = []
    for path in _foreign_samples():
        source = Source(path)
        if telegram.claim(source, source.names()):
            claimed.append(path)
    assert claimed == []


@pytest.mark.parametrize(
    "text",
    [
        '{"guild": {"id": "1"}, "channel": {"type": "GuildTextChat"}, "messages": []}',
        '{"name": "x", "type": "group", "id": 1, "messages": []}',
        '[{"type": "message", "text": "hi", "ts": "1.0"}]',
        '{"about": "x", "list": []}',
    ],
)
def test_does_not_claim_lookalikes(tmp_path, text):
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    assert telegram.claim(Source(path), ["result.json"]) == []


# -- overlap -------------------------------------------------------------------------------------


def test_same_export_twice_keeps_each_message_once():
    once = load(GROUP)
    twice = load(GROUP, GROUP / "result.json")
    assert _tables(twice) == _tables(once)
    assert twice.messages.height == 36


def test_overlapping_date_ranges_keep_each_message_once():
    c = load(BASIC_2019, BASIC_2024)
    assert c.messages["message_id"].to_list() == [str(n) for n in range(1, 17)]
    assert c.messages.height == 12 + 10 - 6


# -- bad input -----------------------------------------------------------------------------------


def _broken(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "result.json"
    path.write_bytes(data)
    return path


def _error(path: Path) -> str:
    report = import_paths([str(path)])
    assert report.canonical.messages.height == 0
    (error,) = report.errors
    assert isinstance(error, ImporterError)
    return str(error)


def _line_of(data: bytes, marker: bytes) -> int:
    return data[: data.index(marker)].count(b"\n") + 1


def test_malformed_json_names_the_line(tmp_path):
    data = (GROUP / "result.json").read_bytes().replace(b'"id": 7,', b'"id": 7;', 1)
    path = _broken(tmp_path, data)
    line = _line_of(data, b'"id": 7;')
    assert _error(path) == f"{path}, line {line}: this is not valid JSON (expected ',' or '}}')"


def test_malformed_json_in_a_later_block_names_the_line(tmp_path, monkeypatch):
    monkeypatch.setattr(layout, "BLOCK", 256)
    data = (ACCOUNT / "result.json").read_bytes().replace(b'"id": 5002,', b'"id": 5002,,', 1)
    path = _broken(tmp_path, data)
    line = _line_of(data, b'"id": 5002,,')
    assert _error(path) == (
        f"{path}, line {line}: this is not valid JSON (object keys must be strings)"
    )


def test_wrong_value_names_the_message(tmp_path):
    data = (GROUP / "result.json").read_bytes().replace(b'"id": 7,', b'"id": "seven",', 1)
    path = _broken(tmp_path, data)
    assert _error(path) == f"{path}, message #10: Expected `int`, got `str` in `id`"


def test_unreadable_time_names_the_message(tmp_path):
    data = (GROUP / "result.json").read_bytes()
    data = data.replace(b'"date_unixtime": "1709259900"', b'"date_unixtime": "soon"', 1)
    path = _broken(tmp_path, data)
    assert (
        _error(path) == f"{path}, message #10: Expected `int | null`, got `str` in `date_unixtime`"
    )


def test_implausible_time_names_the_message(tmp_path):
    data = (GROUP / "result.json").read_bytes()
    data = data.replace(b'"date_unixtime": "1709259900"', b'"date_unixtime": "99999999999999"', 1)
    path = _broken(tmp_path, data)
    assert (
        _error(path)
        == f"{path}, message #10 (id 7): the time 99999999999999 is not a plausible date"
    )


def test_unreadable_old_date_names_the_message(tmp_path):
    data = (BASIC_2019 / "result.json").read_bytes()
    data = data.replace(b'"2019-05-01T21:15:00"', b'"May 1st, evening"', 1)
    path = _broken(tmp_path, data)
    assert _error(path) == f"{path}, message #4 (id 4): the date 'May 1st, evening' is not a time"


@pytest.mark.parametrize("sample", [GROUP, ACCOUNT], ids=lambda p: p.name)
def test_truncated_file_names_where_it_stops(tmp_path, sample):
    data = (sample / "result.json").read_bytes()
    data = data[: len(data) // 2]
    path = _broken(tmp_path, data)
    last_line = data.count(b"\n") + 1
    assert _error(path) == (
        f"{path}, line {last_line}: the file ends in the middle of the export "
        "(cut short while copying or downloading?)"
    )


def test_truncated_minified_file(tmp_path):
    data = json.dumps(json.loads((GROUP / "result.json").read_bytes()), separators=(",", ":"))
    path = _broken(tmp_path, data.encode()[:3000])
    assert _error(path) == (
        f"{path}, line 1: the file ends in the middle of the export (cut short while copying?)"
    )


def test_wrong_encoding_names_the_line(tmp_path):
    text = (BASIC_2019 / "result.json").read_text(encoding="utf-8")
    data = text.encode("gb18030")
    path = _broken(tmp_path, data)
    assert _error(path) == (
        f"{path}, line 2: the text is not UTF-8 (was the file re-saved in another encoding?)"
    )


def _misencode(field: bytes) -> bytes:
    """The group sample with message id 7's `field` starting with two GBK bytes."""
    data = (GROUP / "result.json").read_bytes()
    at = data.index(field, data.index(b'"id": 7,'))
    return data[:at] + field + b'"\xb9\xfe' + data[at + len(field) + 1 :]


def test_wrong_encoding_in_a_name_names_its_line(tmp_path):
    data = _misencode(b'"from": ')
    path = _broken(tmp_path, data)
    line = _line_of(data, b'"\xb9\xfe')
    assert _error(path) == (
        f"{path}, line {line}: the text is not UTF-8 (was the file re-saved in another encoding?)"
    )


def test_wrong_encoding_in_a_text_names_the_message(tmp_path):
    path = _broken(tmp_path, _misencode(b'"text": '))
    assert _error(path) == (
        f"{path}, message #10 (id 7): the text is not UTF-8 (was the file re-saved in another "
        "encoding?)"
    )


@pytest.mark.parametrize("minified", [False, True])
def test_control_characters_written_as_x_escapes_are_read(tmp_path, minified):
    # Telegram Desktop writes control characters as \xNN, which is not JSON.
    data = (GROUP / "result.json").read_bytes()
    if minified:
        data = json.dumps(json.loads(data), ensure_ascii=False, separators=(",", ":")).encode()
    data = data.replace('"欢迎欢迎"'.encode(), b'"a\\x0Bb\\\\x41"', 1)
    c = read(_broken(tmp_path, data))
    assert c.messages.filter(pl.col("message_id") == "6")["text"].to_list() == ["a\x0bb\\x41"]


def test_utf16_file_says_what_is_wrong(tmp_path):
    data = (GROUP / "result.json").read_text(encoding="utf-8").encode("utf-16")
    path = _broken(tmp_path, data)
    assert _error(path) == (
        f"{path}, line 1: the file is UTF-16 text; Telegram Desktop writes UTF-8 — export it "
        "again, or save it as UTF-8"
    )


@pytest.mark.parametrize("data", [b"", b"  \n\n"])
def test_empty_file(tmp_path, data):
    path = _broken(tmp_path, data)
    assert _error(path) == f"{path}, line 1: the file is empty"


def test_bad_file_does_not_lose_the_good_one(tmp_path):
    bad = _broken(tmp_path, (GROUP / "result.json").read_bytes()[:5000])
    report = import_paths([str(bad), str(BASIC_2019)])
    assert [e.path for e in report.errors] == [str(bad)]
    assert report.canonical.messages["message_id"].to_list() == [str(n) for n in range(1, 13)]


# -- fuzzing: nothing but ImporterError escapes ----------------------------------------------------

_fuzz = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FUZZ_FILES = [p / "result.json" for p in ALL]


def _exercise(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "result.json"
        path.write_bytes(data)
        source = Source(path)
        try:
            telegram.claim(source, source.names())
            for batch in telegram.read(source, ImportOptions(batch_size=7)):
                assert len(batch) <= 7
        except ImporterError as exc:
            assert str(path) in str(exc)


@_fuzz
@given(data=st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes(data):
    _exercise(data)
    _exercise(b'{\n "name": "x",\n "type": "private_group",\n "id": 1,\n "messages": [\n  ' + data)


@_fuzz
@given(
    which=st.sampled_from(FUZZ_FILES),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
    junk=st.tuples(st.floats(0, 1), st.binary(max_size=40)),
    block=st.sampled_from([16, 333, 8 << 20]),
)
def test_fuzz_mutated_samples(which, cut, flips, junk, block):
    data = bytearray(which.read_bytes())
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    at = int(junk[0] * len(data))
    data[at:at] = junk[1]
    if cut < 0.5:
        data = data[: int(cut * 2 * len(data))]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(layout, "BLOCK", block)
        _exercise(bytes(data))


_WORDS = ["user1", "channel2", "2024-03-01T10:00:00", "1709258400", "service", "unsupported", "invite_members", "remove_members", "create_group", "mention", "mention_name", "link", "custom_emoji", "paid", "pin_message", "sticker", "voice_message"]  # fmt: skip
_KEYS = ["type", "text", "user_id", "from", "from_id", "date", "count", "emoji", "recent", "question"]  # fmt: skip
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(_WORDS),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=3)
    ),
    max_leaves=8,
)
_MESSAGE_KEYS = [
    "id", "type", "date", "date_unixtime", "edited", "from", "from_id", "actor", "actor_id",
    "action", "title", "members", "inviter", "message_id", "reply_to_message_id",
    "reply_to_peer_id", "photo", "file", "media_type", "location_information", "place_name",
    "contact_information", "poll", "paid_stars_amount", "text", "reactions",
]  # fmt: skip


@_fuzz
@given(
    which=st.sampled_from(FUZZ_FILES),
    edits=st.lists(
        st.tuples(st.integers(0, 60), st.sampled_from(_MESSAGE_KEYS), _json_values | st.just(...)),
        min_size=1,
        max_size=4,
    ),
    minify=st.booleans(),
)
def test_fuzz_valid_json_with_unexpected_values(which, edits, minify):
    doc = json.loads(which.read_text(encoding="utf-8"))
    chats = [doc] if "messages" in doc else doc["chats"]["list"] + doc["left_chats"]["list"]
    messages = [m for chat in chats for m in chat["messages"]]
    for index, key, value in edits:
        message = messages[index % len(messages)]
        if value is ...:
            message.pop(key, None)
        else:
            message[key] = value
    _exercise(json.dumps(doc, ensure_ascii=False, indent=None if minify else 1).encode())
