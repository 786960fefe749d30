"""WeCom session archive (企业微信 会话内容存档): decrypted GetChatData messages as JSON lines,
one file per group room. See docs/simulate.md (Writers) and docs/importers/wecom.md.

Compact JSON, fields in the archive's order (msgid, action, from, tolist, roomid, msgtime,
msgtype, body under the type's key). `tolist` names everyone else in the room at that moment,
which is how the archive reveals members who never speak. The archive records no joins,
leaves or replies, and no names; operators are employees (userid), members external
contacts (`wm…`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from ..generate import (
    CAMPAIGN,
    CREATE,
    IMAGE,
    INVITE,
    KICK,
    LEAVE,
    LINK,
    STICKER,
    SYSTEM,
    Community,
    GroupLog,
)
from ..ids import Ids
from ._common import write_all

PLATFORM = "wecom"
_FLUSH_CHARS = 8_000_000


class Writer:
    def __init__(self, community: Community, out: Path) -> None:
        self.world = community.world
        self.seed = community.config.seed
        self.ids = Ids(self.world, PLATFORM)
        self.out = out
        self.paths: list[Path] = []

    def group(self, log: GroupLog) -> None:
        plan = log.plan
        ids = self.ids
        room = ids.group_external_id(plan)
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / f"chatdata_{room}.jsonl"
        texts = self.world.bank.texts
        bodies: dict[int, str] = {}
        members: dict[int, None] = {}  # insertion-ordered set: who is in the room now
        roster = ""
        base = (
            7_032_000_000_000_000_000
            + (self.seed % 997) * 1_000_000_000_000
            + plan.index * (10_000_000_000)
        )
        parts: list[str] = []
        size = 0
        with open(path, "w", encoding="utf-8", newline="") as fh:
            for i in range(len(log)):
                t = log.t[i]
                kind = log.kind[i]
                if kind == SYSTEM:
                    action = log.actions[log.action[i]]
                    if action.kind == CREATE:
                        members[action.actor] = None
                    if action.kind in (CREATE, INVITE, LINK, CAMPAIGN):
                        for p in action.members:
                            members[p] = None
                    elif action.kind in (LEAVE, KICK):
                        members.pop(action.members[0], None)
                    roster = ",".join(f'"{ids.identity(p)}"' for p in members)
                    continue
                sender = log.sender[i]
                me = f'"{ids.identity(sender)}"'
                tolist = (
                    roster.replace(me + ",", "", 1)
                    if (me + ",") in roster
                    else (roster.replace("," + me, "", 1).replace(me, "", 1))
                )
                msgtime = t * 1_000 + (i * 37) % 1_000
                head = (
                    f'{{"msgid":"{base + i}_{t}","action":"send","from":{me},'
                    f'"tolist":[{tolist}],"roomid":"{room}","msgtime":{msgtime},'
                )
                if kind == IMAGE:
                    digest = hashlib.md5(f"{room}:{i}".encode()).hexdigest()
                    body = (
                        '"msgtype":"image","image":{'
                        f'"md5sum":"{digest}","filesize":{40_000 + (i * 7_919) % 160_000},'
                        f'"sdkfileid":"{_sdkfileid(digest)}"}}}}'
                    )
                elif kind == STICKER:
                    digest = hashlib.md5(f"{room}:sticker:{i % 8}".encode()).hexdigest()
                    body = (
                        '"msgtype":"emotion","emotion":{"type":1,"width":240,"height":240,'
                        f'"imagesize":{9_000 + i % 8 * 777},"md5sum":"{digest}",'
                        f'"sdkfileid":"{_sdkfileid(digest)}"}}}}'
                    )
                else:
                    text_id = log.text[i]
                    body = bodies.get(text_id) or ""
                    if not body:
                        content = json.dumps(texts[text_id], ensure_ascii=False)
                        body = f'"msgtype":"text","text":{{"content":{content}}}}}'
                        bodies[text_id] = body
                line = head + body + "\n"
                parts.append(line)
                size += len(line)
                if size >= _FLUSH_CHARS:  # every line names the whole room: flush by size
                    fh.write("".join(parts))
                    parts.clear()
                    size = 0
            fh.write("".join(parts))
        self.paths.append(path)

    def close(self) -> list[Path]:
        return self.paths


def _sdkfileid(digest: str) -> str:
    return "Cta" + hashlib.sha256(digest.encode()).hexdigest()[:60].upper()


def write(community: Community, out: Path, logs: Iterable[GroupLog] | None = None) -> list[Path]:
    """Write one WeCom archive (.jsonl) per group room under `out`."""
    return write_all(Writer(community, out), community, logs)
