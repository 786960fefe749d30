"""WeChat importer: chatlog JSON and the CSV variants (docs/importers/wechat.md)."""

import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import ImporterError, ImportOptions, detect, import_paths, merge, wechat
from shequn.importers._wechat_text import NameRef, body_of, parse_system
from shequn.importers.events import synthetic_message_id
from shequn.importers.source import Source

SAMPLES = Path(__file__).parent / "samples"
WECHAT = SAMPLES / "wechat"
GROUP_JSON = WECHAT / "chatlog_group.json"
DM_JSON = WECHAT / "chatlog_dm.json"
MEMOTRACE_DIR = WECHAT / "memotrace" / "产品经理交流群(27580424670@chatroom)"
MEMOTRACE = MEMOTRACE_DIR / "产品经理交流群_utf8.csv"
MEMOTRACE_OLD = WECHAT / "memotrace" / "李四" / "李四.csv"
PHONE_DUMP = WECHAT / "enmicromsg_message.csv"
CHATLOG_CSV = WECHAT / "chatlog_export.csv"
ROOM = "wechat:27580424670@chatroom"
MESSAGE_COLUMNS = [
    "message_id",
    "sent_at",
    "sender_id",
    "kind",
    "text",
    "reply_to",
    "mentions",
    "action",
]


def load(path, **options):
    return merge(wechat.read(Source(path), ImportOptions(**options)))


def at(day, hour, minute, second=0, micro=0):
    return datetime(2024, 3, day, hour, minute, second, micro, tzinfo=UTC)


def messages(canonical):
    return canonical.messages.select(MESSAGE_COLUMNS).rows()


# -- chatlog JSON ----------------------------------------------------------------------------


def test_chatlog_group_messages():
    c = load(GROUP_JSON)
    # fmt: off
    assert messages(c) == [
        ("1709254800000", at(1, 1, 0), None, "system", '你邀请"张三、李四"加入了群聊', None, [], "invite_members"),
        ("1709254860000", at(1, 1, 1), "wxid_self01", "text", "欢迎两位！先请 @张三\u2005 做个自我介绍", None, ["张三"], None),
        ("1709254920000", at(1, 1, 2), "wxid_zhang01", "text", "大家好，我是张三，做了五年B端产品", None, [], None),
        ("1709254980000", at(1, 1, 3), "wxid_li02", "text", "你好 @张三\u2005 我也做产品，主要是增长", None, ["wxid_zhang01"], None),
        ("1709255040000", at(1, 1, 4), "wxid_li02", "image", "", None, [], None),
        ("1709255400000", at(1, 1, 10), None, "system", '"张三(wxid_zhang01)"邀请"王五(wxid_wang03)、赵六(wxid_zhao04)"加入了群聊', None, [], "invite_members"),
        ("1709255520000", at(1, 1, 12), None, "system", '"钱七"通过扫描"李四"分享的二维码加入群聊', None, [], "join_group_by_link"),
        ("1709255580000", at(1, 1, 13), "wxid_wang03", "audio", "", None, [], None),
        ("1709255640000", at(1, 1, 14), "wxid_zhao04", "video", "", None, [], None),
        ("1709255700000", at(1, 1, 15), "wxid_qian05", "sticker", "", None, [], None),
        ("1709255760000", at(1, 1, 16), "wxid_qian05", "text", "大家好，我是钱七，新人报到", None, [], None),
        ("1709256000000", at(1, 1, 20), "wxid_zhang01", "link", "2024 社群运营白皮书\nhttps://example.com/report?id=42&from=group", None, [], None),
        ("1709256060000", at(1, 1, 21), "wxid_wang03", "text", "同意，这份报告很好", "1709256000000", [], None),
        ("1709256120000", at(1, 1, 22), "wxid_li02", "file", "会议纪要.docx", None, [], None),
        ("1709256180000", at(1, 1, 23), "wxid_zhao04", "location", "望京SOHO", None, [], None),
        ("1709256240000", at(1, 1, 24), "wxid_qian05", "contact", "孙八", None, [], None),
        ("1709256300000", at(1, 1, 25), "wxid_self01", "red_packet", "[转账|发送 ￥88.00](课程费)", None, [], None),
        ("1709256360000", at(1, 1, 26), "wxid_zhang01", "red_packet", "", None, [], None),
        ("1709256420000", at(1, 1, 27), "wxid_li02", "media", "群聊的聊天记录", None, [], None),
        ("1709256480000", at(1, 1, 28), "wxid_wang03", "link", "腾讯会议", None, [], None),
        ("1709256540000", at(1, 1, 29), "wxid_zhao04", "call", "", None, [], None),
        ("1709256600000", at(1, 1, 30), "wxid_li02", "system", '"李四" 拍了拍 "张三"', None, [], "pat"),
        ("1709256660000", at(1, 1, 31), None, "system", '"王五" 撤回了一条消息', None, [], "recall"),
        ("1709257200000", at(1, 1, 40), None, "system", '你将"钱七"移出了群聊', None, [], "remove_members"),
        ("1709257260000", at(1, 1, 41), None, "system", "你修改群名为“产品经理交流群”", None, [], "title_change"),
        ("1709257320000", at(1, 1, 42), None, "system", '"张三"已成为新群主', None, [], "owner_change"),
        ("1709257380000", at(1, 1, 43), "wxid_self01", "text", "@所有人\u2005今晚 8 点直播，主题：从 0 到 1 做社群", None, [], None),
        ("1709257440000", at(1, 1, 44), None, "system", '"李四"与群里其他人都不是朋友关系，请注意隐私安全', None, [], "notice"),
        ("1709257505000", at(1, 1, 45, 5), "wxid_zhang01", "text", "收到 @运营小王\u2005", None, ["wxid_self01"], None),
    ]
    # fmt: on
    assert c.messages["group_key"].unique().to_list() == [ROOM]
    assert c.messages["sender_name"].drop_nulls().unique(maintain_order=True).to_list() == [
        "运营小王",
        "张三",
        "李四",
        "王五",
        "赵六",
        "钱七",
    ]


