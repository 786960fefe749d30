"""`shequn analyze` end to end on simulated Telegram exports: import, every metric, the JSON
document and (with the HTML report) rendering. Prints figures; asserts nothing.

Goal (issue 3): 1M messages in 100 groups in ≤ 3 s end to end, 10M in ≤ 30 s, memory bounded
by analysing groups chunk by chunk. Each measurement runs in a fresh process (as the CLI
would); "cpu" is process CPU time over all threads, which stays meaningful on a busy machine
where wall time does not.

    .venv/bin/python bench/bench_analyze.py                       # 1M messages, 100 groups
    .venv/bin/python bench/bench_analyze.py --sizes 10000000      # 10M
"""

from __future__ import annotations

import argparse
import sys

from _common import export_bytes, fmt_mb, run_child, simulated_export

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import msgspec
from shequn.importers import import_paths
from shequn.analytics.contract import build_analysis
from shequn.simulate.model import DEFAULT_AS_OF

def clock():
    return time.perf_counter(), time.process_time()

figures = {}
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
w0, c0 = clock()
report = import_paths([sys.argv[1]])
w1, c1 = clock()
doc = build_analysis(report.canonical, as_of=DEFAULT_AS_OF)
w2, c2 = clock()
out = Path(sys.argv[2])
out.write_bytes(msgspec.json.encode(doc))
w3, c3 = clock()
figures.update(messages=report.canonical.messages.height, groups=len(doc["groups"]),
               import_s=w1 - w0, analysis_s=w2 - w1, json_s=w3 - w2,
               import_cpu=c1 - c0, analysis_cpu=c2 - c1, json_cpu=c3 - c2,
               json_bytes=out.stat().st_size)
if sys.argv[3] == "html":
    from shequn.analytics.report import render_report
    html = render_report(doc, "zh-Hans")
    out.with_suffix(".html").write_text(html, encoding="utf-8")
    w4, c4 = clock()
    figures.update(html_s=w4 - w3, html_cpu=c4 - c3, html_bytes=len(html.encode()))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
figures.update(peak=peak, peak_growth=peak - base)
print(json.dumps(figures))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(
        f"{'messages':>10} {'groups':>6} {'file':>9} {'html':>5} {'import s':>9} "
        f"{'analysis s':>10} {'json s':>7} {'html s':>7} {'total s':>8} {'import cpu':>10} "
        f"{'analysis cpu':>12} {'total cpu':>9} {'peak RSS':>9}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        export = simulated_export("telegram", size, groups=args.groups)
        nbytes = export_bytes(export)
        target = export.parent / "analysis.json"
        for html in ("json", "html"):
            runs = [run_child(CHILD, str(export), str(target), html) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["analysis_s"] + r["import_s"])
            total = best["import_s"] + best["analysis_s"] + best["json_s"] + best.get("html_s", 0)
            cpu = (
                best["import_cpu"]
                + best["analysis_cpu"]
                + best["json_cpu"]
                + best.get("html_cpu", 0)
            )
            print(
                f"{int(best['messages']):>10,} {int(best['groups']):>6} {fmt_mb(nbytes):>9} "
                f"{'yes' if html == 'html' else 'no':>5} {best['import_s']:>9.2f} "
                f"{best['analysis_s']:>10.2f} {best['json_s']:>7.2f} "
                f"{best.get('html_s', 0):>7.2f} {total:>8.2f} {best['import_cpu']:>10.2f} "
                f"{best['analysis_cpu']:>12.2f} {cpu:>9.2f} {fmt_mb(best['peak']):>9}"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
