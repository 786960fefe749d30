"""WeCom session archive importer (docs/importers/wecom.md)."""

import json
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import ImporterError, ImportOptions, detect, import_paths, merge, wecom
from shequn.importers.source import Source

SAMPLES = Path(__file__).parent / "samples"
WECOM = SAMPLES / "wecom"
ARCHIVE = WECOM / "chatdata.jsonl"
ROOM = "wecom:wrjc7bDwAASxc8tZvBErFE02BtPWyAAA"
CUST1 = "wmjc7bDwAAQ5xTVm3vD7f9qKBcJNGkAA"
CUST2 = "wojc7bDwAAXmZ3b0hO7p1RkqCqU2xyAA"
BOT = "wbjc7bDwAAJVylUKpSA3Z5U11tDO4AAA"
DM1 = f"wecom:dm:ZhangWei,{CUST1}"
DM2 = f"wecom:dm:LiNa,{CUST2}"
T0 = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)


def load(path, **options):
    return merge(wecom.read(Source(path), ImportOptions(**options)))


def at(seconds, millis):
    return T0 + timedelta(seconds=seconds, milliseconds=millis)


def test_messages():
    c = load(ARCHIVE)
    rows = c.messages.select(
        "group_key",
        "message_id",
        "sent_at",
        "sender_id",
        "kind",
        "text",
        "reply_to",
        "mentions",
        "action",
    ).rows()
    # fmt: off
    assert rows == [
        (ROOM, "7032000000000000001_1709254800", at(0, 1), "ZhangWei", "text", "各位好，欢迎加入产品体验官群 @李娜 请发一下活动规则", None, ["李娜"], None),
        (ROOM, "7032000000000000002_1709254830", at(30, 2), CUST1, "text", "收到，谢谢！", None, [], None),
        (ROOM, "7032000000000000003_1709254845", at(45, 3), CUST2, "image", "", None, [], None),
        # The recall keeps the original message and points at it.
        (ROOM, "7032000000000000004_1709254850", at(50, 4), CUST1, "system", "", "7032000000000000002_1709254830", [], "recall"),
        (ROOM, "7032000000000000005_1709254860", at(60, 5), "LiNa", "text", "**活动规则**\n1. 每周体验一款新功能\n2. 周五前提交反馈", None, [], None),
        (ROOM, "7032000000000000006_1709254870", at(70, 6), CUST2, "audio", "", None, [], None),
        (ROOM, "7032000000000000007_1709254880", at(80, 7), "ZhangWei", "video", "", None, [], None),
        (ROOM, "7032000000000000008_1709254890", at(90, 8), CUST1, "sticker", "", None, [], None),
        (ROOM, "7032000000000000009_1709254900", at(100, 9), "LiNa", "file", "体验官手册.pdf", None, [], None),
        (ROOM, "7032000000000000010_1709254910", at(110, 10), "ZhangWei", "link", "新功能体验报名\nhttps://example.com/beta?week=10", None, [], None),
        (ROOM, "7032000000000000011_1709254920", at(120, 11), "LiNa", "link", "体验官积分", None, [], None),
        (ROOM, "7032000000000000012_1709254930", at(130, 12), "ZhangWei", "contact", "示例科技", None, [], None),
        (ROOM, "7032000000000000013_1709254940", at(140, 13), CUST2, "location", "人民广场\n上海市黄浦区人民大道200号", None, [], None),
        (ROOM, "7032000000000000014_1709254950", at(150, 14), "LiNa", "media", "群聊的聊天记录", None, [], None),
        (ROOM, "7032000000000000015_1709254960", at(160, 15), "ZhangWei", "text", "提交体验反馈\n周五 18:00 前", None, [], None),
        (ROOM, "7032000000000000016_1709254970", at(170, 16), "ZhangWei", "poll", "下周体验哪个功能？", None, [], None),
        (ROOM, "7032000000000000017_1709254980", at(180, 17), "LiNa", "poll", "线下体验会报名", None, [], None),
        (ROOM, "7032000000000000018_1709254990", at(190, 18), CUST1, "red_packet", "恭喜发财，大吉大利", None, [], None),
        (ROOM, "7032000000000000019_1709255000", at(200, 19), "ZhangWei", "text", "体验官周会", None, [], None),
        (ROOM, "7032000000000000020_1709255010", at(210, 20), "LiNa", "link", "体验反馈表\nhttps://doc.weixin.qq.com/sheet/e3_example", None, [], None),
        (ROOM, "7032000000000000021_1709255020", at(220, 21), BOT, "link", "本周版本更新\nhttps://example.com/release/10", None, [], None),
        (ROOM, "7032000000000000022_1709255030", at(230, 22), "ZhangWei", "text", "体验官周会", None, [], None),
        # A mixed message's text parts are JSON strings inside the JSON line.
        (ROOM, "7032000000000000023_1709255040", at(240, 23), CUST2, "text", "这个按钮点不了 @张伟\n", None, ["张伟"], None),
        (ROOM, "7032000000000000024_1709255050", at(250, 24), CUST1, "red_packet", "感谢体验官", None, [], None),
        (ROOM, "7032000000000000025_1709255060", at(260, 25), "LiNa", "link", "三分钟看懂智能排班", None, [], None),
        (ROOM, "7032000000000000026_1709255070", at(270, 26), "ZhangWei", "call", "", None, [], None),
        (ROOM, "7032000000000000027_1709255080", at(280, 27), "LiNa", "file", "排班规则.pdf", None, [], None),
        (DM1, "7032000000000000028_1709255100", at(300, 28), CUST1, "system", "", None, [], "archive_agree"),
        (DM1, "7032000000000000029_1709255110", at(310, 29), "ZhangWei", "text", "您好，我是您的专属顾问张伟", None, [], None),
        (DM1, "7032000000000000030_1709255120", at(320, 30), CUST1, "call", "", None, [], None),
        (DM2, "7032000000000000031_1709255130", at(330, 31), CUST2, "system", "", None, [], "archive_disagree"),
    ]
    # fmt: on
    # The two `switch` records (device log-ins) are not messages.
    assert "125289002219525886280" not in c.messages["message_id"].to_list()