def test_chatlog_group_people_and_group():
    c = load(GROUP_JSON)
    assert c.groups.rows() == [
        (ROOM, "wechat", "27580424670@chatroom", "产品经理交流群", "group", str(GROUP_JSON))
    ]
    assert c.identities.select("identity_id", "name").rows() == [
        ("wxid_self01", "运营小王"),
        ("wxid_zhang01", "张三"),
        ("wxid_li02", "李四"),
        ("wxid_wang03", "王五"),
        ("wxid_zhao04", "赵六"),
        ("wxid_qian05", "钱七"),
    ]
    # "张三"已成为新群主 makes 张三 the owner; everyone else seen is a member.
    assert sorted(c.memberships.select("identity_id", "role").rows()) == [
        ("wxid_li02", "member"),
        ("wxid_qian05", "member"),
        ("wxid_self01", "member"),
        ("wxid_wang03", "member"),
        ("wxid_zhang01", "owner"),
        ("wxid_zhao04", "member"),
    ]


def test_chatlog_group_membership_events():
    c = load(GROUP_JSON)
    # fmt: off
    assert c.membership_events.drop("group_key").rows() == [
        # 你邀请…: "you" is the exporting account, known from its own messages.
        ("1709254800000:0", at(1, 1, 0), "join", "wxid_zhang01", "张三", "wxid_self01", "运营小王", "invite"),
        ("1709254800000:1", at(1, 1, 0), "join", "wxid_li02", "李四", "wxid_self01", "运营小王", "invite"),
        # chatlog renders template members as nickname(wxid).
        ("1709255400000:0", at(1, 1, 10), "join", "wxid_wang03", "王五", "wxid_zhang01", "张三", "invite"),
        ("1709255400000:1", at(1, 1, 10), "join", "wxid_zhao04", "赵六", "wxid_zhang01", "张三", "invite"),
        # Plain names resolve to the wxids of the people who spoke under them.
        ("1709255520000:0", at(1, 1, 12), "join", "wxid_qian05", "钱七", "wxid_li02", "李四", "link"),
        ("1709257200000:0", at(1, 1, 40), "kick", "wxid_qian05", "钱七", "wxid_self01", "运营小王", None),
        ("1709257260000:0", at(1, 1, 41), "rename", "wxid_self01", "运营小王", "wxid_self01", "运营小王", None),
    ]
    # fmt: on


