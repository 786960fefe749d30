"""QQ importers: message-manager .txt and QQChatExporter (QQ NT) JSON."""

from __future__ import annotations

import codecs
import io
import json
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import ImporterError, ImportOptions, detect, import_paths, qq
from shequn.importers._qq_jsonstream import JsonStream
from shequn.importers.canonical import Canonical
from shequn.importers.events import synthetic_message_id, to_us
from shequn.importers.source import Source

SAMPLES = Path(__file__).parent / "samples"
QQ = SAMPLES / "qq"
TXT = QQ / "msgmgr_utf8.txt"
V5 = QQ / "group_123456789_20240301_120000.json"
V4 = QQ / "产品交流群_v4.json"
COMPACT = QQ / "friend_u_LaoZhangZq8RxT2mNw4Lp6_20240302_210000.json"
CHUNKED = QQ / "group_555666777_20240401_210000_chunked_jsonl"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def sid(at: str, author: str, text: str, occurrence: int = 0) -> str:
    return synthetic_message_id(to_us(utc(at)), author, text, occurrence)


def load(*paths: Path, **options: Any) -> Canonical:
    report = import_paths([str(p) for p in paths], ImportOptions(**options))
    assert report.errors == []
    return report.canonical


def rows(df: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return df.select(columns).rows()


# -- message-manager .txt ----------------------------------------------------------------------
def test_txt_groups_one_row_per_chat_keyed_by_name() -> None:
    c = load(TXT)
    assert c.groups.rows() == [
        ("qq:产品交流群", "qq", None, "产品交流群", "group", str(TXT)),
        ("qq:老张", "qq", None, "老张", "dm", str(TXT)),
    ]


def test_txt_messages() -> None:
    c = load(TXT)
    g = "qq:产品交流群"
    body = "第一行\n\n第三行（中间有空行）\n" + "=" * 64 + "\n这一行上面是用户打的等号，不是分隔线"
    invite = "张三(123456789) 邀请 李四(234567890)、王五 加入本群"
    mention = "@张三 收到，@Tom (Design) [PM] 看一下"
    columns = (
        "group_key",
        "sent_at",
        "sender_id",
        "sender_name",
        "kind",
        "text",
        "mentions",
        "action",
    )
    # fmt: off
    assert rows(c.messages, *columns) == [
        (g, utc("2023-01-05 01:00:02"), None, "系统消息", "system", invite, [], "invite_members"),
        (g, utc("2023-01-05 01:03:11"), "123456789", "张三", "text", "大家好\n欢迎新朋友", [], None),
        (g, utc("2023-01-05 01:04:02"), "xiaohong@example.com", "小红", "text", "[图片]你好", [], None),
        (g, utc("2023-01-05 01:04:30"), "xiaohong@example.com", "小红", "image", "[图片]", [], None),
        (g, utc("2023-01-05 01:05:00"), "345678901", "Tom (Design) [PM]", "text", "+1", [], None),
        (g, utc("2023-01-05 01:05:00"), "345678901", "Tom (Design) [PM]", "text", "+1", [], None),
        (g, utc("2023-01-05 01:06:15"), "456789012", "王五", "text", mention, ["123456789", "345678901"], None),
        (g, utc("2023-01-05 01:07:00"), "456789012", "王五", "sticker", "[表情]", [], None),
        (g, utc("2023-01-05 01:08:00"), "456789012", "王五", "file", "[文件]", [], None),
        (g, utc("2023-01-05 01:09:00"), "123456789", "张三", "audio", "[语音]", [], None),
        (g, utc("2023-01-05 01:10:00"), "123456789", "张三", "video", "[视频]", [], None),
        (g, utc("2023-01-05 01:11:00"), None, "系统消息", "system", "赵六加入本群", [], "join_group"),
        (g, utc("2023-01-05 01:12:00"), None, "系统消息", "system", "王五撤回了一条消息", [], "recall"),
        (g, utc("2023-01-05 02:00:00"), "567890123", "赵六", "text", body, [], None),
        (g, utc("2023-01-05 03:00:00"), None, "系统消息", "system", "赵六被管理员移出本群", [], "remove_members"),
        (g, utc("2023-01-05 03:30:00"), None, "系统消息", "system", "Tom (Design) [PM]退出了本群", [], "leave_group"),
        ("qq:老张", utc("2023-01-06 12:00:00"), "678901234", "老张", "text", "在吗？", [], None),
        ("qq:老张", utc("2023-01-06 12:01:00"), "10001", "运营小王", "text", "在的", [], None),
    ]
    # fmt: on
    assert c.messages["reply_to"].null_count() == 18
    assert c.messages["edited"].to_list() == [False] * 18


def test_txt_message_ids_are_synthetic_and_keep_repeats_apart() -> None:
    ids = load(TXT).messages["message_id"].to_list()
    assert ids[0] == sid(
        "2023-01-05 01:00:02", "10000", "张三(123456789) 邀请 李四(234567890)、王五 加入本群"
    )
    assert ids[2] == sid("2023-01-05 01:04:02", "xiaohong@example.com", "[图片]你好")
    assert ids[4:6] == [
        sid("2023-01-05 01:05:00", "345678901", "+1", 0),
        sid("2023-01-05 01:05:00", "345678901", "+1", 1),
    ]
    assert len(set(ids)) == 18


def test_txt_people_roles_from_badges() -> None:
    c = load(TXT)
    assert sorted(rows(c.identities, "identity_id", "name")) == [
        ("10001", "运营小王"),
        ("123456789", "张三"),
        ("234567890", "李四"),
        ("345678901", "Tom (Design) [PM]"),
        ("456789012", "王五"),
        ("567890123", "赵六"),
        ("678901234", "老张"),
        ("xiaohong@example.com", "小红"),
    ]
    assert sorted(c.memberships.rows()) == [
        ("qq:产品交流群", "123456789", "张三", "owner"),
        ("qq:产品交流群", "234567890", "李四", "member"),
        ("qq:产品交流群", "345678901", "Tom (Design) [PM]", "member"),
        ("qq:产品交流群", "456789012", "王五", "admin"),
        ("qq:产品交流群", "567890123", "赵六", "member"),
        ("qq:产品交流群", "xiaohong@example.com", "小红", "member"),
        ("qq:老张", "10001", "运营小王", "member"),
        ("qq:老张", "678901234", "老张", "member"),
    ]


def test_txt_membership_events_resolve_names_to_numbers() -> None:
    c = load(TXT)
    invite = sid(
        "2023-01-05 01:00:02", "10000", "张三(123456789) 邀请 李四(234567890)、王五 加入本群"
    )
    joined = sid("2023-01-05 01:11:00", "10000", "赵六加入本群")
    kicked = sid("2023-01-05 03:00:00", "10000", "赵六被管理员移出本群")
    left = sid("2023-01-05 03:30:00", "10000", "Tom (Design) [PM]退出了本群")
    g = "qq:产品交流群"
    # fmt: off
    assert c.membership_events.rows() == [
        (g, f"{invite}:0", utc("2023-01-05 01:00:02"), "join", "234567890", "李四", "123456789", "张三", "invite"),
        (g, f"{invite}:1", utc("2023-01-05 01:00:02"), "join", "456789012", "王五", "123456789", "张三", "invite"),
        (g, f"{joined}:0", utc("2023-01-05 01:11:00"), "join", "567890123", "赵六", None, None, "unknown"),
        (g, f"{kicked}:0", utc("2023-01-05 03:00:00"), "kick", "567890123", "赵六", None, None, None),
        (g, f"{left}:0", utc("2023-01-05 03:30:00"), "leave", "345678901", "Tom (Design) [PM]", None, None, None),
    ]
    # fmt: on


# fmt: off
_ENCODED_SAMPLES = [
    ("msgmgr_gb18030.txt", [
        ("qq:读书会", utc("2023-02-01 13:00:00"), "111222333", "text", "本周读《乡土中国》第三章", None),
        ("qq:读书会", utc("2023-02-01 13:02:00"), None, "system", "孙七(789012345)加入本群。", "join_group"),
        ("qq:读书会", utc("2023-02-01 13:03:00"), "789012345", "text", "老师好！", None),
        ("qq:读书会", utc("2023-02-01 13:05:00"), None, "system", "孙七被管理员禁言10分钟", "mute_member"),
        ("qq:读书会", utc("2023-02-01 13:30:00"), "111222333", "text", "今天就到这里", None),
    ]),
    ("msgmgr_utf16le_bom.txt", [
        ("qq:羽毛球群", utc("2023-03-01 10:00:00"), "222333444", "text", "周六上午九点，老地方", None),
        ("qq:羽毛球群", utc("2023-03-01 10:05:00"), "333444555", "text", "收到👍", None),
        ("qq:羽毛球群", utc("2023-03-01 10:06:00"), "333444555", "image", "[图片][图片]", None),
    ]),
    # A discussion group (多人聊天) lists bare names, without QQ numbers.
    ("msgmgr_utf16le_nobom.txt", [
        ("qq:周末爬山", utc("2023-03-04 00:00:00"), "阿强", "text", "几点集合？", None),
        ("qq:周末爬山", utc("2023-03-04 00:01:30"), "小美", "text", "七点半地铁站", None),
        ("qq:周末爬山", utc("2023-03-04 00:02:00"), "阿强", "text", "好", None),
    ]),
]
# fmt: on


@pytest.mark.parametrize(("name", "expected"), _ENCODED_SAMPLES)
def test_txt_encodings(name: str, expected: list[tuple[object, ...]]) -> None:
    c = load(QQ / name)
    columns = ("group_key", "sent_at", "sender_id", "kind", "text", "action")
    assert rows(c.messages, *columns) == expected


def test_txt_gb18030_events_and_admin_badge() -> None:
    c = load(QQ / "msgmgr_gb18030.txt")
    assert rows(c.membership_events, "kind", "identity_id", "identity_name", "source") == [
        ("join", "789012345", "孙七", "unknown"),
        ("mute", "789012345", "孙七", None),
    ]
    assert sorted(rows(c.memberships, "identity_id", "role")) == [
        ("111222333", "admin"),
        ("789012345", "member"),
    ]


def test_txt_times_are_read_in_the_given_timezone() -> None:
    c = load(QQ / "msgmgr_gb18030.txt", tz="UTC")
    assert c.messages["sent_at"][0] == utc("2023-02-01 21:00:00")


def test_txt_same_text_in_other_encodings_gives_the_same_ids(tmp_path: Path) -> None:
    text = TXT.read_bytes()[3:].decode("utf-8")
    (tmp_path / "gbk.txt").write_bytes(text.encode("gb18030"))
    (tmp_path / "u16be.txt").write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    expected = load(TXT).messages
    for name in ("gbk.txt", "u16be.txt"):
        assert load(tmp_path / name).messages.equals(expected)


def test_txt_without_header_block_uses_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "某群.txt"
    path.write_text(
        "消息记录（此消息记录为文本格式，不支持重新导入）\n\n2023-01-05 9:03:11 张三(123456789)\n你好\n",
        encoding="utf-8",
    )
    c = load(path)
    assert rows(c.messages, "group_key", "sender_id", "text") == [("qq:某群", "123456789", "你好")]


# -- QQChatExporter JSON ------------------------------------------------------------------------
def test_v5_group_comes_from_the_exporter_file_name() -> None:
    c = load(V5)
    assert c.groups.rows() == [
        ("qq:123456789", "qq", "123456789", "开源社区运营群", "group", str(V5))
    ]


def test_v5_messages() -> None:
    c = load(V5)
    g = "qq:123456789"
    m = [f"73410000000000{n:05d}" for n in range(20)]
    columns = (
        "group_key",
        "message_id",
        "sent_at",
        "sender_id",
        "sender_name",
        "kind",
        "text",
        "reply_to",
        "mentions",
        "action",
    )
    # fmt: off
    assert rows(c.messages, *columns) == [
        (g, m[1], utc("2024-03-01 02:00:00"), None, None, "system", "运营小王 邀请 李四、赵六 加入了群聊", None, [], "invite_members"),
        (g, m[2], utc("2024-03-01 02:01:00"), "11111", "Alice (PM)", "text", "大家早上好", None, [], None),
        (g, m[3], utc("2024-03-01 02:02:00"), "22222", "Bob (Eng)", "image", "[图片: screenshot.png]", None, [], None),
        (g, m[4], utc("2024-03-01 02:02:30"), "22222", "Bob (Eng)", "text", "看这个报错 [图片: err.png]", None, [], None),
        (g, m[5], utc("2024-03-01 02:03:00"), "33333", "张三", "sticker", "[[微笑]]", None, [], None),
        (g, m[6], utc("2024-03-01 02:04:00"), "33333", "张三", "text", "@Alice 请看一下 @王五", None, ["11111", "55555"], None),
        (g, m[7], utc("2024-03-01 02:05:00"), "11111", "Alice (PM)", "text", "收到，马上开会", m[2], [], None),
        (g, m[8], utc("2024-03-01 02:06:00"), "22222", "Bob (Eng)", "file", "[文件: 需求文档.pdf]", None, [], None),
        (g, m[9], utc("2024-03-01 02:07:00"), "44444", "四哥", "audio", "[语音 7秒]", None, [], None),
        (g, m[10], utc("2024-03-01 02:08:00"), "44444", "四哥", "video", "[视频: demo.mp4]", None, [], None),
        (g, m[11], utc("2024-03-01 02:09:00"), None, None, "system", "王五 通过扫描 Alice 分享的二维码加入群聊", None, [], "join_group_by_link"),
        (g, m[12], utc("2024-03-01 02:10:00"), "55555", "王五", "text", "大家好，我是王五", None, [], None),
        (g, m[13], utc("2024-03-01 02:11:00"), "22222", "Bob (Eng)", "sticker", "[狗头]", None, [], None),
        (g, m[14], utc("2024-03-01 02:12:00"), None, None, "system", "张三 撤回了一条消息", None, [], "recall"),
        (g, m[15], utc("2024-03-01 02:13:00"), None, None, "system", "赵六 退出了群聊", None, [], "leave_group"),
        (g, m[16], utc("2024-03-01 02:14:00"), None, None, "system", "Bob (Eng) 被 运营小王 移出了群聊", None, [], "remove_members"),
        (g, m[17], utc("2024-03-01 02:15:00"), "11111", "Alice (PM)", "deleted", "发错群了", None, [], None),
        (g, m[18], utc("2024-03-01 02:16:00"), "10001", "运营小王", "text", "@全体成员 今晚8点线上分享", None, [], None),
        (g, m[19], utc("2024-03-01 02:17:00"), "33333", "张三", "link", "[卡片消息: 活动报名]", None, [], None),
    ]
    # fmt: on


def test_v5_people_and_events() -> None:
    c = load(V5)
    g = "qq:123456789"
    assert sorted(rows(c.identities, "identity_id", "name")) == [
        ("10001", "运营小王"),
        ("11111", "Alice"),
        ("22222", "Bob"),
        ("33333", "张三"),
        ("44444", "李四"),
        ("55555", "王五"),
        ("赵六", "赵六"),
    ]
    # The group card is the name inside the group; the identity keeps the QQ nickname.
    assert sorted(c.memberships.rows()) == [
        (g, "10001", "运营小王", "member"),
        (g, "11111", "Alice (PM)", "member"),
        (g, "22222", "Bob (Eng)", "member"),
        (g, "33333", "张三", "member"),
        (g, "44444", "四哥", "member"),
        (g, "55555", "王五", "member"),
        (g, "赵六", "赵六", "member"),
    ]
    first, qr, left, kicked = (f"73410000000000{n:05d}" for n in (1, 11, 15, 16))
    # fmt: off
    assert c.membership_events.rows() == [
        (g, f"{first}:0", utc("2024-03-01 02:00:00"), "join", "44444", "李四", "10001", "运营小王", "invite"),
        (g, f"{first}:1", utc("2024-03-01 02:00:00"), "join", "赵六", "赵六", "10001", "运营小王", "invite"),
        (g, f"{qr}:0", utc("2024-03-01 02:09:00"), "join", "55555", "王五", "11111", "Alice", "link"),
        (g, f"{left}:0", utc("2024-03-01 02:13:00"), "leave", "赵六", "赵六", None, None, None),
        (g, f"{kicked}:0", utc("2024-03-01 02:14:00"), "kick", "22222", "Bob (Eng)", "10001", "运营小王", None),
    ]
    # fmt: on
    assert c.reactions.height == 0


def test_v4_parsed_messages_with_roles_reactions_and_iso_times() -> None:
    c = load(V4)
    g = "qq:987654321"
    m = [f"72000000000000{n:05d}" for n in range(9)]
    assert c.groups.rows() == [(g, "qq", "987654321", "产品交流群", "group", str(V4))]
    columns = (
        "message_id",
        "sent_at",
        "sender_id",
        "sender_name",
        "kind",
        "text",
        "reply_to",
        "mentions",
        "action",
    )
    # fmt: off
    assert rows(c.messages, *columns) == [
        (m[1], utc("2023-06-01 01:00:00"), "900001", "群主老陈", "text", "欢迎大家，本群只聊产品", None, [], None),
        (m[2], utc("2023-06-01 01:01:00"), "900002", "管理员小林", "text", "群规见公告", None, [], None),
        (m[3], utc("2023-06-01 01:02:00"), None, None, "system", "新人小周 加入了群聊", None, [], "join_group"),
        (m[4], utc("2023-06-01 01:03:00"), "900003", "新人小周", "image", "[图片: IMG_0001.jpg]", None, [], None),
        (m[5], utc("2023-06-01 01:04:00"), "900001", "群主老陈", "text", "图片很清楚", m[4], [], None),
        (m[6], utc("2023-06-01 01:05:00"), "900002", "管理员小林", "text", "@新人小周 记得改群名片", None, ["900003"], None),
        (m[7], utc("2023-06-01 01:06:00"), "900003", "新人小周", "sticker", "[OK]", None, [], None),
        (m[8], utc("2023-06-01 01:07:00"), None, None, "system", "管理员小林 撤回了 新人小周 的消息", None, [], "recall"),
    ]
    # fmt: on
    assert sorted(c.memberships.rows()) == [
        (g, "900001", "群主老陈", "owner"),
        (g, "900002", "管理员小林", "admin"),
        (g, "900003", "新人小周", "member"),
    ]
    assert rows(c.reactions, "message_id", "emoji", "reactor_id", "count") == [
        (m[2], "face:76", None, 3),
        (m[2], "👍", None, 1),
    ]
    assert rows(c.membership_events, "event_id", "kind", "identity_id", "source") == [
        (f"{m[3]}:0", "join", "900003", "unknown"),
    ]


def test_compact_private_chat_on_one_line() -> None:
    c = load(COMPACT)
    g = "qq:u_LaoZhangZq8RxT2mNw4Lp6"
    assert c.groups.rows() == [(g, "qq", "u_LaoZhangZq8RxT2mNw4Lp6", "老张", "dm", str(COMPACT))]
    assert rows(c.messages, "message_id", "sender_id", "kind", "text") == [
        ("7341000000000000101", "66666", "text", "在吗？"),
        ("7341000000000000102", "10001", "text", "在的，什么事"),
        ("7341000000000000103", "66666", "image", "[图片: 报价单.jpg]"),
        ("7341000000000000104", "10001", "text", '收到 }],{"id":"不是消息"} 这是正文'),
    ]


def test_chunked_jsonl_export_in_a_folder_and_a_zip(tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / CHUNKED.name), "zip", QQ, CHUNKED.name)
    for path in (CHUNKED, Path(archive)):
        c = load(path)
        g = "qq:555666777"
        assert rows(c.groups, "group_key", "external_id", "name", "chat_type") == [
            (g, "555666777", "读书会", "group")
        ]
        assert rows(
            c.messages, "message_id", "sender_id", "kind", "text", "reply_to", "mentions", "action"
        ) == [
            ("7341000000000000201", "11111", "text", "今晚读第一章", None, [], None),
            ("7341000000000000202", "33333", "text", "好的", None, [], None),
            ("7341000000000000203", "22222", "text", "@张三 你带书了吗", None, ["33333"], None),
            ("7341000000000000204", "33333", "text", "带了", "7341000000000000203", [], None),
            (
                "7341000000000000205",
                None,
                "system",
                "你邀请李四加入了群聊",
                None,
                [],
                "invite_members",
            ),
        ]
        # "你" is the exporting account, named in chatInfo.
        assert rows(
            c.membership_events, "kind", "identity_id", "actor_id", "actor_name", "source"
        ) == [
            ("join", "李四", "10001", "运营小王", "invite"),
        ]


