"""WhatsApp "Export chat" text file, Android layout (`WhatsApp Chat with <group>.txt`).
See docs/simulate.md (Writers) and docs/importers/whatsapp.md.

English (UK) phone settings: `31/12/2023, 21:15 - Name: text`, minutes only, media as
`<Media omitted>`, service lines without an author, people shown by their saved name or, for
unsaved contacts, their phone number. Lines are built column-wise in Polars.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from ..generate import (
    CAMPAIGN,
    CREATE,
    INVITE,
    KICK,
    LEAVE,
    LINK,
    SYSTEM,
    TEXT,
    Community,
    GroupLog,
)
from ..ids import Ids
from ._common import LocalClock, chunks, local_datetime, sparse_strings, write_all, write_rows

PLATFORM = "whatsapp"
ENCRYPTION_NOTICE = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more."
)
MEDIA_OMITTED = "<Media omitted>"
_CHUNK = 250_000


class Writer:
    def __init__(self, community: Community, out: Path) -> None:
        self.world = community.world
        self.ids = Ids(self.world, PLATFORM)
        self.tz = community.config.tz
        self.clock = LocalClock(self.tz)
        self.out = out
        self.paths: list[Path] = []
        self._names: pl.Series | None = None
        self._texts: pl.Series | None = None

    def prefix(self, t: int) -> str:
        local = self.clock.local(t)
        y, m, d = self.clock.ymd(local)
        return f"{d:02d}/{m:02d}/{y:04d}, {self.clock.hm[local % 86_400 // 60]} - "

    def service(self, log: GroupLog, index: int) -> str:
        """A service row: one or more lines; the first line's date prefix is added by the
        caller, later lines carry their own."""
        action = log.actions[log.action[index]]
        name = self.ids.name
        lines: list[str] = []
        if action.kind == CREATE:
            lines.append(f'{name(action.actor)} created group "{log.plan.name}"')
            lines += [f"{name(action.actor)} added {name(p)}" for p in action.members]
        elif action.kind == INVITE:
            lines += [f"{name(action.actor)} added {name(p)}" for p in action.members]
        elif action.kind in (LINK, CAMPAIGN):
            lines.append(f"{name(action.members[0])} joined using this group's invite link")
        elif action.kind == LEAVE:
            lines.append(f"{name(action.members[0])} left")
        else:
            assert action.kind == KICK
            lines.append(f"{name(action.actor)} removed {name(action.members[0])}")
        prefix = self.prefix(action.at)
        return f"\n{prefix}".join(lines)

    def group(self, log: GroupLog) -> None:
        plan = log.plan
        path = self.out / f"WhatsApp Chat with {plan.name}.txt"
        self.out.mkdir(parents=True, exist_ok=True)
        frame = log.frame
        with open(path, "wb") as fh:
            fh.write(f"{self.prefix(plan.created_at)}{ENCRYPTION_NOTICE}\n".encode())
            for lo, hi in chunks(frame.height, _CHUNK):
                write_rows(fh, self._render(log, lo, hi), "\n")
        self.paths.append(path)

    def _render(self, log: GroupLog, lo: int, hi: int) -> pl.Series:
        part = log.frame.slice(lo, hi - lo)
        height = part.height
        rare = part.select(pl.int_range(pl.len()).alias("j"), "kind").filter(
            pl.col("kind") == SYSTEM
        )
        service = {j: self.service(log, lo + j) for j, _kind in rare.iter_rows()}
        part = part.with_columns(
            name_=self._name_series().gather(part.get_column("sender")),
            text_=self._text_series().gather(part.get_column("text")),
            service_=sparse_strings(height, service),
        )
        kind = pl.col("kind")
        return part.select(
            pl.concat_str(
                local_datetime(self.tz).dt.strftime("%d/%m/%Y, %H:%M - "),
                pl.when(kind == SYSTEM)
                .then(pl.col("service_"))
                .otherwise(
                    pl.concat_str(
                        pl.col("name_"),
                        pl.lit(": "),
                        pl.when(kind == TEXT)
                        .then(pl.col("text_"))
                        .otherwise(pl.lit(MEDIA_OMITTED)),
                    )
                ),
            ).alias("row")
        ).to_series()

    def _name_series(self) -> pl.Series:
        if self._names is None:
            self._names = pl.Series(
                [self.ids.name(p) for p in range(len(self.world.people))], dtype=pl.String
            )
        return self._names

    def _text_series(self) -> pl.Series:
        if self._texts is None:
            self._texts = pl.Series(self.world.bank.texts, dtype=pl.String)
        return self._texts

    def close(self) -> list[Path]:
        return self.paths


def write(community: Community, out: Path, logs: Iterable[GroupLog] | None = None) -> list[Path]:
    """Write one WhatsApp chat export (.txt) per group under `out`."""
    return write_all(Writer(community, out), community, logs)
