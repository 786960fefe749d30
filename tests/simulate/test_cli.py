"""`shequn simulate` (docs/simulate.md, CLI)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shequn.cli import app

runner = CliRunner()


def test_simulate_writes_the_export_and_prints_paths(tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = runner.invoke(
        app,
        ["simulate", "--format", "whatsapp", "--out", str(out), "--groups", "2",
         "--messages", "400", "--seed", "9", "--as-of", "2025-01-01T00:00:00+08:00"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines == [
        f"whatsapp: {out / 'WhatsApp Chat with Python学习交流群.txt'}",
        f"whatsapp: {out / 'WhatsApp Chat with 编程学习交流群.txt'}",
        f"whatsapp truth: {out / 'truth.json'}",
    ]
    truth = json.loads((out / "truth.json").read_text())
    assert truth["schema"] == "shequn.simulate.truth/1"
    assert truth["as_of"] == "2025-01-01T00:00:00+08:00"
    assert truth["seed"] == 9
    assert [g["key"] for g in truth["groups"]] == [
        "whatsapp:Python学习交流群",
        "whatsapp:编程学习交流群",
    ]


def test_simulate_all_formats_go_to_one_folder_each(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["simulate", "--format", "all", "--out", str(tmp_path), "--groups", "1",
              "--messages", "200"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == sorted(["telegram", "whatsapp", "discord", "slack", "qq", "wechat", "wecom"])
    assert all((tmp_path / f / "truth.json").is_file() for f in folders)
    assert sum("truth: " in line for line in result.output.splitlines()) == 7


def test_simulate_rejects_a_bad_format_and_too_few_messages(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["simulate", "--format", "icq", "--out", str(tmp_path)])
    assert bad.exit_code == 2
    assert "unknown format 'icq'" in bad.output
    few = runner.invoke(
        app, ["simulate", "--out", str(tmp_path), "--groups", "3", "--messages", "100"]
    )
    assert few.exit_code == 2
    assert not any(tmp_path.iterdir())