def test_groups_people_and_roles():
    c = load(ARCHIVE)
    assert c.groups.rows() == [
        (ROOM, "wecom", "wrjc7bDwAASxc8tZvBErFE02BtPWyAAA", None, "group", str(ARCHIVE)),
        (DM1, "wecom", f"ZhangWei,{CUST1}", None, "dm", str(ARCHIVE)),
        (DM2, "wecom", f"LiNa,{CUST2}", None, "dm", str(ARCHIVE)),
    ]
    assert c.identities.select("identity_id", "name", "is_bot").rows() == [
        ("ZhangWei", None, None),
        ("LiNa", None, None),
        (CUST1, None, None),
        (CUST2, None, None),
        (BOT, None, True),
    ]
    # Everyone the archive shows in a chat (sender or recipient) is a member; wb… is a bot.
    assert sorted(c.memberships.select("group_key", "identity_id", "role").rows()) == [
        (DM2, "LiNa", "member"),
        (DM2, CUST2, "member"),
        (DM1, "ZhangWei", "member"),
        (DM1, CUST1, "member"),
        (ROOM, "LiNa", "member"),
        (ROOM, "ZhangWei", "member"),
        (ROOM, BOT, "bot"),
        (ROOM, CUST1, "member"),
        (ROOM, CUST2, "member"),
    ]
    assert c.membership_events.height == 0
    assert c.reactions.height == 0


def test_small_batches_give_the_same_rows():
    batches = list(wecom.read(Source(ARCHIVE), ImportOptions(batch_size=10)))
    assert [len(b) for b in batches] == [10, 10, 10, 1]
    whole = load(ARCHIVE)
    pieces = merge(batches)
    for table in ("groups", "identities", "memberships", "messages"):
        assert pieces.table(table).equals(whole.table(table)), table