def test_chatlog_api_dm_in_items_wrapper():
    c = load(DM_JSON)
    assert c.groups.rows() == [
        ("wechat:wxid_zhang01", "wechat", "wxid_zhang01", "张三", "dm", str(DM_JSON))
    ]
    # fmt: off
    assert messages(c) == [
        ("1709382600000", at(2, 12, 30), "wxid_self01", "text", "张三你好，群主的事情考虑得怎么样？", None, [], None),
        ("1709382720000", at(2, 12, 32), "wxid_zhang01", "text", "可以，我来接", None, [], None),
        ("1709382780000", at(2, 12, 33), "wxid_self01", "image", "", None, [], None),
        ("1709382900000", at(2, 12, 35), "wxid_zhang01", "text", "没问题，下周一交接", "1709382600000", [], None),
        ("1709382960000", at(2, 12, 36), "wxid_zhang01", "call", "", None, [], None),
        ("1709383020000", at(2, 12, 37), "wxid_self01", "sticker", "", None, [], None),
    ]
    # fmt: on
    assert sorted(c.memberships.select("identity_id", "name", "role").rows()) == [
        ("wxid_self01", "运营小王", "member"),
        ("wxid_zhang01", "张三", "member"),
    ]


def test_small_batches_give_the_same_rows():
    whole = load(GROUP_JSON)
    batches = list(wechat.read(Source(GROUP_JSON), ImportOptions(batch_size=4)))
    assert [len(b) for b in batches] == [4, 4, 4, 4, 4, 4, 4, 1]
    pieces = merge(batches)
    for table in ("groups", "identities", "memberships", "messages", "membership_events"):
        assert pieces.table(table).equals(whole.table(table)), table


# -- CSV -------------------------------------------------------------------------------------


def test_memotrace_group_csv_takes_the_chat_from_its_folder():
    c = load(MEMOTRACE)
    assert c.groups.rows() == [
        (ROOM, "wechat", "27580424670@chatroom", "产品经理交流群", "group", str(MEMOTRACE))
    ]
    # fmt: off
    assert messages(c) == [
        ("27580424670@chatroom:2101", at(5, 2, 0), None, "system", '"张三"邀请"孙八"加入了群聊', None, [], "invite_members"),
        ("27580424670@chatroom:2102", at(5, 2, 1), "wxid_sun06", "text", "谢谢张三拉我进群，我是孙八，做用户研究的", None, [], None),
        ("27580424670@chatroom:2103", at(5, 2, 2), "wxid_zhang01", "text", '欢迎欢迎！群规三条：\n1. 不发广告\n2. 干货优先, 欢迎分享\n3. 周五"吐槽大会"', None, [], None),
        ("27580424670@chatroom:2104", at(5, 2, 3), "wxid_li02", "image", "", None, [], None),
        ("27580424670@chatroom:2105", at(5, 2, 5), "wxid_self01", "link", "社群 SOP 模板\nhttps://example.com/sop?a=1&b=2", None, [], None),
        ("27580424670@chatroom:2106", at(5, 2, 6), "wxid_sun06", "sticker", "", None, [], None),
        ("27580424670@chatroom:2107", at(5, 2, 8), "wxid_zhang01", "text", "@孙八\u2005 欢迎，回头一起做个用户访谈", None, ["wxid_sun06"], None),
        ("27580424670@chatroom:2108", at(5, 3, 0), None, "system", '"李四"修改群名为“产品经理交流群”', None, [], "title_change"),
        ("27580424670@chatroom:2109", at(5, 3, 2), "wxid_li02", "audio", "", None, [], None),
    ]
    # fmt: on
    # NickName is the person's own name; Remark (张三-产品) is the operator's note about them.
    assert c.identities.select("identity_id", "name").rows() == [
        ("wxid_sun06", "孙八"),
        ("wxid_zhang01", "张三"),
        ("wxid_li02", "李四"),
        ("wxid_self01", "运营小王"),
    ]
    # fmt: off
    assert c.membership_events.drop("group_key").rows() == [
        ("27580424670@chatroom:2101:0", at(5, 2, 0), "join", "wxid_sun06", "孙八", "wxid_zhang01", "张三", "invite"),
        ("27580424670@chatroom:2108:0", at(5, 3, 0), "rename", "wxid_li02", "李四", "wxid_li02", "李四", None),
    ]
    # fmt: on


