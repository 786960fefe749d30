"""WeChat message bodies, system lines and mentions. See docs/importers/wechat.md.

Type codes, XML snippets and the wording of system lines: pure string work shared by the
chatlog JSON and the CSV readers. XML is picked apart with regular expressions rather than
an XML parser: exported bodies are often cut or malformed, and a regex never raises on them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

# Plain type codes (MSG.Type) → canonical kind.
_KINDS = {
    1: "text",
    3: "image",
    34: "audio",
    42: "contact",
    43: "video",
    47: "sticker",
    48: "location",
    50: "call",
    10000: "system",
    10002: "system",
    37: "system",  # friend request
    40: "system",  # "possible friend" notice
    65: "system",
}

# App message (Type 49) sub types → canonical kind. Transfers (2000) count as red packets:
# the canonical kinds have no money-transfer kind and both are money, not conversation.
_APP_KINDS = {
    3: "link",  # music share
    4: "link",
    5: "link",
    6: "file",
    8: "sticker",  # GIF
    19: "media",  # forwarded chat record (合并转发)
    33: "link",  # mini program
    36: "link",
    51: "link",  # Channels (视频号) feed
    57: "text",  # quote / reply
    62: "system",  # pat (拍一拍)
    63: "link",
    87: "text",  # group announcement (群公告)
    2000: "red_packet",
    2001: "red_packet",
    2003: "red_packet",
}


def split_type(type_code: int, sub_type: int) -> tuple[int, int]:
    """WeChat 4 stores `(sub_type << 32) | type` in one column; split it."""
    if type_code > 0xFFFFFFFF:
        return type_code & 0xFFFFFFFF, type_code >> 32
    return type_code, sub_type


def kind_of(type_code: int, sub_type: int) -> str:
    if type_code == 49:
        return _APP_KINDS.get(sub_type, "link")
    return _KINDS.get(type_code, "media")


# -- XML snippets ----------------------------------------------------------------------------

_TAG_RES: dict[str, re.Pattern[str]] = {}


def xml_tag(xml: str, tag: str) -> str | None:
    """Text of the first <tag>…</tag> (CDATA unwrapped, entities decoded), or None."""
    pattern = _TAG_RES.get(tag)
    if pattern is None:
        pattern = re.compile(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", re.S)
        _TAG_RES[tag] = pattern
    m = pattern.search(xml)
    if m is None:
        return None
    value = m.group(1).strip()
    if value.startswith("<![CDATA[") and value.endswith("]]>"):
        return value[9:-3]
    return html.unescape(value)


_ATTR_RES: dict[str, re.Pattern[str]] = {}


def xml_attr(xml: str, attr: str) -> str | None:
    pattern = _ATTR_RES.get(attr)
    if pattern is None:
        pattern = re.compile(rf'\s{attr}\s*=\s*"([^"]*)"')
        _ATTR_RES[attr] = pattern
    m = pattern.search(xml)
    return html.unescape(m.group(1)) if m else None


def looks_like_xml(content: str) -> bool:
    head = content.lstrip()[:64]
    return head.startswith("<") or "<msg" in head or "<?xml" in head


@dataclass
class Body:
    kind: str
    text: str
    action: str | None = None
    refer_svrid: str | None = None  # reply target when the body names its server id
    recalled_svrid: str | None = None


def body_of(
    type_code: int,
    sub_type: int,
    content: str,
    *,
    title: str | None = None,
    url: str | None = None,
) -> Body:
    """Kind, plain text and links of one message body.

    `title`/`url` come from exporters that already parsed the app XML (chatlog's
    `contents`); otherwise they are read from `content` when it is XML.
    """
    if type_code == 1:
        return Body("text", content)
    xml = content if looks_like_xml(content) else ""
    if type_code == 49 and sub_type == 0 and xml:
        sub_type = _int(xml_tag(xml, "type"))
    kind = kind_of(type_code, sub_type)
    if type_code == 10000:
        return Body(kind, _strip_tags(content) if xml else content)
    if type_code == 10002:
        return _sysmsg(content)
    if type_code == 48:
        label = xml_attr(xml, "poiname") or xml_attr(xml, "label") if xml else None
        return Body(kind, label or ("" if xml else content))
    if type_code == 42:
        nick = xml_attr(xml, "nickname") if xml else None
        return Body(kind, nick or ("" if xml else content))
    if type_code != 49:
        if type_code in (37, 40, 65):
            return Body(kind, _strip_tags(content) if xml else content, action="notice")
        # Media bodies are XML descriptors, never words; a non-XML body is a caption.
        return Body(kind, "" if xml else content)
    # App messages.
    if xml:
        title = title or xml_tag(xml, "title")
        url = url or xml_tag(xml, "url")
    refer = xml_tag(xml, "svrid") if xml and sub_type == 57 else None
    if sub_type == 57:
        text = title if title is not None else ("" if xml else content)
        return Body(kind, text, refer_svrid=refer)
    if sub_type == 62:
        text = content if not xml else (xml_tag(xml, "template") or title or "")
        return Body(kind, text, action="pat")
    if sub_type == 2000 and not xml and content:
        return Body(kind, content)
    parts = [p for p in (title, url) if p]
    if not parts and not xml:
        parts = [content] if content else []
    return Body(kind, "\n".join(parts))


def _sysmsg(content: str) -> Body:
    """Type 10002: XML system messages; `revokemsg` is a recall naming the recalled id."""
    if "revokemsg" in content:
        text = xml_tag(content, "replacemsg") or ""
        return Body("system", text, action="recall", recalled_svrid=xml_tag(content, "newmsgid"))
    if looks_like_xml(content):
        return Body("system", _strip_tags(content), action="notice")
    return Body("system", content, action="notice")


_TAGS = re.compile(r"<[^>]*>")
_LINK = re.compile(r"<link\s+name=\"([^\"]+)\"[^>]*>(.*?)</link>", re.S)
_MEMBER = re.compile(r"<member>(.*?)</member>", re.S)


def _strip_tags(xml: str) -> str:
    if "<template>" in xml:
        return _render_template(xml)
    plain = xml_tag(xml, "plain") or xml_tag(xml, "replacemsg")
    if plain is not None:
        return plain
    return html.unescape(_TAGS.sub("", xml)).strip()


def _render_template(xml: str) -> str:
    """A `sysmsgtemplate` as WeChat shows it, people written `昵称(wxid)` as chatlog does,
    so that the wxids survive into the system-line parser."""
    text = xml_tag(xml, "template") or ""
    for name, body in _LINK.findall(xml):
        people = []
        for member in _MEMBER.findall(body):
            nick, wxid = xml_tag(member, "nickname"), xml_tag(member, "username")
            if nick:
                people.append(f"{nick}({wxid})" if wxid else nick)
        value = (xml_tag(body, "separator") or "、").join(people) or xml_tag(body, "title") or ""
        text = text.replace(f"${name}$", value)
    return text


def _int(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


# -- mentions --------------------------------------------------------------------------------

# WeChat inserts U+2005 after a picked @name; typed mentions end at a space or the end.
_MENTION = re.compile(r"(?<![\w@.])@([^\s@]{1,32})(?=\s|$)")
_EVERYONE = {"所有人", "all", "All"}


def mentioned_names(text: str) -> list[str]:
    if "@" not in text:
        return []
    return [n for n in _MENTION.findall(text) if n not in _EVERYONE]


# -- system lines (Type 10000) ---------------------------------------------------------------


@dataclass(frozen=True)
class NameRef:
    """A person named in a system line: display name, wxid when the exporter kept it,
    or the exporting account itself ("你")."""

    name: str
    wxid: str | None = None
    is_you: bool = False


@dataclass
class SystemLine:
    action: str
    event: str | None = None  # join / kick / leave / rename
    source: str | None = None  # invite / link / unknown (joins)
    subjects: list[NameRef] = field(default_factory=list)
    actor: NameRef | None = None
    title: str | None = None  # new group name
    new_owner: NameRef | None = None


_Q = r"[\"“”]"
_WHO = rf"(?:你|{_Q}.+?{_Q})"

_INVITE = re.compile(rf"^(?P<actor>{_WHO})\s*邀请\s*(?P<who>.+?)\s*加入了?群聊")
_QR = re.compile(rf"^(?P<who>{_WHO})\s*通过扫描\s*(?P<actor>{_WHO})\s*分享的二维码加入群聊")
_QR_PLAIN = re.compile(rf"^(?P<who>{_WHO})\s*通过扫描二维码加入群聊")
_VIA = re.compile(rf"^(?P<who>{_WHO})\s*通过(?P<via>.*?)加入(?:了)?群聊")
_JOINED = re.compile(rf"^(?P<who>{_WHO})\s*(?:已)?加入了?群聊")
_KICK = re.compile(rf"^(?P<actor>{_WHO})\s*将\s*(?P<who>.+?)\s*移出了?群聊")
_LEAVE = re.compile(rf"^(?P<who>{_WHO})\s*(?:已)?退出了?群聊")
_RENAME = re.compile(rf"^(?P<actor>{_WHO})\s*修改群名为\s*{_Q}(?P<title>.*){_Q}\s*$", re.S)
_RECALL = re.compile(rf"^(?P<who>{_WHO}|\S+?)\s*撤回了一条消息")
_OWNER = re.compile(rf"^(?P<who>{_WHO})\s*已成为新群主")
_NAME_WITH_ID = re.compile(r"^(?P<name>.*?)\((?P<id>[A-Za-z][\w\-@.]{2,})\)$")


def parse_system(text: str) -> SystemLine:
    """What a Type 10000 line says, in canonical terms."""
    line = text.strip()
    if m := _INVITE.match(line):
        return SystemLine("invite_members", "join", "invite", _names(m["who"]), _one(m["actor"]))
    if m := _QR.match(line):
        return SystemLine("join_group_by_link", "join", "link", _names(m["who"]), _one(m["actor"]))
    if m := _QR_PLAIN.match(line):
        return SystemLine("join_group_by_link", "join", "link", _names(m["who"]))
    if m := _KICK.match(line):
        return SystemLine("remove_members", "kick", None, _names(m["who"]), _one(m["actor"]))
    if m := _RENAME.match(line):
        actor = _one(m["actor"])
        return SystemLine("title_change", "rename", None, [actor], actor, title=m["title"])
    if m := _RECALL.match(line):
        return SystemLine("recall", subjects=_names(m["who"]))
    if m := _OWNER.match(line):
        owner = _one(m["who"])
        return SystemLine("owner_change", subjects=[owner], new_owner=owner)
    if m := _LEAVE.match(line):
        return SystemLine("leave", "leave", None, _names(m["who"]))
    if m := _VIA.match(line):
        via = m["via"]
        source = "link" if ("二维码" in via or "链接" in via) else "unknown"
        inviter = re.search(_WHO, via)
        by = _one(inviter.group(0)) if inviter else None
        return SystemLine("join_group_by_link", "join", source, _names(m["who"]), by)
    if m := _JOINED.match(line):
        return SystemLine("join", "join", "unknown", _names(m["who"]))
    if "拍了拍" in line:
        return SystemLine("pat")
    return SystemLine("notice")


def _one(token: str) -> NameRef:
    refs = _names(token)
    return refs[0] if refs else NameRef(token)


def _names(segment: str) -> list[NameRef]:
    """People in `"甲、乙"`, `你和"丙"`, `"甲(wxid_a)"、"乙(wxid_b)"`, `甲、乙`."""
    quoted = re.findall(rf"{_Q}(.+?){_Q}", segment)
    refs: list[NameRef] = []
    rest = re.sub(rf"{_Q}.+?{_Q}", "", segment)
    if "你" in rest:
        refs.append(NameRef("你", is_you=True))
    if not quoted and "你" not in rest:
        quoted = [segment]
    for chunk in quoted:
        for raw in re.split(r"[、,，]", chunk):
            name = raw.strip()
            if not name:
                continue
            m = _NAME_WITH_ID.match(name)
            if m and m["name"]:
                refs.append(NameRef(m["name"], m["id"]))
            else:
                refs.append(NameRef(name))
    return refs