def test_batches_respect_batch_size() -> None:
    for path in (TXT, V5):
        source = Source(str(path))
        batches = list(qq.read(source, ImportOptions(batch_size=4)))
        assert [len(b) for b in batches] == [4, 4, 4, 4, 2 if path == TXT else 3]


# -- detection ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "names"),
    [
        (TXT, [["msgmgr_utf8.txt"]]),
        (QQ / "msgmgr_utf16le_nobom.txt", [["msgmgr_utf16le_nobom.txt"]]),
        (V4, [["产品交流群_v4.json"]]),
        (COMPACT, [[COMPACT.name]]),
        (
            CHUNKED,
            [["manifest.json", "chunks/c000001.jsonl", "chunks/c000002.jsonl", "avatars.json"]],
        ),
    ],
)
def test_detect_finds_the_export_as_file_folder_and_zip(
    path: Path, names: list[list[str]], tmp_path: Path
) -> None:
    found = detect(str(path))
    assert [(e.platform, e.source.names()) for e in found] == [("qq", n) for n in names]
    if path.is_file():
        folder = tmp_path / "folder"
        folder.mkdir()
        shutil.copy(path, folder / path.name)
        (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
        assert [(e.platform, e.source.names()) for e in detect(str(folder))] == [
            ("qq", n) for n in names
        ]
        archive = tmp_path / "export.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.write(path, f"导出/{path.name}")
        assert [(e.platform, e.source.names()) for e in detect(str(archive))] == [
            ("qq", [f"导出/{n}" for n in group]) for group in names
        ]


def test_a_folder_of_every_qq_sample_is_claimed_export_by_export() -> None:
    claimed = qq.claim(Source(str(QQ)), Source(str(QQ)).names())
    assert sorted(claimed) == sorted(
        [
            [
                f"{CHUNKED.name}/manifest.json",
                f"{CHUNKED.name}/chunks/c000001.jsonl",
                f"{CHUNKED.name}/chunks/c000002.jsonl",
                f"{CHUNKED.name}/avatars.json",
            ],
            [COMPACT.name],
            [V5.name],
            ["msgmgr_gb18030.txt"],
            ["msgmgr_utf16le_bom.txt"],
            ["msgmgr_utf16le_nobom.txt"],
            ["msgmgr_utf8.txt"],
            [V4.name],
        ]
    )


def _other_platform_files() -> list[Path]:
    return sorted(
        p
        for p in SAMPLES.rglob("*")
        if p.is_file() and QQ not in p.parents and p.name != ".gitkeep"
    )


def test_other_platforms_samples_are_not_claimed() -> None:
    for path in _other_platform_files():
        assert qq.claim(Source(str(path)), [path.name]) == [], path
    for folder in sorted(p for p in SAMPLES.iterdir() if p.is_dir() and p != QQ):
        source = Source(str(folder))
        assert qq.claim(source, source.names()) == [], folder


# -- overlap ------------------------------------------------------------------------------------
def test_the_same_export_twice_yields_each_message_once() -> None:
    for path in (TXT, V5, CHUNKED):
        once = load(path)
        twice = load(path, path)
        assert twice.messages.equals(once.messages)
        assert twice.membership_events.equals(once.membership_events)
        assert twice.memberships.height == once.memberships.height


def test_overlapping_txt_parts_merge(tmp_path: Path) -> None:
    lines = (
        TXT.read_bytes()[3:].decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    header = lines[:8]
    start = lines.index("2023-01-05 9:06:15 【管理员】王五(456789012)")
    stop = lines.index("2023-01-05 9:12:00 系统消息(10000)")
    (tmp_path / "part1.txt").write_text("\r\n".join(lines[:stop]), encoding="utf-8-sig")
    (tmp_path / "part2.txt").write_text("\r\n".join(header + lines[start:]), encoding="gb18030")
    merged = load(tmp_path / "part1.txt", tmp_path / "part2.txt")
    full = load(TXT)
    assert merged.messages.sort("sent_at", "message_id").equals(
        full.messages.sort("sent_at", "message_id")
    )


def test_overlapping_json_parts_merge(tmp_path: Path) -> None:
    lines = V5.read_text(encoding="utf-8").split("\n")
    top, messages, bottom = lines[:5], lines[5:24], lines[24:]
    assert top[-1] == '  "messages":[' and bottom[0] == "  ],"

    def part(chosen: list[str]) -> str:
        body = [m.rstrip(",") + "," for m in chosen]
        body[-1] = body[-1].rstrip(",")
        return "\n".join(top + body + bottom)

    (tmp_path / "group_123456789_20240302_000000.json").write_text(
        part(messages[:12]), encoding="utf-8"
    )
    (tmp_path / "group_123456789_20240303_000000.json").write_text(
        part(messages[8:]), encoding="utf-8"
    )
    merged = load(
        tmp_path / "group_123456789_20240302_000000.json",
        tmp_path / "group_123456789_20240303_000000.json",
    )
    full = load(V5)
    assert merged.messages.sort("message_id").equals(full.messages.sort("message_id"))
    assert merged.membership_events.sort("event_id").equals(full.membership_events.sort("event_id"))


# -- bad input ----------------------------------------------------------------------------------
def _error(path: Path) -> ImporterError:
    report = import_paths([str(path)])
    assert len(report.errors) == 1
    return report.errors[0]


def test_malformed_json_message_names_file_and_record(tmp_path: Path) -> None:
    text = V5.read_text(encoding="utf-8").replace(
        '"seq":"2005","timestamp":', '"seq":"2005","timestamp"', 1
    )
    path = tmp_path / "group_123456789_20240301_120000.json"
    path.write_text(text, encoding="utf-8")
    assert str(_error(path)).startswith(f"{path}, line 10: message #5 is not valid JSON")


def test_json_time_falls_back_to_the_local_time_field(tmp_path: Path) -> None:
    text = V5.read_text(encoding="utf-8").replace('"timestamp":1709258550000,', "", 1)
    path = tmp_path / "group_123456789_20240301_120000.json"
    path.write_text(text, encoding="utf-8")
    assert load(path).messages.equals(load(V5).messages)


def test_json_message_without_time_names_the_message_id(tmp_path: Path) -> None:
    text = V5.read_text(encoding="utf-8").replace(
        '"timestamp":1709258550000,"time":"2024-03-01 10:02:30"', '"timestamp":null,"time":""', 1
    )
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    assert str(_error(path)) == (
        f"{path}, message #4 (id 7341000000000000004): has no usable time (timestamp None)"
    )


def test_truncated_json_is_an_error(tmp_path: Path) -> None:
    data = V5.read_bytes()
    path = tmp_path / "group_123456789_20240301_120000.json"
    path.write_bytes(data[: len(data) // 2])
    # Messages start on line 6, one per line; the cut falls inside message #8.
    assert str(_error(path)) == (
        f"{path}, line 13: message #8 is cut off; the file is truncated or broken"
    )


def test_truncated_jsonl_chunk_names_the_chunk_and_line(tmp_path: Path) -> None:
    folder = tmp_path / CHUNKED.name
    shutil.copytree(CHUNKED, folder)
    chunk = folder / "chunks" / "c000002.jsonl"
    chunk.write_bytes(chunk.read_bytes()[:-40])
    assert str(_error(folder)).startswith(
        f"{chunk}, message #5 (line 2): is not a QQChatExporter message"
    )


def test_wrongly_encoded_txt_names_the_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    good = "消息记录（此消息记录为文本格式，不支持重新导入）\n".encode()
    path.write_bytes(good + b"\n" + "消息对象:群\n".encode("gb18030") + b"\xff\xfe\xfd\x80\x80\n")
    assert qq.claim(Source(str(path)), ["bad.txt"]) == []
    with pytest.raises(ImporterError) as caught:
        list(qq.read(Source(str(path)), ImportOptions()))
    # Line 3 is GB18030 and line 4 is nothing at all: the last encoding tried fails on line 4.
    assert str(caught.value) == f"{path}, line 4: is neither UTF-8, GB18030 nor UTF-16 text"


def test_utf8_that_breaks_later_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "later.txt"
    path.write_bytes(TXT.read_bytes() + b"2023-01-07 9:00:00 \xc0\xc1(1234567)\r\n")
    error = _error(path)
    assert str(error) == f"{path}, line 73: is not valid UTF-8 text (the start of the file is)"


def test_junk_before_the_first_message_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_text(
        "消息记录（此消息记录为文本格式，不支持重新导入）\n\n消息对象:群\n这不是消息头\n",
        encoding="utf-8",
    )
    error = _error(path)
    assert str(error) == (
        f"{path}, line 4: expected a message header such as '2023-01-05 9:03:11 昵称(QQ号)' "
        "but found '这不是消息头'"
    )


@pytest.mark.parametrize("name", ["empty.txt", "empty.json"])
def test_empty_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(ImporterError) as caught:
        list(qq.read(Source(str(path)), ImportOptions()))
    assert str(caught.value) == f"{path}: the file is empty"
    assert "not a chat export" in str(_error(path))


def test_one_bad_file_does_not_lose_the_good_one(tmp_path: Path) -> None:
    bad = tmp_path / "group_1_20240101_000000.json"
    bad.write_bytes(V5.read_bytes()[:3000])
    report = import_paths([str(bad), str(TXT)])
    assert len(report.errors) == 1 and str(report.errors[0]).startswith(str(bad))
    assert report.canonical.messages.height == 18
    assert report.canonical.messages["group_key"].unique().sort().to_list() == [
        "qq:产品交流群",
        "qq:老张",
    ]


# -- fuzz ---------------------------------------------------------------------------------------
def _run(data: bytes, name: str, folder: Path | None = None) -> None:
    """claim() and read() on `data` saved as `name` (inside a copy of `folder` if given)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "export"
        if folder is not None:
            shutil.copytree(folder, root)
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        source = Source(str(root if folder is not None else path))
        try:
            for group in qq.claim(source, source.names()):
                for _ in qq.read(source.subset(group), ImportOptions(batch_size=3)):
                    pass
        except ImporterError:
            pass
        try:
            for _ in qq.read(source, ImportOptions(batch_size=3)):
                pass
        except ImporterError:
            pass


_FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SAMPLE_FILES = [TXT, QQ / "msgmgr_gb18030.txt", QQ / "msgmgr_utf16le_bom.txt", V5, V4, COMPACT]


@_FUZZ
@given(
    data=st.binary(max_size=2048), name=st.sampled_from(["x.txt", "x.json", "manifest.json", "x"])
)
def test_fuzz_arbitrary_bytes(data: bytes, name: str) -> None:
    _run(data, name)


@_FUZZ
@given(
    index=st.integers(0, len(_SAMPLE_FILES) - 1),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
    junk=st.binary(max_size=16),
    junk_at=st.floats(0, 1),
)
def test_fuzz_mutated_samples(
    index: int, cut: float, flips: list[tuple[float, int]], junk: bytes, junk_at: float
) -> None:
    sample = _SAMPLE_FILES[index]
    data = bytearray(sample.read_bytes())
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    at = int(junk_at * len(data))
    data[at:at] = junk
    data = data[: max(1, int(cut * len(data))) if cut < 0.95 else len(data)]
    _run(bytes(data), sample.name)


_CHUNKED_FILES = ["manifest.json", "chunks/c000001.jsonl", "chunks/c000002.jsonl"]


@_FUZZ
@given(
    index=st.integers(0, len(_CHUNKED_FILES) - 1),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
)
def test_fuzz_mutated_chunked_export(
    index: int, cut: float, flips: list[tuple[float, int]]
) -> None:
    name = _CHUNKED_FILES[index]
    data = bytearray((CHUNKED / name).read_bytes())
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    _run(bytes(data[: int(cut * len(data))]), name, CHUNKED)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(alphabet='ab}]{[",:\\\n 群'),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    messages=st.lists(st.dictionaries(st.text(max_size=3), _JSON_VALUES, max_size=4), max_size=6),
    indent=st.sampled_from([None, 2, "one-per-line"]),
    extra=st.integers(0, 40),
)
def test_json_stream_hands_out_each_array_element_whole(
    messages: list[dict[str, object]], indent: int | str | None, extra: int
) -> None:
    # Nested values with brackets inside strings, in every layout QQChatExporter writes.
    doc = {"metadata": {"name": "x"}, "messages": messages, "tail": ["}" * extra]}
    if indent == "one-per-line":
        items = ",\n".join("    " + json.dumps(m, ensure_ascii=False) for m in messages)
        data = (
            '{\n  "metadata":{"name":"x"},\n  "messages":[\n'
            + items
            + '\n  ],\n  "tail":["'
            + "}" * extra
            + '"]\n}\n'
        )
    else:
        data = json.dumps(doc, ensure_ascii=False, indent=indent)
    stream = JsonStream(io.BytesIO(data.encode()), "doc.json")
    stream.expect(b"{", "{")
    assert stream.key() == "metadata"
    stream.value(b",}", "metadata")
    stream.expect(b",", ",")
    assert stream.key() == "messages"
    stream.expect(b"[", "[")
    got = []
    while stream.peek() != ord("]"):
        got.append(json.loads(stream.value(b",]", "message")))
        if stream.peek() == ord(","):
            stream.expect(b",", ",")
    stream.expect(b"]", "]")
    assert got == messages
    stream.expect(b",", ",")
    assert stream.key() == "tail"
    assert json.loads(stream.value(b",}", "tail")) == ["}" * extra]
    stream.expect(b"}", "}")
    assert stream.at_end()


def test_json_stream_large_nested_value_is_read_linearly() -> None:
    # 5,000 nested candidates ("},{") inside one message would make candidate retries quadratic.
    message = {
        "id": "1",
        "content": {"elements": [{"type": "text", "data": {"t": str(i)}} for i in range(5000)]},
    }
    data = json.dumps({"messages": [message, {"id": "2"}]}, separators=(",", ":")).encode()
    stream = JsonStream(io.BytesIO(data), "big.json")
    stream.expect(b"{", "{")
    assert stream.key() == "messages"
    stream.expect(b"[", "[")
    assert json.loads(stream.value(b",]", "message")) == message
    stream.expect(b",", ",")
    assert json.loads(stream.value(b",]", "message")) == {"id": "2"}
