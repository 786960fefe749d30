"""Export writers: one module per format, each byte-faithful to the real exporter.
See docs/simulate.md (Writers).

Every module has `write(community, out, logs=None) -> list[Path]` and a `Writer` fed one
group at a time, so a world of any size streams through with one group in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from ..generate import Community
from ..ids import PLATFORMS, Ids
from ..truth import TruthBuilder
from ._common import GroupWriter

FORMATS = PLATFORMS
TRUTH_FILE = "truth.json"


@dataclass
class Written:
    format: str
    paths: list[Path]  # the export's files
    truth: Path


def writer_for(fmt: str, community: Community, out: Path) -> GroupWriter:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    module = import_module(f"{__name__}.{fmt}")
    writer: GroupWriter = module.Writer(community, out)
    return writer


def write_export(community: Community, fmt: str, out: Path) -> Written:
    """Generate every group once, write it in `fmt` under `out` and the ground truth to
    `out/truth.json`."""
    out.mkdir(parents=True, exist_ok=True)
    writer = writer_for(fmt, community, out)
    truth = TruthBuilder(community, Ids(community.world, fmt))
    for log in community.logs():
        writer.group(log)
        truth.add(log)
    paths = writer.close()
    return Written(fmt, paths, truth.write(out / TRUTH_FILE))


def write_formats(community: Community, formats: list[str], out: Path) -> list[Written]:
    """One export per format; several formats go to `out/<format>/`."""
    if len(formats) == 1:
        return [write_export(community, formats[0], out)]
    return [write_export(community, fmt, out / fmt) for fmt in formats]
