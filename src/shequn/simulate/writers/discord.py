"""DiscordChatExporter JSON (`--format Json`), one file per channel.
See docs/simulate.md (Writers) and docs/importers/discord.md.

Each group is a server with one text channel. The layout follows DiscordChatExporter's
JsonMessageWriter (System.Text.Json, indented, relaxed escaping: raw UTF-8 except emoji,
which become surrogate-pair escapes): guild, channel, dateRange, exportedAt, messages,
messageCount. Joins are `GuildMemberJoin` messages; Discord shows no leaves or inviters.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..generate import (
    CAMPAIGN,
    CREATE,
    IMAGE,
    INVITE,
    LINK,
    STICKER,
    STICKER_EMOJIS,
    SYSTEM,
    Community,
    GroupLog,
)
from ..ids import Ids
from ..model import ADMIN, OWNER
from ._common import LocalClock, write_all
from ._common import dotnet_string as js

PLATFORM = "discord"
_EMOJI = {
    "👍": ("thumbsup", "1f44d"),
    "❤": ("heart", "2764"),
    "🙏": ("pray", "1f64f"),
    "🔥": ("fire", "1f525"),
    "👏": ("clap", "1f44f"),
}
_ROLES = {OWNER: ("Owner", "#E67E22", 3), ADMIN: ("Admin", "#3498DB", 2)}
_FLUSH = 5_000


class Writer:
    def __init__(self, community: Community, out: Path) -> None:
        self.world = community.world
        self.config = community.config
        self.ids = Ids(self.world, PLATFORM)
        self.clock = LocalClock(community.config.tz)
        self.out = out
        self.paths: list[Path] = []

    def timestamp(self, t: int, ms: int) -> str:
        base = self.clock.iso_offset(t)
        if ms == 0:
            return base
        frac = f"{ms:03d}".rstrip("0")
        return f"{base[:19]}.{frac}{base[19:]}"

    def user(self, person: int, persona: str | None, indent: int, roles: bool) -> str:
        p = self.world.people[person]
        pad = " " * indent
        role = _ROLES.get(persona or "")
        lines = [
            f'"id": "{self.ids.identity(person)}"',
            f'"name": {js(p.handle)}',
            '"discriminator": "0000"',
            f'"nickname": {js(p.name)}',
            f'"color": {js(role[1]) if role else "null"}',
            '"isBot": false',
        ]
        if roles:
            if role:
                rid = self.ids.snowflake(1_500_000_000_000 + role[2], person)
                lines.append(
                    f'"roles": [\n{pad}    {{\n{pad}      "id": "{rid}",\n'
                    f'{pad}      "name": "{role[0]}",\n{pad}      "color": "{role[1]}",\n'
                    f'{pad}      "position": {role[2]}\n{pad}    }}\n{pad}  ]'
                )
            else:
                lines.append('"roles": []')
        lines.append(f'"avatarUrl": "https://cdn.discordapp.com/embed/avatars/{person % 5}.png"')
        inner = f",\n{pad}  ".join(lines)
        return f"{{\n{pad}  {inner}\n{pad}}}"

    def group(self, log: GroupLog) -> None:
        plan = log.plan
        ids = self.ids
        guild_id = ids.guild_id(plan)
        channel_id = ids.group_external_id(plan)
        category_id = str(int(guild_id) + 1)
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / f"{plan.name} - Text Channels - general [{channel_id}].json"
        personas = {m.person: m.persona for m in plan.members}
        authors: dict[int, str] = {}
        plain_users: dict[int, str] = {}

        def author(person: int) -> str:
            found = authors.get(person)
            if found is None:
                found = self.user(person, personas.get(person), 6, True)
                authors[person] = found
            return found

        def reactor(person: int) -> str:
            found = plain_users.get(person)
            if found is None:
                found = self.user(person, personas.get(person), 12, False)
                plain_users[person] = found
            return found

        texts = self.world.bank.texts
        escaped: dict[int, str] = {}
        reactions: dict[int, list[tuple[str, int]]] = {}
        for m, emoji, person, _at in log.reactions:
            reactions.setdefault(m, []).append((emoji, person))
        ts, senders, kinds, text_ids = log.t, log.sender, log.kind, log.text
        replies, mentions = log.reply, log.mention
        exported = self.timestamp(self.config.end + 3_600, 0)
        count = 0
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(
                "{\n"
                f'  "guild": {{\n    "id": "{guild_id}",\n    "name": {js(plan.name)},\n'
                '    "iconUrl": "https://cdn.discordapp.com/embed/avatars/0.png"\n  },\n'
                f'  "channel": {{\n    "id": "{channel_id}",\n    "type": "GuildTextChat",\n'
                f'    "categoryId": "{category_id}",\n    "category": "Text Channels",\n'
                '    "name": "general",\n    "topic": null\n  },\n'
                '  "dateRange": {\n    "after": null,\n    "before": null\n  },\n'
                f'  "exportedAt": "{exported}",\n  "messages": ['
            )
            parts: list[str] = []
            sep = "\n    "

            def message(
                mid: int,
                kind: str,
                stamp: str,
                content: str,
                who: int,
                extra: dict[str, str],
            ) -> str:
                fields = [
                    f'"id": "{mid}"',
                    f'"type": "{kind}"',
                    f'"timestamp": "{stamp}"',
                    '"timestampEdited": null',
                    '"callEndedTimestamp": null',
                    '"isPinned": false',
                    f'"content": {content}',
                    f'"author": {author(who)}',
                    f'"attachments": {extra.get("attachments", "[]")}',
                    '"components": []',
                    '"embeds": []',
                    f'"stickers": {extra.get("stickers", "[]")}',
                    f'"reactions": {extra.get("reactions", "[]")}',
                    f'"mentions": {extra.get("mentions", "[]")}',
                ]
                if "reference" in extra:
                    fields.append(f'"reference": {extra["reference"]}')
                fields.append('"inlineEmojis": []')
                return "{\n      " + ",\n      ".join(fields) + "\n    }"

            message_ids: list[int] = []
            for i in range(len(ts)):
                t = ts[i]
                ms = (i * 7) % 1_000
                mid = ids.snowflake(t * 1_000 + ms, i)
                message_ids.append(mid)
                stamp = self.timestamp(t, ms)
                if kinds[i] == SYSTEM:
                    action = log.actions[log.action[i]]
                    if action.kind not in (CREATE, INVITE, LINK, CAMPAIGN):
                        continue  # Discord shows no leaves or removals
                    for k, person in enumerate(action.members):
                        jid = mid if k == 0 else ids.snowflake(t * 1_000 + ms, i + 64 * k)
                        body = message(
                            jid, "GuildMemberJoin", stamp, '"Joined the server."', person, {}
                        )
                        parts.append(sep + body)
                        sep = ",\n    "
                        count += 1
                    continue
                extra: dict[str, str] = {}
                kind = kinds[i]
                if kind == IMAGE:
                    aid = ids.snowflake(t * 1_000 + ms, i + 1)
                    extra["attachments"] = (
                        f'[\n        {{\n          "id": "{aid}",\n'
                        f'          "url": "https://cdn.discordapp.com/attachments/{channel_id}/'
                        f'{aid}/image.png",\n          "fileName": "image.png",\n'
                        f'          "fileSizeBytes": {40_000 + (i * 7_919) % 160_000}\n'
                        "        }\n      ]"
                    )
                    content = '""'
                elif kind == STICKER:
                    sid = 749_054_660_769_218_631 + (i % len(STICKER_EMOJIS))
                    extra["stickers"] = (
                        f'[\n        {{\n          "id": "{sid}",\n'
                        f'          "name": "Wave {i % len(STICKER_EMOJIS)}",\n'
                        '          "format": "Png",\n'
                        f'          "sourceUrl": "https://media.discordapp.net/stickers/{sid}.png"\n'
                        "        }\n      ]"
                    )
                    content = '""'
                else:
                    text_id = text_ids[i]
                    content = escaped.get(text_id) or ""
                    if not content:
                        content = js(texts[text_id])
                        escaped[text_id] = content
                mention = mentions[i]
                if mention >= 0:
                    extra["mentions"] = (
                        "[\n        "
                        + self.user(mention, personas.get(mention), 8, True)
                        + "\n      ]"
                    )
                r = replies[i]
                message_type = "Default"
                if r >= 0:
                    message_type = "Reply"
                    extra["reference"] = (
                        f'{{\n        "type": "Default",\n'
                        f'        "messageId": "{message_ids[r]}",\n'
                        f'        "channelId": "{channel_id}",\n'
                        f'        "guildId": "{guild_id}"\n      }}'
                    )
                if i in reactions:
                    extra["reactions"] = self.reactions(reactions[i], reactor)
                parts.append(sep + message(mid, message_type, stamp, content, senders[i], extra))
                sep = ",\n    "
                count += 1
                if len(parts) >= _FLUSH:
                    fh.write("".join(parts))
                    parts.clear()
            fh.write("".join(parts))
            fh.write(
                f'\n  ],\n  "messageCount": {count}\n}}' if count else '],\n  "messageCount": 0\n}'
            )
        self.paths.append(path)

    def reactions(self, rows: list[tuple[str, int]], reactor: object) -> str:
        assert callable(reactor)
        by_emoji: dict[str, list[int]] = {}
        for emoji, person in rows:
            by_emoji.setdefault(emoji, []).append(person)
        items = []
        for emoji, people in by_emoji.items():
            code, hexcode = _EMOJI[emoji]
            users = ",\n            ".join(reactor(p) for p in people)
            items.append(
                "{\n"
                '          "emoji": {\n            "id": "",\n'
                f'            "name": {js(emoji)},\n            "code": "{code}",\n'
                '            "isAnimated": false,\n'
                '            "imageUrl": "https://cdn.jsdelivr.net/gh/twitter/twemoji@latest/'
                f'assets/svg/{hexcode}.svg"\n          }},\n'
                f'          "count": {len(people)},\n'
                f'          "users": [\n            {users}\n          ]\n        }}'
            )
        return "[\n        " + ",\n        ".join(items) + "\n      ]"

    def close(self) -> list[Path]:
        return self.paths


def write(community: Community, out: Path, logs: Iterable[GroupLog] | None = None) -> list[Path]:
    """Write one DiscordChatExporter JSON file per group (channel) under `out`."""
    return write_all(Writer(community, out), community, logs)