def test_memotrace_old_pandas_csv_has_no_senders():
    c = load(MEMOTRACE_OLD)
    # No chat id and no sender column: the chat is named after the file, its type unknown.
    assert c.groups.rows() == [("wechat:李四", "wechat", None, "李四", None, str(MEMOTRACE_OLD))]
    assert messages(c) == [
        ("李四:501", at(3, 11, 0), None, "text", "李四，周末的线下活动你来吗？", None, [], None),
        ("李四:502", at(3, 11, 2), None, "text", "来！需要我带投影仪吗", None, [], None),
        ("李四:503", at(3, 11, 3), None, "text", "好的，谢谢", None, [], None),
        ("李四:504", at(3, 11, 3, 30), None, "sticker", "", None, [], None),
        ("李四:505", at(3, 11, 4), None, "system", '"李四" 撤回了一条消息', None, [], "recall"),
    ]
    assert c.identities.height == 0


def test_phone_database_dump_with_sender_prefixes_and_revoke_xml():
    c = load(PHONE_DUMP)
    assert c.groups.select("group_key", "external_id", "name", "chat_type").rows() == [
        (ROOM, "27580424670@chatroom", None, "group"),
        ("wechat:wxid_li02", "wxid_li02", None, "dm"),
    ]
    # fmt: off
    assert c.messages.select("group_key", *MESSAGE_COLUMNS).rows() == [
        (ROOM, "7012345678901234001", at(6, 0, 30, 0, 123_000), "wxid_zhang01", "text", "早上好，今天的分享资料发群里了", None, [], None),
        (ROOM, "7012345678901234002", at(6, 0, 31, 0, 123_000), None, "text", "收到，谢谢张三", None, [], None),
        (ROOM, "7012345678901234003", at(6, 0, 32, 0, 123_000), "wxid_li02", "text", "资料在哪里下载？", "7012345678901234001", [], None),
        (ROOM, "7012345678901234004", at(6, 0, 33, 0, 123_000), "wxid_sun06", "text", "加我微信 sunba_pm 领取资料包，私聊", None, [], None),
        # The revoke names the recalled message by its server id.
        (ROOM, "7012345678901234005", at(6, 0, 34, 0, 123_000), None, "system", '"孙八" 撤回了一条消息', "7012345678901234004", [], "recall"),
        (ROOM, "7012345678901234006", at(6, 0, 35, 0, 123_000), None, "system", '你将"孙八"移出了群聊', None, [], "remove_members"),
        ("wechat:wxid_li02", "7012345678901234007", at(6, 1, 0, 0, 123_000), "wxid_li02", "text", "私聊一下：周五的分享我来主持？", None, [], None),
        ("wechat:wxid_li02", "7012345678901234008", at(6, 1, 1, 0, 123_000), None, "text", "好，辛苦", None, [], None),
    ]
    # fmt: on
    # The dump has no names, so 孙八 stays a name and "you" has no wxid.
    assert c.membership_events.drop("group_key").rows() == [
        (
            "7012345678901234006:0",
            at(6, 0, 35, 0, 123_000),
            "kick",
            "孙八",
            "孙八",
            None,
            "你",
            None,
        ),
    ]


