"""Telegram Desktop JSON export (single chat: `ChatExport_<date>/result.json`).
See docs/simulate.md (Writers) and docs/importers/telegram.md.

Byte-faithful to Telegram Desktop's writer (export_output_json.cpp): one-space indentation
by nesting depth, fields in the exporter's order, empty fields left out, strings escaped only
where Telegram escapes them, `date` in local time, no trailing newline. Each distinct text,
name and date is rendered once; a message is a handful of cached pieces joined together.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from ..generate import (
    CAMPAIGN,
    CREATE,
    IMAGE,
    INVITE,
    KICK,
    LEAVE,
    LINK,
    STICKER,
    STICKER_EMOJIS,
    SYSTEM,
    Community,
    GroupLog,
)
from ..ids import Ids
from ._common import (
    LocalClock,
    chunks,
    local_datetime,
    sparse_strings,
    tg_string,
    write_all,
    write_rows,
)

PLATFORM = "telegram"
NOT_INCLUDED = '"(File not included. Change data exporting settings to download.)"'
_URL = re.compile(r"https?://\S+")
_CHUNK = 200_000
_STICKER_SERIES = pl.Series(list(STICKER_EMOJIS), dtype=pl.String)


class Writer:
    def __init__(self, community: Community, out: Path) -> None:
        self.world = community.world
        self.ids = Ids(self.world, PLATFORM)
        self.clock = LocalClock(community.config.tz)
        self.out = out
        self.paths: list[Path] = []
        self.texts = self.world.bank.texts
        self._from: dict[int, str] = {}
        self._actor: dict[int, str] = {}
        self._reactor: dict[int, str] = {}
        self._text: dict[tuple[int, int], str] = {}
        self._from_cache: pl.Series | None = None
        self._text_cache: pl.Series | None = None
        self._reactor_cache: pl.Series | None = None
        self._reacted: tuple[GroupLog, pl.DataFrame] | None = None
        self.tz = community.config.tz
        local_end = self.clock.local(community.config.end - 1)
        y, m, d = self.clock.ymd(local_end)
        self.folder = f"ChatExport_{y:04d}-{m:02d}-{d:02d}"

    # -- pieces ----------------------------------------------------------------------------
    def user_number(self, person: int) -> str:
        return self.ids.identity(person)[4:]

    def from_block(self, person: int) -> str:
        found = self._from.get(person)
        if found is None:
            name = tg_string(self.ids.name(person))
            found = f'   "from": {name},\n   "from_id": "{self.ids.identity(person)}",\n'
            self._from[person] = found
        return found

    def actor_block(self, person: int) -> str:
        found = self._actor.get(person)
        if found is None:
            name = tg_string(self.ids.name(person))
            found = f'   "actor": {name},\n   "actor_id": "{self.ids.identity(person)}",\n'
            self._actor[person] = found
        return found

    def reactor_block(self, person: int) -> str:
        found = self._reactor.get(person)
        if found is None:
            name = tg_string(self.ids.name(person))
            found = f'        "from": {name},\n        "from_id": "{self.ids.identity(person)}",\n'
            self._reactor[person] = found
        return found

    def text_block(self, text_id: int, mention: int) -> str:
        key = (text_id, mention)
        found = self._text.get(key)
        if found is None:
            found = self._render_text(self.texts[text_id], mention)
            self._text[key] = found
        return found

    def _render_text(self, text: str, mention: int) -> str:
        parts: list[tuple[str, str, str]] = []  # type, text, extra field
        rest = text
        if mention >= 0:
            name = self.ids.name(mention)
            at = rest.find(f"@{name}")
            if at >= 0:
                # A mention of a user without a username: the entity carries the user id.
                extra = f',\n     "user_id": {self.user_number(mention)}'
                head, rest = rest[:at], rest[at + 1 + len(name) :]
                parts += _links(head)
                parts.append(("mention_name", name, extra))
        parts += _links(rest)
        if not parts:
            return '   "text": "",\n   "text_entities": []'

        def obj(kind: str, value: str, extra: str) -> str:
            return f'{{\n     "type": "{kind}",\n     "text": {tg_string(value)}{extra}\n    }}'

        entities = "[\n    " + ",\n    ".join(obj(*p) for p in parts) + "\n   ]"
        if len(parts) == 1 and parts[0][0] == "plain":
            shown = tg_string(parts[0][1])
        else:
            items = [tg_string(v) if k == "plain" else obj(k, v, x) for k, v, x in parts]
            shown = "[\n    " + ",\n    ".join(items) + "\n   ]"
        return f'   "text": {shown},\n   "text_entities": {entities}'

    def names(self, people: Iterable[int]) -> str:
        items = [tg_string(self.ids.name(p)) for p in people]
        if not items:
            return "[\n   ]"
        return "[\n    " + ",\n    ".join(items) + "\n   ]"

    def service(self, log: GroupLog, index: int) -> str:
        action = log.actions[log.action[index]]
        kind = action.kind
        if kind == CREATE:
            title = tg_string(log.plan.name)
            body = (
                self.actor_block(action.actor)
                + f'   "action": "create_group",\n   "title": {title},\n'
                + f'   "members": {self.names(action.members)},\n'
            )
        elif kind == INVITE:
            body = (
                self.actor_block(action.actor)
                + '   "action": "invite_members",\n'
                + f'   "members": {self.names(action.members)},\n'
            )
        elif kind in (LINK, CAMPAIGN):
            inviter = tg_string(self.ids.name(action.actor))
            body = (
                self.actor_block(action.members[0])
                + f'   "action": "join_group_by_link",\n   "inviter": {inviter},\n'
            )
        else:  # LEAVE, KICK: Telegram writes both as remove_members; the actor tells them apart
            assert kind in (LEAVE, KICK)
            body = (
                self.actor_block(action.actor)
                + '   "action": "remove_members",\n'
                + f'   "members": {self.names(action.members)},\n'
            )
        return body  # the (empty) text fields follow, as for any message

    # -- a group ---------------------------------------------------------------------------
    def group(self, log: GroupLog) -> None:
        plan = log.plan
        n = len(self.paths) + 1
        folder = self.out / (self.folder if n == 1 else f"{self.folder} ({n})")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "result.json"
        frame = log.frame
        with open(path, "wb") as fh:
            fh.write(
                f'{{\n "name": {tg_string(plan.name)},\n "type": "private_supergroup",\n'
                f' "id": {self.ids.telegram_bare_id(plan)},\n "messages": [\n  '.encode()
            )
            for lo, hi in chunks(frame.height, _CHUNK):
                write_rows(fh, self._render(log, lo, hi), ",\n  ")
            if frame.height:
                fh.seek(-4, os.SEEK_END)  # the separator after the last message
                fh.truncate()
                fh.write(b"\n ]\n}")
            else:
                fh.seek(-3, os.SEEK_END)
                fh.truncate()
                fh.write(b"\n ]\n}")
        self.paths.append(path)

    def _render(self, log: GroupLog, lo: int, hi: int) -> pl.Series:
        """Messages lo..hi as Telegram Desktop's JSON objects, column-wise in Polars; the
        rare rows (service messages, mentions, reactions) are rendered in Python."""
        part = log.frame.slice(lo, hi - lo).with_columns(i=pl.int_range(lo, hi, dtype=pl.Int64))
        height = part.height
        rare = part.select(pl.int_range(pl.len()).alias("j"), "kind", "text", "mention").filter(
            (pl.col("kind") == SYSTEM) | (pl.col("mention") >= 0)
        )
        service: dict[int, str] = {}
        mentions: dict[int, str] = {}
        for j, kind, text, mention in rare.iter_rows():
            if kind == SYSTEM:
                service[j] = self.service(log, lo + j)
            else:
                mentions[j] = self.text_block(text, mention)
        blocks = self._reaction_blocks(log).filter(pl.col("m").is_between(lo, hi - 1))
        reactions = dict(zip((blocks["m"] - lo).to_list(), blocks["block"].to_list(), strict=True))
        people = self._from_series()
        texts = self._text_series()
        part = part.with_columns(
            from_=people.gather(part.get_column("sender")),
            text_=pl.coalesce(
                sparse_strings(height, mentions), texts.gather(part.get_column("text"))
            ),
            service_=sparse_strings(height, service),
            reactions_=sparse_strings(height, reactions).fill_null(""),
        )
        kind = pl.col("kind")
        i = pl.col("i")
        reply = pl.col("reply")
        media = (
            pl.when(kind == IMAGE)
            .then(
                pl.concat_str(
                    pl.lit(f'   "photo": {NOT_INCLUDED},\n   "photo_file_size": '),
                    (40_000 + (i * 7_919) % 160_000).cast(pl.String),
                    pl.when(i % 3 == 0)
                    .then(pl.lit(',\n   "width": 1280,\n   "height": 960,\n'))
                    .when(i % 3 == 1)
                    .then(pl.lit(',\n   "width": 960,\n   "height": 1280,\n'))
                    .otherwise(pl.lit(',\n   "width": 1280,\n   "height": 720,\n')),
                )
            )
            .when(kind == STICKER)
            .then(
                pl.concat_str(
                    pl.lit(
                        f'   "file": {NOT_INCLUDED},\n   "file_name": "sticker.webp",\n'
                        '   "file_size": '
                    ),
                    (18_000 + (i * 104_729) % 30_000).cast(pl.String),
                    pl.lit(f',\n   "thumbnail": {NOT_INCLUDED},\n   "thumbnail_file_size": '),
                    (4_000 + i % 3_000).cast(pl.String),
                    pl.lit(',\n   "media_type": "sticker",\n   "sticker_emoji": "'),
                    pl.lit(_STICKER_SERIES).gather(i % len(STICKER_EMOJIS)),
                    pl.lit(
                        '",\n   "mime_type": "image/webp",\n   "width": 512,\n   "height": 512,\n'
                    ),
                )
            )
            .otherwise(pl.lit(""))
        )
        # One pass over the big strings: a service row's body takes the place of the
        # sender fields, and its (empty) text comes from text 0 like a photo's does.
        return part.select(
            pl.concat_str(
                pl.lit('{\n   "id": '),
                (i + 1).cast(pl.String),
                pl.when(kind == SYSTEM)
                .then(pl.lit(',\n   "type": "service",\n   "date": "'))
                .otherwise(pl.lit(',\n   "type": "message",\n   "date": "')),
                local_datetime(self.tz).dt.strftime("%Y-%m-%dT%H:%M:%S"),
                pl.lit('",\n   "date_unixtime": "'),
                pl.col("t").cast(pl.String),
                pl.lit('",\n'),
                pl.coalesce("service_", "from_"),
                pl.when(reply >= 0)
                .then(
                    pl.concat_str(
                        pl.lit('   "reply_to_message_id": '),
                        (reply + 1).cast(pl.String),
                        pl.lit(",\n"),
                    )
                )
                .otherwise(pl.lit("")),
                media,
                pl.col("text_"),
                pl.col("reactions_"),
                pl.lit("\n  }"),
            ).alias("row")
        ).to_series()

    def _reaction_blocks(self, log: GroupLog) -> pl.DataFrame:
        """Each reacted message's `reactions` field (row `m`), built column-wise: reactions
        grouped by emoji in order of first use, `recent` newest first."""
        if self._reacted is not None and self._reacted[0] is log:
            return self._reacted[1]
        rows = log.reactions
        frame = pl.DataFrame(
            {
                "m": [r[0] for r in rows],
                "emoji": [r[1] for r in rows],
                "p": [r[2] for r in rows],
                "t": [r[3] for r in rows],
            },
            schema={"m": pl.Int64, "emoji": pl.String, "p": pl.Int64, "t": pl.Int64},
        )
        reactors = self._reactor_series()
        items = (
            frame.with_row_index("row")
            .with_columns(
                first=pl.col("row").min().over("m", "emoji"),
                item=pl.concat_str(
                    pl.lit("{\n"),
                    reactors.gather(frame.get_column("p")),
                    pl.lit('        "date": "'),
                    local_datetime(self.tz).dt.strftime("%Y-%m-%dT%H:%M:%S"),
                    pl.lit('"\n       }'),
                ),
            )
            .sort(["m", "first", "t"], descending=[False, False, True], maintain_order=True)
            .group_by("m", "first", maintain_order=True)
            .agg(
                pl.len().alias("count"),
                pl.col("emoji").first(),
                pl.col("item").str.join(",\n       "),
            )
        )
        blocks = items.group_by("m", maintain_order=True).agg(
            pl.concat_str(
                pl.lit('{\n      "type": "emoji",\n      "count": '),
                pl.col("count").cast(pl.String),
                pl.lit(',\n      "emoji": "'),
                pl.col("emoji"),
                pl.lit('",\n      "recent": [\n       '),
                pl.col("item"),
                pl.lit("\n      ]\n     }"),
            )
            .str.join(",\n     ")
            .alias("block")
        )
        blocks = blocks.select(
            "m",
            pl.concat_str(
                pl.lit(',\n   "reactions": [\n     '), pl.col("block"), pl.lit("\n    ]")
            ).alias("block"),
        )
        self._reacted = (log, blocks)
        return blocks

    def _reactor_series(self) -> pl.Series:
        if self._reactor_cache is None:
            self._reactor_cache = pl.Series(
                [self.reactor_block(p) for p in range(len(self.world.people))], dtype=pl.String
            )
        return self._reactor_cache

    def _from_series(self) -> pl.Series:
        if self._from_cache is None:
            self._from_cache = pl.Series(
                [self.from_block(p) for p in range(len(self.world.people))], dtype=pl.String
            )
        return self._from_cache

    def _text_series(self) -> pl.Series:
        if self._text_cache is None:
            self._text_cache = pl.Series(
                [self.text_block(t, -1) for t in range(len(self.texts))], dtype=pl.String
            )
        return self._text_cache

    def close(self) -> list[Path]:
        return self.paths


def _links(text: str) -> list[tuple[str, str, str]]:
    parts: list[tuple[str, str, str]] = []
    pos = 0
    for m in _URL.finditer(text):
        if m.start() > pos:
            parts.append(("plain", text[pos : m.start()], ""))
        parts.append(("link", m.group(0), ""))
        pos = m.end()
    if pos < len(text):
        parts.append(("plain", text[pos:], ""))
    return parts


def write(community: Community, out: Path, logs: Iterable[GroupLog] | None = None) -> list[Path]:
    """Write one Telegram Desktop single-chat export per group under `out`."""
    return write_all(Writer(community, out), community, logs)
