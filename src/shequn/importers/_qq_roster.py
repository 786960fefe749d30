"""People inside one QQ export: identities, memberships and notice-derived events.

See docs/importers/qq.md. Each identity and membership is emitted once (again only when a
name or a higher role turns up), and membership events from service notices wait until the
chat has been read so that a name in "张三加入本群" can be matched to the QQ number
张三 later speaks with.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._qq_notices import Notice, Subject
from .events import BatchBuilder

PLATFORM = "qq"

_ROLE_RANK = {"owner": 0, "admin": 1, "bot": 2, "member": 3}
# How the exporting account appears in NT grey tips ("你邀请张三加入了群聊").
_SELF_WORDS = {"你", "您"}


@dataclass(frozen=True)
class _PendingNotice:
    message_id: str
    at: int
    notice: Notice


class Roster:
    def __init__(self, builder: BatchBuilder) -> None:
        self._builder = builder
        self._identities: dict[str, str | None] = {}
        self._members: dict[tuple[str, str], tuple[str | None, str]] = {}
        self._names: dict[str, dict[str, str]] = {}
        # group → distinct name lengths, longest first, for matching "@name" in text.
        self._lengths: dict[str, list[int]] = {}
        self._pending: dict[str, list[_PendingNotice]] = {}
        self.self_id: str | None = None
        self.self_name: str | None = None

    def see(
        self,
        group_key: str,
        identity_id: str,
        *,
        name: str | None,
        member_name: str | None = None,
        role: str = "member",
    ) -> None:
        """Record that `identity_id` is in the group, emitting rows only for what is new."""
        known = self._identities.get(identity_id, "\x00")
        if known == "\x00" or (name and name != known):
            self._builder.identity(identity_id=identity_id, name=name)
            self._identities[identity_id] = name
        shown = member_name or name
        key = (group_key, identity_id)
        before = self._members.get(key)
        if before is None:
            self._builder.membership(
                group_key=group_key, identity_id=identity_id, name=shown, role=role
            )
            self._members[key] = (shown, role)
        else:
            old_name, old_role = before
            best = role if _ROLE_RANK.get(role, 9) < _ROLE_RANK.get(old_role, 9) else old_role
            if (shown and shown != old_name) or best != old_role:
                self._builder.membership(
                    group_key=group_key, identity_id=identity_id, name=shown, role=best
                )
                self._members[key] = (shown or old_name, best)
        for label in (name, member_name):
            if label:
                self.name(group_key, label, identity_id)

    def name(self, group_key: str, label: str, identity_id: str) -> None:
        """Remember that `label` names `identity_id` in the group (the latest holder wins)."""
        names = self._names.setdefault(group_key, {})
        lengths = self._lengths.setdefault(group_key, [])
        if len(label) not in lengths:
            lengths.append(len(label))
            lengths.sort(reverse=True)
        names[label] = identity_id

    def names(self, group_key: str) -> dict[str, str]:
        """Display names seen so far in a group → identity id."""
        return self._names.setdefault(group_key, {})

    def longest_name_at(self, group_key: str, text: str) -> str | None:
        """The longest known name that `text` starts with ("@Tom (Design) 看一下")."""
        names = self._names.get(group_key, {})
        # A few dozen distinct name lengths at most, however many members share a surname.
        for length in self._lengths.get(group_key, ()):
            if length <= len(text) and text[:length] in names:
                return text[:length]
        return None

    def notice(self, group_key: str, message_id: str, at: int, notice: Notice) -> None:
        if notice.event or notice.role:
            self._pending.setdefault(group_key, []).append(_PendingNotice(message_id, at, notice))

    def settle(self, group_key: str) -> None:
        """Emit the membership events of a chat that has been read to its end."""
        for pending in self._pending.pop(group_key, []):
            notice = pending.notice
            actor_id, actor_name = (
                self._resolve(group_key, notice.actor) if notice.actor else (None, None)
            )
            if notice.actor is not None:
                self._see_named(group_key, actor_id or notice.actor.name, actor_name, "member")
            for index, subject in enumerate(notice.subjects):
                identity_id, name = self._resolve(group_key, subject)
                self._see_named(group_key, identity_id, name, notice.role or "member")
                if notice.event is None:
                    continue
                self._builder.event(
                    group_key=group_key,
                    event_id=f"{pending.message_id}:{index}",
                    at=pending.at,
                    kind=notice.event,
                    identity_id=identity_id,
                    identity_name=name,
                    actor_id=actor_id,
                    actor_name=actor_name,
                    source=notice.source,
                )

    def _see_named(self, group_key: str, identity_id: str, name: str | None, role: str) -> None:
        # A notice shows whatever name QQ had at hand; it must not replace a known name.
        known = identity_id in self._identities
        self.see(group_key, identity_id, name=None if known else name, role=role)

    def _resolve(self, group_key: str, subject: Subject) -> tuple[str, str]:
        if subject.qq:
            return subject.qq, subject.name
        if subject.name in _SELF_WORDS and self.self_id:
            return self.self_id, self.self_name or subject.name
        found = self._names.get(group_key, {}).get(subject.name)
        # A name never seen with a number stays its own id: the format gives nothing better.
        return (found or subject.name), subject.name