def test_chatlog_csv_gets_stable_synthetic_ids():
    c = load(CHATLOG_CSV)
    plus_one_at = 1709816400 * 1_000_000
    # fmt: off
    assert c.messages.select("message_id", "sender_id", "kind", "text").rows() == [
        (synthetic_message_id(plus_one_at, "wxid_zhao04", "+1", 0), "wxid_zhao04", "text", "+1"),
        (synthetic_message_id(plus_one_at, "wxid_zhao04", "+1", 1), "wxid_zhao04", "text", "+1"),
        (synthetic_message_id(plus_one_at + 5_000_000, "wxid_self01", "今天的直播回放已上传", 0), "wxid_self01", "text", "今天的直播回放已上传"),
        (synthetic_message_id(plus_one_at + 60_000_000, "wxid_wang03", "", 0), "wxid_wang03", "image", ""),
    ]
    # fmt: on
    assert c.groups.select("group_key", "name", "chat_type").rows() == [
        (ROOM, "产品经理交流群", "group")
    ]


@pytest.mark.parametrize(
    ("tz", "first"),
    [("Asia/Shanghai", at(7, 13, 0)), ("UTC", at(7, 21, 0)), ("America/New_York", at(8, 2, 0))],
)
def test_local_times_follow_the_timezone_option(tz, first):
    assert load(CHATLOG_CSV, tz=tz).messages["sent_at"][0] == first


def test_csv_re_saved_as_gb18030_reads_the_same(tmp_path):
    folder = tmp_path / MEMOTRACE_DIR.name
    folder.mkdir()
    target = folder / MEMOTRACE.name
    target.write_bytes(MEMOTRACE.read_text(encoding="utf-8-sig").encode("gb18030"))
    assert messages(load(target)) == messages(load(MEMOTRACE))


# -- system lines ----------------------------------------------------------------------------


# fmt: off
SYSTEM_LINES = [
    ('"张三"邀请"李四、王五"加入了群聊', "invite_members", "join", "invite", [NameRef("李四"), NameRef("王五")], NameRef("张三")),
    ('"张三"邀请你和"李四"加入了群聊', "invite_members", "join", "invite", [NameRef("你", is_you=True), NameRef("李四")], NameRef("张三")),
    ('你邀请"李四"加入了群聊', "invite_members", "join", "invite", [NameRef("李四")], NameRef("你", is_you=True)),
    ('"张三"邀请你加入了群聊，群聊参与人还有：李四、王五', "invite_members", "join", "invite", [NameRef("你", is_you=True)], NameRef("张三")),
    ('"A(wxid_a)"邀请"B(wxid_b)"加入了群聊', "invite_members", "join", "invite", [NameRef("B", "wxid_b")], NameRef("A", "wxid_a")),
    ('"王五"通过扫描"张三"分享的二维码加入群聊', "join_group_by_link", "join", "link", [NameRef("王五")], NameRef("张三")),
    ('"王五"通过扫描你分享的二维码加入群聊', "join_group_by_link", "join", "link", [NameRef("王五")], NameRef("你", is_you=True)),
    ('"王五"通过扫描二维码加入群聊', "join_group_by_link", "join", "link", [NameRef("王五")], None),
    ('"王五"加入了群聊', "join", "join", "unknown", [NameRef("王五")], None),
    ('你将"钱七"移出了群聊', "remove_members", "kick", None, [NameRef("钱七")], NameRef("你", is_you=True)),
    ('"张三"将"钱七、孙八"移出了群聊', "remove_members", "kick", None, [NameRef("钱七"), NameRef("孙八")], NameRef("张三")),
    ('"钱七"退出了群聊', "leave", "leave", None, [NameRef("钱七")], None),
    ('"张三"修改群名为“产品群”', "title_change", "rename", None, [NameRef("张三")], NameRef("张三")),
    ('"王五" 撤回了一条消息', "recall", None, None, [NameRef("王五")], None),
    ("你撤回了一条消息", "recall", None, None, [NameRef("你", is_you=True)], None),
    ('"张三"已成为新群主', "owner_change", None, None, [NameRef("张三")], None),
    ('"李四" 拍了拍 "张三"', "pat", None, None, [], None),
    ("群聊邀请确认已开启", "notice", None, None, [], None),
]
# fmt: on


