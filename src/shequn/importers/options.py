"""Options every importer accepts. See docs/importers.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportOptions:
    # Timezone of exports whose times carry no offset (WhatsApp, QQ .txt, WeChat CSV).
    tz: str = "Asia/Shanghai"
    # WhatsApp: force day-first (True) or month-first (False) dates instead of inferring.
    dayfirst: bool | None = None
    # Messages per yielded batch; bounds memory for huge exports.
    batch_size: int = 250_000