def test_msgtime_as_a_string_of_digits_is_accepted(tmp_path):
    path = tmp_path / "chat.jsonl"
    path.write_text(
        '{"msgid":"m1","action":"send","from":"ZhangWei","tolist":["LiNa"],"roomid":"",'
        '"msgtime":"1709254800123","msgtype":"text","text":{"content":"hi"}}\n',
        encoding="utf-8",
    )
    c = load(path)
    assert c.messages.select("group_key", "message_id", "sent_at").rows() == [
        ("wecom:dm:LiNa,ZhangWei", "m1", at(0, 123))
    ]


# -- detection -------------------------------------------------------------------------------


def test_detect_file_folder_and_zip(tmp_path):
    assert [(e.platform, e.label) for e in detect(str(ARCHIVE))] == [("wecom", str(ARCHIVE))]
    shutil.copytree(WECOM, tmp_path / "wecom")
    found = detect(str(tmp_path / "wecom"))
    assert [(e.platform, e.label) for e in found] == [
        ("wecom", str(tmp_path / "wecom" / "chatdata.jsonl"))
    ]
    archive = tmp_path / "wecom.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(ARCHIVE, "archive/2024-03/chatdata.jsonl")
    found = detect(str(archive))
    assert [(e.platform, e.label) for e in found] == [
        ("wecom", f"{archive}!archive/2024-03/chatdata.jsonl")
    ]
    assert import_paths([str(archive)]).canonical.messages.height == 31


def test_other_platforms_samples_are_not_claimed():
    others = [p for p in SAMPLES.rglob("*") if p.is_file() and WECOM not in p.parents]
    assert others, "the other importers' samples should be there"
    for path in others:
        source = Source(path)
        assert wecom.claim(source, source.names()) == [], path


def test_a_first_record_longer_than_the_sniffed_head_is_still_recognised(tmp_path):
    path = tmp_path / "long.jsonl"
    long_text = "很长的消息" * 3000
    path.write_text(
        '{"msgid":"m1","action":"send","from":"ZhangWei","tolist":["LiNa"],"roomid":"",'
        f'"msgtime":1709254800000,"msgtype":"text","text":{{"content":"{long_text}"}}}}\n',
        encoding="utf-8",
    )
    assert wecom.claim(Source(path), ["long.jsonl"]) == [["long.jsonl"]]
    assert load(path).messages["text"].to_list() == [long_text]


# -- overlapping exports ---------------------------------------------------------------------


def test_same_archive_twice_gives_each_message_once():
    report = import_paths([str(ARCHIVE), str(ARCHIVE)])
    assert report.errors == []
    assert report.canonical.messages.equals(load(ARCHIVE).messages)


