"""WeChat chat history as sjzar/chatlog's `chatlog export` writes it (JSON, one file per
group). See docs/simulate.md (Writers) and docs/importers/wechat.md.

Go's `json.Encoder` with two-space indentation and HTML-safe escaping, a trailing newline;
message fields in chatlog's `model.Message` order. The export is seen from the owner's
account (`isSelf`), so the owner's own invitations read `你邀请…`. Replies are quote
messages (type 49, sub type 57) carrying the quoted message under `contents.refer`; joins
are type 10000 lines (`"A"邀请"B"加入了群聊`, `"B"通过扫描"A"分享的二维码加入群聊`).
WeChat tells nobody when a member leaves, and only the remover sees a removal: neither is
written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from ..generate import (
    CAMPAIGN,
    CREATE,
    IMAGE,
    INVITE,
    LINK,
    STICKER,
    SYSTEM,
    Community,
    GroupLog,
)
from ..ids import Ids
from ._common import LocalClock, write_all
from ._common import go_string as gs

PLATFORM = "wechat"
SYSTEM_SENDER = "系统消息"
_FLUSH = 20_000


class Writer:
    def __init__(self, community: Community, out: Path) -> None:
        self.world = community.world
        self.ids = Ids(self.world, PLATFORM)
        self.clock = LocalClock(community.config.tz)
        self.out = out
        self.paths: list[Path] = []

    def notice(self, log: GroupLog, index: int, owner: int) -> str | None:
        action = log.actions[log.action[index]]
        name = self.ids.name

        def who(person: int) -> str:
            return "你" if person == owner else f'"{name(person)}"'

        if action.kind in (CREATE, INVITE):
            invited = "、".join(name(p) for p in action.members)
            return f'{who(action.actor)}邀请"{invited}"加入了群聊'
        if action.kind in (LINK, CAMPAIGN):
            return f"{who(action.members[0])}通过扫描{who(action.actor)}分享的二维码加入群聊"
        return None

    def group(self, log: GroupLog) -> None:
        plan = log.plan
        ids = self.ids
        talker = ids.group_external_id(plan)
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / f"chatlog_{talker.split('@')[0]}.json"
        owner = plan.owner
        head = (
            f'    "talker": "{talker}",\n    "talkerName": {gs(plan.name)},\n'
            '    "isChatRoom": true,\n'
        )
        who: dict[int, str] = {}

        def sender_block(person: int) -> str:
            found = who.get(person)
            if found is None:
                found = (
                    f'    "sender": "{ids.identity(person)}",\n'
                    f'    "senderName": {gs(ids.name(person))},\n'
                    f'    "isSelf": {"true" if person == owner else "false"},\n'
                )
                who[person] = found
            return found

        texts = self.world.bank.texts
        escaped: dict[int, str] = {}

        def text(text_id: int) -> str:
            found = escaped.get(text_id)
            if found is None:
                found = gs(texts[text_id])
                escaped[text_id] = found
            return found

        clock = self.clock
        ts, senders, kinds, text_ids, replies = log.t, log.sender, log.kind, log.text, log.reply
        parts: list[str] = []
        prev_t, k = -1, 0
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write("[")
            sep = "\n  "
            for i in range(len(ts)):
                t = ts[i]
                k = k + 1 if t == prev_t else 0
                prev_t = t
                stamp = clock.iso_offset(t)
                common = f'{{\n    "seq": {t * 1_000 + k},\n    "time": "{stamp}",\n{head}'
                kind = kinds[i]
                if kind == SYSTEM:
                    notice = self.notice(log, i, owner)
                    if notice is None:
                        continue
                    body = (
                        f'    "sender": "{SYSTEM_SENDER}",\n    "senderName": "",\n'
                        '    "isSelf": false,\n    "type": 10000,\n    "subType": 0,\n'
                        f'    "content": {gs(notice)}\n  }}'
                    )
                elif kind == IMAGE:
                    md5 = hashlib.md5(f"{talker}:{i}".encode()).hexdigest()
                    body = (
                        sender_block(senders[i])
                        + '    "type": 3,\n    "subType": 0,\n    "content": "",\n'
                        + f'    "contents": {{\n      "md5": "{md5}"\n    }}\n  }}'
                    )
                elif kind == STICKER:
                    body = (
                        sender_block(senders[i])
                        + '    "type": 47,\n    "subType": 0,\n    "content": ""\n  }'
                    )
                elif replies[i] >= 0:
                    r = replies[i]
                    quoted = senders[r]
                    body = (
                        sender_block(senders[i])
                        + '    "type": 49,\n    "subType": 57,\n'
                        + f'    "content": {text(text_ids[i])},\n'
                        + '    "contents": {\n      "refer": {\n        "seq": 0,\n'
                        + f'        "time": "{clock.iso_offset(ts[r])}",\n'
                        + '        "talker": "",\n        "talkerName": "",\n'
                        + '        "isChatRoom": false,\n'
                        + f'        "sender": "{ids.identity(quoted)}",\n'
                        + f'        "senderName": {gs(ids.name(quoted))},\n'
                        + '        "isSelf": false,\n        "type": 1,\n        "subType": 0,\n'
                        + f'        "content": {text(text_ids[r])}\n      }}\n    }}\n  }}'
                    )
                else:
                    body = (
                        sender_block(senders[i])
                        + '    "type": 1,\n    "subType": 0,\n'
                        + f'    "content": {text(text_ids[i])}\n  }}'
                    )
                parts.append(sep + common + body)
                sep = ",\n  "
                if len(parts) >= _FLUSH:
                    fh.write("".join(parts))
                    parts.clear()
            fh.write("".join(parts))
            fh.write("\n]\n" if sep != "\n  " else "]\n")
        self.paths.append(path)

    def close(self) -> list[Path]:
        return self.paths


def write(community: Community, out: Path, logs: Iterable[GroupLog] | None = None) -> list[Path]:
    """Write one chatlog JSON export per group under `out`."""
    return write_all(Writer(community, out), community, logs)