@pytest.mark.parametrize(("line", "action", "event", "source", "subjects", "actor"), SYSTEM_LINES)
def test_system_lines(line, action, event, source, subjects, actor):
    parsed = parse_system(line)
    assert (parsed.action, parsed.event, parsed.source, parsed.subjects, parsed.actor) == (
        action,
        event,
        source,
        subjects,
        actor,
    )


def test_system_template_xml_is_rendered_with_wxids():
    # How WeChat 4 databases store a join; dumps of them carry this XML as the body.
    xml = (
        '<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile">'
        "<plain><![CDATA[]]></plain>"
        '<template><![CDATA["$username$"邀请"$names$"加入了群聊]]></template><link_list>'
        '<link name="username" type="link_profile"><memberlist><member>'
        "<username><![CDATA[wxid_zhang01]]></username><nickname><![CDATA[张三]]></nickname>"
        "</member></memberlist></link>"
        '<link name="names" type="link_profile"><memberlist>'
        "<member><username><![CDATA[wxid_wang03]]></username><nickname><![CDATA[王五]]></nickname></member>"
        "<member><username><![CDATA[wxid_zhao04]]></username><nickname><![CDATA[赵六]]></nickname></member>"
        "</memberlist><separator><![CDATA[、]]></separator></link>"
        "</link_list></content_template></sysmsgtemplate></sysmsg>"
    )
    body = body_of(10000, 0, xml)
    assert (body.kind, body.text) == (
        "system",
        '"张三(wxid_zhang01)"邀请"王五(wxid_wang03)、赵六(wxid_zhao04)"加入了群聊',
    )
    line = parse_system(body.text)
    assert (line.subjects, line.actor) == (
        [NameRef("王五", "wxid_wang03"), NameRef("赵六", "wxid_zhao04")],
        NameRef("张三", "wxid_zhang01"),
    )


def test_rename_line_carries_the_new_title():
    assert parse_system("你修改群名为“周末徒步群”").title == "周末徒步群"


# -- detection -------------------------------------------------------------------------------


def sample_files():
    return sorted(p for p in WECHAT.rglob("*") if p.is_file())


def test_detect_a_single_file():
    found = detect(str(GROUP_JSON))
    assert [(e.platform, e.label) for e in found] == [("wechat", str(GROUP_JSON))]


def test_detect_a_folder_of_exports(tmp_path):
    shutil.copytree(WECHAT, tmp_path / "wechat")
    found = detect(str(tmp_path / "wechat"))
    assert sorted(e.source.names()[0] for e in found) == sorted(
        p.relative_to(WECHAT).as_posix() for p in sample_files()
    )
    assert {e.platform for e in found} == {"wechat"}


def test_detect_a_zip(tmp_path):
    archive = tmp_path / "wechat.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sample_files():
            zf.write(p, p.relative_to(WECHAT).as_posix())
    found = detect(str(archive))
    assert sorted(e.label for e in found) == sorted(
        f"{archive}!{p.relative_to(WECHAT).as_posix()}" for p in sample_files()
    )
    assert {e.platform for e in found} == {"wechat"}
    # A zip member keeps its folder, so MemoTrace's chat id still comes from it.
    report = import_paths([str(archive)])
    assert report.errors == []
    memotrace = report.canonical.messages.filter(
        report.canonical.messages["message_id"].str.starts_with("27580424670@chatroom:")
    )
    assert memotrace["group_key"].unique().to_list() == [ROOM]
    assert memotrace.height == 9


def test_other_platforms_samples_are_not_claimed():
    others = [p for p in SAMPLES.rglob("*") if p.is_file() and WECHAT not in p.parents]
    assert others, "the other importers' samples should be there"
    for path in others:
        source = Source(path)
        assert wechat.claim(source, source.names()) == [], path


