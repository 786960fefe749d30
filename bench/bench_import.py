"""Import throughput and peak memory for simulated Telegram JSON and WhatsApp .txt.

Goal (issue 2): 1M Telegram messages in ≤ 1.5 s, 1M WhatsApp messages in ≤ 1 s, peak memory
≤ 1.5× the input file. Each measurement runs in a fresh process; peak memory is the growth of
the process's maximum RSS over its size after importing the libraries.
"""

from __future__ import annotations

import argparse
import sys

from _common import export_bytes, fmt_mb, run_child, simulated_export

CHILD = r"""
import json, resource, sys, time
from shequn.importers import ImportOptions
from shequn.importers.detect import detect
import polars, msgspec  # noqa: F401  (baseline includes the libraries)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t0 = time.perf_counter()
messages = 0
for export in detect(sys.argv[1]):
    for batch in export.read(ImportOptions()):
        messages += batch.messages.height
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"messages": messages, "seconds": elapsed, "peak_growth": peak - base,
                  "peak": peak}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats", default="telegram,whatsapp")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'format':<10} {'messages':>10} {'file':>9} {'best s':>7} {'msg/s':>12} "
        f"{'peak growth':>12} {'× file':>7}"
    )
    for fmt in args.formats.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            export = simulated_export(fmt, size, groups=1)
            nbytes = export_bytes(export)
            runs = [run_child(CHILD, str(export)) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["seconds"])
            growth = max(r["peak_growth"] for r in runs)
            print(
                f"{fmt:<10} {int(best['messages']):>10,} {fmt_mb(nbytes):>9} "
                f"{best['seconds']:>7.2f} {best['messages'] / best['seconds']:>12,.0f} "
                f"{fmt_mb(growth):>12} {growth / nbytes:>7.2f}"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
