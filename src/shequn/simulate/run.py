"""`shequn simulate`: plan a community, write it in one or all export formats with its
ground truth. See docs/simulate.md (CLI)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .generate import generate
from .model import DEFAULT_AS_OF, SimConfig
from .writers import FORMATS, Written, write_formats


def parse_formats(value: str) -> list[str]:
    if value == "all":
        return list(FORMATS)
    formats = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown format {value!r}; one of {', '.join(FORMATS)} or all")
    return formats


def parse_as_of(value: str | None) -> datetime:
    """An ISO date or date-time; a date alone means its local midnight in Asia/Shanghai."""
    if value is None:
        return DEFAULT_AS_OF
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=DEFAULT_AS_OF.tzinfo)
    return parsed


def simulate(
    *,
    formats: list[str],
    out: Path,
    groups: int,
    messages: int,
    seed: int,
    as_of: datetime,
) -> list[Written]:
    config = SimConfig(seed=seed, groups=groups, messages=messages, as_of=as_of)
    return write_formats(generate(config), formats, out)


def summary(written: list[Written], limit: int = 12) -> list[str]:
    """Lines naming what was written: every file, or the folder and a count when there are
    many (a Slack export has a file per channel and day)."""
    lines = []
    for w in written:
        if len(w.paths) <= limit:
            lines += [f"{w.format}: {p}" for p in w.paths]
        else:
            folder = w.truth.parent
            lines.append(f"{w.format}: {folder}/ ({len(w.paths)} files)")
        lines.append(f"{w.format} truth: {w.truth}")
    return lines