# -- overlapping exports ---------------------------------------------------------------------


def test_same_export_twice_gives_each_message_once():
    report = import_paths([str(GROUP_JSON), str(GROUP_JSON)])
    assert report.errors == []
    assert report.canonical.messages.height == 29
    assert report.canonical.membership_events.height == 7


def test_overlapping_json_parts_merge(tmp_path):
    lines = GROUP_JSON.read_text(encoding="utf-8").split("\n  },\n  {\n")
    first = tmp_path / "part1.json"
    second = tmp_path / "part2.json"
    first.write_text("\n  },\n  {\n".join(lines[:20]) + "\n  }\n]\n", encoding="utf-8")
    second.write_text("[\n  {\n" + "\n  },\n  {\n".join(lines[12:]), encoding="utf-8")
    report = import_paths([str(first), str(second)])
    assert report.errors == []
    whole = load(GROUP_JSON)
    assert report.canonical.messages.sort("sent_at").equals(whole.messages)
    assert report.canonical.membership_events.sort("at", "event_id").equals(whole.membership_events)


def test_overlapping_csv_parts_merge(tmp_path):
    header, *rows = MEMOTRACE.read_bytes().split(b"\r\n2")
    assert len(rows) == 9
    for part, chosen in (("a", rows[:6]), ("b", rows[4:])):
        folder = tmp_path / part / MEMOTRACE_DIR.name
        folder.mkdir(parents=True)
        (folder / MEMOTRACE.name).write_bytes(b"\r\n2".join([header, *chosen]))
    report = import_paths([str(tmp_path / "a"), str(tmp_path / "b")])
    assert report.errors == []
    assert report.canonical.messages.equals(load(MEMOTRACE).messages)


# -- bad input -------------------------------------------------------------------------------


def read_all(path):
    return list(wechat.read(Source(path), ImportOptions()))


def test_malformed_message_in_the_middle_names_the_message_and_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        GROUP_JSON.read_text(encoding="utf-8").replace(
            '"seq": 1709255700000,', '"seq": 17092557000x0,'
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImporterError) as info:
        read_all(bad)
    assert str(info.value).startswith(f"{bad}, message #10, line 139: not a valid chatlog message")


def test_wrong_field_type_is_reported(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        GROUP_JSON.read_text(encoding="utf-8").replace('"type": 43,', '"type": "video",'),
        encoding="utf-8",
    )
    with pytest.raises(ImporterError) as info:
        read_all(bad)
    assert str(info.value).startswith(f"{bad}, message #9, line 129: not a valid chatlog message")
    assert "Expected `int`, got `str`" in str(info.value)


def test_truncated_json_is_reported(tmp_path):
    data = GROUP_JSON.read_bytes()
    bad = tmp_path / "cut.json"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImporterError) as info:
        read_all(bad)
    assert str(info.value) == (
        f"{bad}, message #14, line 217: the file ends in the middle of a message (truncated?)"
    )


def test_unreadable_time_is_reported(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        GROUP_JSON.read_text(encoding="utf-8").replace("2024-03-01T09:02:00+08:00", "yesterday"),
        encoding="utf-8",
    )
    with pytest.raises(ImporterError) as info:
        read_all(bad)
    assert str(info.value) == (
        f"{bad}, message #3 (seq 1709254920000, line 30): unreadable time 'yesterday'"
    )


def test_compact_json_error_names_the_message(tmp_path):
    bad = tmp_path / "dm.json"
    bad.write_text(
        DM_JSON.read_text(encoding="utf-8").replace('"isSelf":false', '"isSelf":"no"', 1)
    )
    with pytest.raises(ImporterError) as info:
        read_all(bad)
    assert str(info.value).startswith(f"{bad}, message #2: not valid chatlog JSON")


