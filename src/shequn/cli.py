"""The `shequn` command line. See README.md and docs/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="社群 shequn — 导入聊天记录、衡量社群健康、运营社群 (community operations).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()


@app.callback()
def _root() -> None:
    """社群 shequn."""


def _parse_as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"not an ISO date/time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command()
def analyze(
    exports: Annotated[list[Path], typer.Argument(help="导出文件、文件夹或 zip / export files")],
    json_out: Annotated[Path | None, typer.Option("--json", help="写入 JSON 分析结果")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="写入 HTML 报告")] = None,
    as_of: Annotated[str | None, typer.Option(help="分析截止时间 (ISO)，默认最新消息")] = None,
    staff: Annotated[
        list[str] | None, typer.Option(help="标记为工作人员的名字或 ID，可重复")
    ] = None,
    lang: Annotated[str, typer.Option(help="报告语言 zh-Hans | en")] = "zh-Hans",
    tz: Annotated[str, typer.Option(help="无时区导出的本地时区")] = "Asia/Shanghai",
    dayfirst: Annotated[
        bool | None, typer.Option("--dayfirst/--monthfirst", help="WhatsApp 日期顺序")
    ] = None,
) -> None:
    """分析导出的聊天记录 (analyze chat exports; no database needed)."""
    from shequn.analytics.contract import build_analysis
    from shequn.importers import ImportOptions, import_paths

    options = ImportOptions(tz=tz, dayfirst=dayfirst)
    when = _parse_as_of(as_of)
    report = import_paths([str(p) for p in exports], options)
    for error in report.errors:
        err.print(f"[bold red]错误 error[/] {error}", highlight=False, soft_wrap=True)
    if not report.exports:
        err.print("没有可分析的数据 (nothing could be imported)")
        raise typer.Exit(2)
    analysis = build_analysis(report.canonical, as_of=when)
    _print_summary(analysis)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_bytes(msgspec.json.format(msgspec.json.encode(analysis), indent=1))
        out.print(f"JSON: {json_out}")
    if html_out is not None:
        err.print("HTML 报告尚未实现 (the HTML report comes with the analytics issue)")
    if report.errors:
        raise typer.Exit(1)


def _print_summary(analysis: dict[str, object]) -> None:
    table = Table(title=f"shequn · as of {analysis['as_of']}")
    for col in ("群 group", "平台 platform", "消息 messages", "成员 members", "最后 last"):
        table.add_column(col)
    groups = analysis["groups"]
    assert isinstance(groups, list)
    for g in groups:
        table.add_row(
            g["name"], g["platform"], str(g["messages"]), str(g["members"]), g["last_at"] or ""
        )
    out.print(table)


def main() -> None:  # pragma: no cover - entry point
    app(prog_name="shequn")


if __name__ == "__main__":  # pragma: no cover
    main()
