"""QQ message manager "导出为 txt" (消息管理器), one file per group.
See docs/simulate.md (Writers) and docs/importers/qq.md.

UTF-8 with a BOM and CRLF line ends; a `消息分组`/`消息对象` header between rules of 64 `=`;
then each message as `YYYY-MM-DD H:MM:SS 昵称(QQ号)`, its body lines and a blank line. Photos
and stickers are `[图片]` and `[表情]`; joins, leaves and removals are notices from
`系统消息(10000)` that name people with their QQ number in brackets.
"""

from __future__ import annotations

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
    SYSTEM,
    Community,
    GroupLog,
)
from ..ids import Ids
from ._common import chunks, local_datetime, sparse_strings, write_all, write_rows

PLATFORM = "qq"
RULE = "=" * 64
SYSTEM_SENDER = "系统消息(10000)"
_CHUNK = 250_000


class Writer:
    def __init__(self, community: Community, out: Path) -> None:
        self.world = community.world
        self.ids = Ids(self.world, PLATFORM)
        self.tz = community.config.tz
        self.out = out
        self.paths: list[Path] = []
        self._senders: pl.Series | None = None
        self._texts: pl.Series | None = None

    def who(self, person: int) -> str:
        return f"{self.ids.name(person)}({self.ids.identity(person)})"

    def notice(self, log: GroupLog, index: int) -> str:
        action = log.actions[log.action[index]]
        who = self.who
        if action.kind in (CREATE, INVITE):
            # The owner setting the group up is not a notice; the people added are.
            invited = "、".join(who(p) for p in action.members)
            return f"{who(action.actor)}邀请{invited}加入了本群"
        if action.kind in (LINK, CAMPAIGN):
            return f"{who(action.members[0])}加入本群"
        if action.kind == LEAVE:
            return f"{who(action.members[0])}退出了本群"
        assert action.kind == KICK
        return f"{who(action.members[0])}被管理员移出本群"

    def group(self, log: GroupLog) -> None:
        plan = log.plan
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / f"{plan.name}.txt"
        header = (
            "\ufeff消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n"
            f"{RULE}\r\n消息分组:我的QQ群\r\n{RULE}\r\n消息对象:{plan.name}\r\n{RULE}\r\n\r\n"
        )
        frame = log.frame
        with open(path, "wb") as fh:
            fh.write(header.encode())
            for lo, hi in chunks(frame.height, _CHUNK):
                write_rows(fh, self._render(log, lo, hi), "\r\n")
        self.paths.append(path)

    def _render(self, log: GroupLog, lo: int, hi: int) -> pl.Series:
        part = log.frame.slice(lo, hi - lo)
        height = part.height
        rare = part.select(pl.int_range(pl.len()).alias("j"), "kind").filter(
            pl.col("kind") == SYSTEM
        )
        notices = {j: self.notice(log, lo + j) for j, _kind in rare.iter_rows()}
        part = part.with_columns(
            sender_=self._sender_series().gather(part.get_column("sender")),
            text_=self._text_series().gather(part.get_column("text")),
            notice_=sparse_strings(height, notices),
        )
        kind = pl.col("kind")
        return part.select(
            pl.concat_str(
                local_datetime(self.tz).dt.strftime("%Y-%m-%d %-H:%M:%S "),
                pl.when(kind == SYSTEM)
                .then(pl.concat_str(pl.lit(SYSTEM_SENDER + "\r\n"), pl.col("notice_")))
                .otherwise(
                    pl.concat_str(
                        pl.col("sender_"),
                        pl.lit("\r\n"),
                        pl.when(kind == IMAGE)
                        .then(pl.lit("[图片]"))
                        .when(kind == STICKER)
                        .then(pl.lit("[表情]"))
                        .otherwise(pl.col("text_")),
                    )
                ),
                pl.lit("\r\n"),
            ).alias("row")
        ).to_series()

    def _sender_series(self) -> pl.Series:
        if self._senders is None:
            self._senders = pl.Series(
                [self.who(p) for p in range(len(self.world.people))], dtype=pl.String
            )
        return self._senders

    def _text_series(self) -> pl.Series:
        if self._texts is None:
            # Multi-line bodies keep the file's CRLF line ends.
            self._texts = pl.Series(
                [t.replace("\n", "\r\n") for t in self.world.bank.texts], dtype=pl.String
            )
        return self._texts

    def close(self) -> list[Path]:
        return self.paths


def write(community: Community, out: Path, logs: Iterable[GroupLog] | None = None) -> list[Path]:
    """Write one QQ message-manager .txt export per group under `out`."""
    return write_all(Writer(community, out), community, logs)