def test_csv_with_bytes_that_are_not_utf8_names_the_line(tmp_path):
    folder = tmp_path / MEMOTRACE_DIR.name
    folder.mkdir()
    bad = folder / MEMOTRACE.name
    data = MEMOTRACE.read_bytes()
    cut = data.index("谢谢张三".encode())
    bad.write_bytes(data[:cut] + b"\xff\xfe" + data[cut:])
    with pytest.raises(ImporterError) as info:
        read_all(bad)
    assert str(info.value) == f"{bad}, line 3: the text is not valid utf-8"


# fmt: off
BAD_CSV_ROWS = [
    (",7,3,0,0,", ",7,pic,0,0,", "line 8: Type 'pic' is not a number"),
    (",1709604180,", ",soon,", "line 8: CreateTime 'soon' is not a number"),
    (",2024-03-05 10:03:00,,李四,", ",2024-03-05 10:03:00,,李四,extra,", "line 8: the row has 13 fields but the header has 12"),
]
# fmt: on


@pytest.mark.parametrize(("old", "new", "message"), BAD_CSV_ROWS)
def test_bad_csv_rows_name_the_line(tmp_path, old, new, message):
    bad = tmp_path / "chat.csv"
    bad.write_text(
        MEMOTRACE.read_text(encoding="utf-8-sig").replace(old, new, 1), encoding="utf-8-sig"
    )
    with pytest.raises(ImporterError) as info:
        read_all(bad)
    assert str(info.value).startswith(f"{bad}, {message}")


def test_unclosed_quote_in_csv_is_reported(tmp_path):
    bad = tmp_path / "chat.csv"
    bad.write_text(
        CHATLOG_CSV.read_text(encoding="utf-8")
        + '2024-03-07 21:02:00,x,y,z,w,false,1,文本消息,"never closed\n'
    )
    with pytest.raises(ImporterError) as info:
        read_all(bad)
    assert str(info.value).startswith(f"{bad}, line 6: malformed CSV")


@pytest.mark.parametrize(
    "content",
    [b"", b"\xef\xbb\xbf", b"[]", b"localId,Type\n1,2\n", "消息记录\n".encode("utf-16")],
)
def test_empty_or_foreign_files_are_not_wechat(tmp_path, content):
    path = tmp_path / "chat.json"
    path.write_bytes(content)
    assert wechat.claim(Source(path), ["chat.json"]) == []
    with pytest.raises(ImporterError) as info:
        read_all(path)
    assert str(info.value).startswith(str(path))


def test_a_bad_file_does_not_lose_the_good_one(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(GROUP_JSON.read_bytes()[:3000])
    report = import_paths([str(bad), str(DM_JSON)])
    assert [str(e.path) for e in report.errors] == [str(bad)]
    assert report.canonical.messages["message_id"].to_list() == [
        "1709382600000",
        "1709382720000",
        "1709382780000",
        "1709382900000",
        "1709382960000",
        "1709383020000",
    ]


# -- fuzz ------------------------------------------------------------------------------------

SAMPLE_BYTES = [(p.name, p.read_bytes()) for p in sample_files()]


def claim_and_read(name, data):
    """Feed bytes through claim() and read(); return how many messages came out."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        source = Source(path)
        total = 0
        for names in wechat.claim(source, source.names()):
            try:
                total += sum(len(b) for b in wechat.read(source.subset(names), ImportOptions()))
            except ImporterError:
                pass
        return total


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".json", ".csv", ".txt"]))
def test_fuzz_arbitrary_bytes(data, suffix):
    claim_and_read("chat" + suffix, data)


@st.composite
def mutated_samples(draw):
    name, data = draw(st.sampled_from(SAMPLE_BYTES))
    how = draw(st.sampled_from(["truncate", "flip", "insert"]))
    if how == "truncate":
        return name, data[: draw(st.integers(0, len(data)))]
    if how == "flip":
        i = draw(st.integers(0, len(data) - 1))
        return name, data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    i = draw(st.integers(0, len(data)))
    return name, data[:i] + draw(st.binary(min_size=1, max_size=64)) + data[i:]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=mutated_samples())
def test_fuzz_mutated_samples(sample):
    claim_and_read(*sample)
