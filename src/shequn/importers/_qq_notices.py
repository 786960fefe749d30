"""QQ service notices (系统消息 lines, NT grey tips) → actions and membership events.

See docs/importers/qq.md (Service messages). Both QQ formats carry these notices only as
prose, so the subjects are names (sometimes with the QQ number in brackets) that the roster
resolves to ids once the whole chat has been read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GROUP = r"(?:本群|群聊|该群|此群|群)"
_END_PUNCT = "。.！!～~ \t"


@dataclass(frozen=True)
class Subject:
    name: str
    qq: str | None = None


@dataclass(frozen=True)
class Notice:
    action: str
    event: str | None = None  # membership event kind, when the notice is one
    subjects: tuple[Subject, ...] = ()
    actor: Subject | None = None
    source: str | None = None  # join source
    role: str | None = None  # role the subjects now hold


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    action: str
    event: str | None = None
    source: str | None = None
    role: str | None = None


def _rule(
    pattern: str,
    action: str,
    event: str | None = None,
    source: str | None = None,
    role: str | None = None,
) -> _Rule:
    return _Rule(re.compile(pattern), action, event, source, role)


# Order matters: "被…移出" must win over "退出", "撤回了 X 的消息" over the plain recall, the
# invite and QR-code forms over the bare "加入本群".
_RULES = (
    _rule(r"^(?P<actor>.+?)\s*撤回了\s*(?P<who>.+?)\s*的(?:一条)?消息$", "recall"),
    _rule(r"^(?P<who>.+?)\s*撤回了(?:一条|\d+条)?(?:成员)?消息$", "recall"),
    _rule(r"拍了拍", "poke"),
    _rule(
        rf"^(?P<who>.+?)\s*通过扫描\s*(?P<actor>.+?)\s*分享的二维码加入(?:了)?{_GROUP}",
        "join_group_by_link",
        "join",
        "link",
    ),
    _rule(
        rf"^(?P<who>.+?)\s*通过\s*(?P<actor>.+?)\s*分享的(?:群)?链接加入(?:了)?{_GROUP}",
        "join_group_by_link",
        "join",
        "link",
    ),
    _rule(
        rf"^(?P<actor>.+?)\s*邀请\s*(?P<who>.+?)\s*加入(?:了)?{_GROUP}",
        "invite_members",
        "join",
        "invite",
    ),
    _rule(
        rf"^(?P<who>.+?)\s*(?:已经|已)?被\s*(?P<actor>.*?)\s*(?:移出|踢出|请出)(?:了)?{_GROUP}",
        "remove_members",
        "kick",
    ),
    _rule(rf"^(?P<who>.+?)\s*(?:已经|已)?(?:退出|离开)(?:了)?{_GROUP}", "leave_group", "leave"),
    _rule(rf"^(?P<who>.+?)\s*(?:已经|已)?加入(?:了)?{_GROUP}", "join_group", "join", "unknown"),
    _rule(rf"^(?P<who>.+?)\s*创建了?{_GROUP}", "create_group", "create", "creator", "owner"),
    _rule(r"解除.*禁言|禁言.*解除|被.*解禁", "unmute_member"),
    _rule(r"^(?P<who>.+?)\s*(?:已经|已)?被\s*(?P<actor>.*?)\s*禁言", "mute_member", "mute"),
    _rule(
        r"^(?P<who>.+?)\s*(?:修改|更改|将)(?:了)?群名称?(?:修改|更改)?为\s*.+$",
        "title_change",
        "rename",
    ),
    _rule(
        r"^(?P<actor>.+?)\s*(?:设置|设)\s*(?P<who>.+?)\s*为(?:本群|群)?管理员$",
        "set_admin",
        role="admin",
    ),
    _rule(r"^(?P<who>.+?)\s*(?:已经|已)?成为(?:了)?(?:本群|群)?管理员$", "set_admin", role="admin"),
    _rule(r"^(?P<who>.+?)\s*(?:已经|已)?成为(?:了)?新?群主$", "transfer_owner", role="owner"),
)

# Words that stand for a role rather than a person ("被管理员移出本群").
_ROLE_WORDS = {"", "管理员", "群主", "群管理员", "系统"}

_SUBJECT = re.compile(r"^(?P<name>.*?)\s*[(（](?P<qq>\d{5,12})[)）]$")
_EMAIL_SUBJECT = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>$")


def parse_notice(text: str) -> Notice:
    """What a service notice says happened; `action` is "notice" when it is not understood."""
    body = text.strip().splitlines()[0] if text.strip() else ""
    body = body.strip(_END_PUNCT)
    for rule in _RULES:
        m = rule.pattern.search(body)
        if m is None:
            continue
        groups = m.groupdict()
        subjects = _subjects(groups.get("who"))
        actor_text = (groups.get("actor") or "").strip()
        actor = None if actor_text in _ROLE_WORDS else _subject(actor_text)
        return Notice(
            action=rule.action,
            event=rule.event if subjects else None,
            subjects=subjects,
            actor=actor,
            source=rule.source,
            role=rule.role,
        )
    return Notice(action="notice")


def _subjects(text: str | None) -> tuple[Subject, ...]:
    if not text:
        return ()
    # QQ lists several people with the ideographic comma: "张三、李四".
    return tuple(_subject(part) for part in text.split("、") if part.strip())


def _subject(text: str) -> Subject:
    text = text.strip()
    m = _SUBJECT.match(text)
    if m:
        return Subject(m["name"].strip() or m["qq"], m["qq"])
    m = _EMAIL_SUBJECT.match(text)
    if m:
        return Subject(m["name"].strip() or m["email"], m["email"].lower())
    return Subject(text)
