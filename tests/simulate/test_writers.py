"""The writers: deterministic bytes, and the layout and escaping of each real exporter
(docs/simulate.md, Writers)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shequn.simulate.generate import Community, generate
from shequn.simulate.model import SimConfig
from shequn.simulate.writers import FORMATS, Written, telegram, write_export, write_formats

CONFIG = SimConfig(seed=3, groups=3, messages=1_500)
TZ = ZoneInfo(CONFIG.tz)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Written]:
    out = tmp_path_factory.mktemp("exports")
    return {w.format: w for w in write_formats(generate(CONFIG), list(FORMATS), out)}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_same_bytes(fmt: str, tmp_path: Path, exports: dict[str, Written]) -> None:
    again = write_export(generate(CONFIG), fmt, tmp_path / fmt)
    first = _tree(exports[fmt].truth.parent)
    assert _tree(again.truth.parent) == first
    assert "truth.json" in first and len(first) > 1


def test_another_seed_other_bytes(tmp_path: Path, exports: dict[str, Written]) -> None:
    other = SimConfig(seed=4, groups=CONFIG.groups, messages=CONFIG.messages)
    written = write_export(generate(other), "whatsapp", tmp_path)
    assert _tree(tmp_path) != _tree(exports["whatsapp"].truth.parent)
    assert len(written.paths) == CONFIG.groups


def _without_reactions(raw: str) -> str:
    return re.sub(r',\n   "reactions": \[\n.*?\n    \]', "", raw, flags=re.S)


def test_telegram_is_telegram_desktops_layout(exports: dict[str, Written]) -> None:
    paths = exports["telegram"].paths
    assert [p.parent.name for p in paths] == [
        "ChatExport_2024-06-30",
        "ChatExport_2024-06-30 (2)",
        "ChatExport_2024-06-30 (3)",
    ]
    raw = paths[0].read_text(encoding="utf-8")
    doc = json.loads(raw)
    assert raw.startswith('{\n "name": ') and raw.endswith("\n ]\n}")
    assert doc["type"] == "private_supergroup"
    # Telegram Desktop indents one space per level and escapes only what JSON requires,
    # which is Python's json.dumps(indent=1) — except for the reactions block, which it
    # indents one level deeper than its key.
    with_reactions = [m for m in doc["messages"] if "reactions" in m]
    assert with_reactions
    for m in with_reactions:
        del m["reactions"]
    assert _without_reactions(raw) == json.dumps(doc, indent=1, ensure_ascii=False)
    block = re.search(
        r'   "reactions": \[\n     \{\n      "type": "emoji",\n      "count": \d+,\n'
        r'      "emoji": "[^"]+",\n      "recent": \[\n       \{\n'
        r'        "from": "[^"]+",\n        "from_id": "user\d+",\n'
        r'        "date": "[0-9T:-]{19}"\n       \}',
        raw,
    )
    assert block is not None
    for m in doc["messages"]:
        local = datetime.fromtimestamp(int(m["date_unixtime"]), TZ)
        assert m["date"] == local.strftime("%Y-%m-%dT%H:%M:%S")
        assert m["type"] in ("message", "service")
        if m["type"] == "service":
            assert m["action"] in (
                "create_group", "invite_members", "join_group_by_link", "remove_members"
            )  # fmt: skip
            assert m["actor_id"].startswith("user")
            if m["action"] == "join_group_by_link":
                assert m["inviter"]
        else:
            assert m["from_id"].startswith("user")
            plain = "".join(e["text"] for e in m["text_entities"])
            shown = (
                m["text"]
                if isinstance(m["text"], str)
                else "".join(p if isinstance(p, str) else p["text"] for p in m["text"])
            )
            assert plain == shown
    kinds = {e["type"] for m in doc["messages"] for e in m["text_entities"]}
    assert {"plain", "link", "mention_name"} <= kinds


def test_whatsapp_is_an_android_export(exports: dict[str, Written]) -> None:
    path = exports["whatsapp"].paths[0]
    assert path.name == "WhatsApp Chat with Python学习交流群.txt"
    raw = path.read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    lines = raw.decode().splitlines()
    assert lines[0].endswith(
        " - Messages and calls are end-to-end encrypted. No one outside of "
        "this chat, not even WhatsApp, can read or listen to them. Tap to "
        "learn more."
    )
    header = re.compile(r"^\d{2}/\d{2}/\d{4}, \d{2}:\d{2} - ")
    headed = [line for line in lines if header.match(line)]
    assert len(headed) > 0.95 * len(lines)  # the rest continue multi-line announcements
    bodies = [header.sub("", line) for line in headed]
    assert any(b.endswith(" joined using this group's invite link") for b in bodies)
    assert any(re.fullmatch(r".+ added .+", b) for b in bodies)
    assert any(b.endswith(" left") for b in bodies)
    assert any(b.endswith(": <Media omitted>") for b in bodies)
    assert any(b.startswith("+86 ") for b in bodies)  # unsaved contacts show their number


def test_qq_is_a_message_manager_txt(exports: dict[str, Written]) -> None:
    raw = exports["qq"].paths[0].read_bytes()
    assert raw.startswith("\ufeff消息记录（此消息记录为文本格式，不支持重新导入）\r\n".encode())
    assert b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("utf-8-sig")
    assert "\r\n消息分组:我的QQ群\r\n" in text and "\r\n消息对象:Python学习交流群\r\n" in text
    heads = re.findall(r"\r\n\r\n(\d{4}-\d{2}-\d{2} (\d{1,2}):\d{2}:\d{2}) (.+?)\r\n", text)
    assert len(heads) > 500
    assert any(len(h) == 1 for _d, h, _w in heads)  # hours are not zero-padded
    assert all(re.fullmatch(r".+\(\d{5,12}\)", who) for _d, _h, who in heads)
    assert "系统消息(10000)\r\n" in text and "加入本群" in text and "[图片]" in text


def _surrogates(text: str) -> str:
    def pair(m: re.Match[str]) -> str:
        code = ord(m.group(0)) - 0x10000
        return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"

    return re.sub("[\U00010000-\U0010ffff]", pair, text)


def test_discord_is_discordchatexporter_json(exports: dict[str, Written]) -> None:
    for path in exports["discord"].paths:
        raw = path.read_text(encoding="utf-8")
        doc = json.loads(raw)
        # System.Text.Json, indented, relaxed escaping: emoji as surrogate pairs.
        assert raw == _surrogates(json.dumps(doc, indent=2, ensure_ascii=False))
        assert doc["messageCount"] == len(doc["messages"])
        assert path.name.endswith(f" - Text Channels - general [{doc['channel']['id']}].json")
        types = {m["type"] for m in doc["messages"]}
        assert types == {"Default", "Reply", "GuildMemberJoin"}
        ids = [int(m["id"]) for m in doc["messages"]]
        assert len(set(ids)) == len(ids)


def test_slack_is_a_workspace_export(exports: dict[str, Written]) -> None:
    root = exports["slack"].truth.parent
    users = json.loads((root / "users.json").read_text())
    channels = json.loads((root / "channels.json").read_text())
    assert [c["name"] for c in channels] == ["python-1", "java-python-2", "photo-3"]
    assert sum(u["is_primary_owner"] for u in users) == 1
    for path in exports["slack"].paths:
        raw = path.read_bytes()
        assert raw.isascii()
        value = json.loads(raw)
        assert raw.decode() == json.dumps(value, indent=4).replace("/", "\\/")
    day = json.loads(
        next(p for p in exports["slack"].paths if p.parent.name == "python-1").read_text()
    )
    assert all(re.fullmatch(r"\d{10}\.\d{6}", m["ts"]) for m in day)


def test_wechat_is_chatlog_export_json(exports: dict[str, Written]) -> None:
    for path in exports["wechat"].paths:
        raw = path.read_text(encoding="utf-8")
        items: list[dict[str, Any]] = json.loads(raw)
        go = json.dumps(items, indent=2, ensure_ascii=False) + "\n"
        go = go.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        assert raw == go
        fields = ["seq", "time", "talker", "talkerName", "isChatRoom", "sender", "senderName",
                  "isSelf", "type", "subType", "content"]  # fmt: skip
        assert all(list(m)[:11] == fields for m in items)
        assert {(m["type"], m["subType"]) for m in items} == {
            (1, 0), (3, 0), (47, 0), (49, 57), (10000, 0)
        }  # fmt: skip
        assert all(m["sender"] == "系统消息" for m in items if m["type"] == 10000)
        seqs = [m["seq"] for m in items]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_wecom_is_an_archive_of_json_lines(exports: dict[str, Written]) -> None:
    for path in exports["wecom"].paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert line == json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            assert list(record)[:7] == [
                "msgid", "action", "from", "tolist", "roomid", "msgtime", "msgtype"
            ]  # fmt: skip
            assert record[record["msgtype"]]
            assert record["from"] not in record["tolist"]


def test_a_writer_consumes_histories_one_at_a_time(tmp_path: Path) -> None:
    community: Community = generate(CONFIG)
    written: list[str] = []

    def logs() -> Any:
        for log in community.logs():
            # The previous group's file is complete before the next history is generated.
            written.append(",".join(sorted(p.name for p in tmp_path.rglob("result.json"))))
            yield log

    paths = telegram.write(community, tmp_path, logs())
    assert written == ["", "result.json", "result.json,result.json"]
    assert len(paths) == CONFIG.groups
