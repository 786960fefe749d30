"""Simulator throughput: generating histories and writing each export format.

Goal (docs/simulate.md): ≥ 300k messages/s writing Telegram and WhatsApp; 1M messages, and
10M over 100 groups, in reasonable time. Prints wall and CPU seconds (Polars uses several
threads, so CPU can exceed wall) and messages per wall second.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from shequn.simulate import SimConfig, generate
from shequn.simulate.writers import FORMATS, writer_for


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=1)
    parser.add_argument("--formats", default="telegram,whatsapp")
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown formats: {sorted(unknown)}")
    root = args.out or Path(tempfile.mkdtemp(prefix="shequn-bench-"))
    community = generate(SimConfig(groups=args.groups, messages=args.messages))
    writers = {fmt: writer_for(fmt, community, root / fmt) for fmt in formats}
    spent = {name: [0.0, 0.0] for name in ("generate", *formats)}
    rows = 0
    messages = 0
    for index in range(len(community.groups)):
        wall, cpu = _clock()
        log = community.log(index)
        w2, c2 = _clock()
        spent["generate"][0] += w2 - wall
        spent["generate"][1] += c2 - cpu
        rows += len(log)
        messages += int((log.frame.get_column("kind") != 3).sum())
        for fmt, writer in writers.items():
            wall, cpu = _clock()
            writer.group(log)
            w2, c2 = _clock()
            spent[fmt][0] += w2 - wall
            spent[fmt][1] += c2 - cpu
    for writer in writers.values():
        writer.close()
    print(f"{messages:,} messages ({rows:,} rows with service messages) in {args.groups} groups")
    print(f"{'step':<10} {'wall s':>8} {'cpu s':>8} {'msg/s (wall)':>14} {'size':>10}")
    for name, (wall, cpu) in spent.items():
        size = ""
        if name in writers:
            nbytes = sum(p.stat().st_size for p in (root / name).rglob("*") if p.is_file())
            size = f"{nbytes / 1e6:,.0f} MB"
        print(f"{name:<10} {wall:>8.2f} {cpu:>8.2f} {messages / wall:>14,.0f} {size:>10}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")
    sys.stdout.flush()
    if args.out is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