def test_overlapping_pulls_merge(tmp_path):
    lines = ARCHIVE.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "a.jsonl").write_text("".join(lines[:20]), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("".join(lines[12:]), encoding="utf-8")
    report = import_paths([str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")])
    assert report.errors == []
    assert report.canonical.messages.equals(load(ARCHIVE).messages)
    assert sorted(report.canonical.memberships.rows()) == sorted(load(ARCHIVE).memberships.rows())


# -- bad input -------------------------------------------------------------------------------


def write_lines(tmp_path, replace_line, text):
    lines = ARCHIVE.read_bytes().split(b"\n")
    lines[replace_line - 1] = text
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines))
    return path


# fmt: off
BAD_LINES = [
    (5, b'{"msgid":"x","action":"send",', "line 5: not a valid JSON record"),
    (7, b"not json at all", "line 7: not a valid JSON record"),
    (3, b'{"msgid":"x","action":"send","from":"a","msgtime":1709254800000,"msgtype":"text","text":"hi"}', "line 3: unexpected value in the record (Expected `object | null`, got `str` - at `$.text`)"),
    (3, b'{"action":"send","from":"a","msgtime":1709254800000,"msgtype":"text"}', "line 3: the record has no msgid"),
    (4, b'{"msgid":"x","action":"send","msgtime":1709254800000,"msgtype":"text"}', "line 4: the record has no from"),
    (4, b'{"msgid":"x","action":"send","from":"a","msgtime":-5,"msgtype":"text"}', "line 4: msgtime -5 is not a time in milliseconds"),
    (4, b'{"msgid":"x","action":"send","from":"a","msgtime":"soon","msgtype":"text"}', "line 4: msgtime 'soon' is not a time in milliseconds"),
    (6, '{"msgid":"x","text":{"content":"坏"}}'.encode("gb18030"), "line 6: not a valid JSON record"),
]
# fmt: on


@pytest.mark.parametrize(("line", "content", "message"), BAD_LINES)
def test_bad_lines_name_the_file_and_line(tmp_path, line, content, message):
    path = write_lines(tmp_path, line, content)
    with pytest.raises(ImporterError) as info:
        list(wecom.read(Source(path), ImportOptions()))
    assert str(info.value).startswith(f"{path}, {message}")


def test_truncated_archive_names_the_last_line(tmp_path):
    data = ARCHIVE.read_bytes()
    path = tmp_path / "cut.jsonl"
    path.write_bytes(data[: data.index(b'"msgtype":"card"')])
    with pytest.raises(ImporterError) as info:
        list(wecom.read(Source(path), ImportOptions()))
    assert str(info.value).startswith(f"{path}, line 13: not a valid JSON record")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n\n",
        b"[]",
        b'{"messages": []}\n',
        b'{"msgid":"x","action":"forward"}\n',
        "消息".encode("utf-16"),
    ],
)
def test_empty_or_foreign_files_are_not_claimed(tmp_path, content):
    path = tmp_path / "chat.jsonl"
    path.write_bytes(content)
    assert wecom.claim(Source(path), ["chat.jsonl"]) == []
    with pytest.raises(ImporterError) as info:
        detect(str(path))
    assert str(info.value).startswith(str(path))


def test_a_bad_file_does_not_lose_the_good_one(tmp_path):
    bad = write_lines(tmp_path, 9, b"{garbage")
    report = import_paths([str(bad), str(ARCHIVE)])
    assert [(e.path, e.location) for e in report.errors] == [(str(bad), "line 9")]
    assert report.canonical.messages.height == 31


# -- fuzz ------------------------------------------------------------------------------------

SAMPLE = ARCHIVE.read_bytes()


def claim_and_read(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.jsonl"
        path.write_bytes(data)
        source = Source(path)
        for names in wecom.claim(source, source.names()):
            try:
                list(wecom.read(source.subset(names), ImportOptions(batch_size=7)))
            except ImporterError:
                pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096))
def test_fuzz_arbitrary_bytes(data):
    claim_and_read(data)


@st.composite
def mutated_sample(draw):
    how = draw(st.sampled_from(["truncate", "flip", "insert", "line"]))
    if how == "truncate":
        return SAMPLE[: draw(st.integers(0, len(SAMPLE)))]
    if how == "flip":
        i = draw(st.integers(0, len(SAMPLE) - 1))
        return SAMPLE[:i] + bytes([SAMPLE[i] ^ draw(st.integers(1, 255))]) + SAMPLE[i + 1 :]
    if how == "insert":
        i = draw(st.integers(0, len(SAMPLE)))
        return SAMPLE[:i] + draw(st.binary(min_size=1, max_size=64)) + SAMPLE[i:]
    # A structurally valid record with arbitrary JSON values in its fields.
    json_values = st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )
    keys = st.sampled_from(
        [
            "msgid",
            "action",
            "from",
            "tolist",
            "roomid",
            "msgtime",
            "msgtype",
            "text",
            "mixed",
            "revoke",
            "info",
            "link",
        ]
    )
    record = draw(st.dictionaries(keys, json_values, max_size=8))
    record.setdefault("msgid", "m")
    record.setdefault("action", "send")
    return SAMPLE + json.dumps(record, ensure_ascii=False).encode() + b"\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_sample())
def test_fuzz_mutated_sample(data):
    claim_and_read(data)
