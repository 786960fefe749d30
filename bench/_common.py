"""Shared helpers for the benchmarks: cached simulated exports and child-process measurement."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SHEQUN = [sys.executable, "-m", "shequn"]


def simulated_export(fmt: str, messages: int, groups: int, seed: int = 7) -> Path:
    """A simulated export, generated once and cached under bench/out/."""
    target = OUT / f"{fmt}-{messages}-{groups}-{seed}"
    done = target / ".done"
    if not done.exists():
        shutil.rmtree(target, ignore_errors=True)
        cmd = [
            *SHEQUN,
            "simulate",
            "--format",
            fmt,
            "--out",
            str(target / "export"),
            "--groups",
            str(groups),
            "--messages",
            str(messages),
            "--seed",
            str(seed),
        ]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        done.write_text("ok")
    return target / "export"


def export_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and p.name != "truth.json")


def run_child(code: str, *args: str) -> dict[str, float]:
    """Run `code` in a fresh interpreter; it prints one JSON object of figures."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def fmt_mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"
