"""The `shequn` command line. See README.md and docs/."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def _parse_as_of(value: str | None, zone: tzinfo = UTC) -> datetime | None:
    """An ISO date or date-time; without an offset it is local time in `zone`."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"not an ISO date/time: {value!r}", param_hint="--as-of") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


@app.command()
def analyze(
    exports: Annotated[list[Path], typer.Argument(help="导出文件、文件夹或 zip / export files")],
    json_out: Annotated[Path | None, typer.Option("--json", help="写入 JSON 分析结果")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="写入 HTML 报告")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="分析截止时间 (ISO；无时区按 --tz)，默认最新事件之后")
    ] = None,
    staff: Annotated[
        list[str] | None, typer.Option(help="标记为工作人员的名字或 ID，可重复")
    ] = None,
    orders: Annotated[
        Path | None,
        typer.Option(help="订单 CSV/JSON：group,person,offer,amount,currency,paid_at,tier"),
    ] = None,
    surveys: Annotated[
        Path | None, typer.Option(help="问卷 CSV/JSON：group,person,question,answer,answered_at")
    ] = None,
    campaigns: Annotated[
        Path | None, typer.Option(help="推广活动 CSV/JSON：group,name,start,end")
    ] = None,
    lang: Annotated[str, typer.Option(help="报告语言 zh-Hans | en")] = "zh-Hans",
    tz: Annotated[
        str, typer.Option(help="群的时区（日、周的边界）及无时区导出的时区")
    ] = "Asia/Shanghai",
    dayfirst: Annotated[
        bool | None, typer.Option("--dayfirst/--monthfirst", help="WhatsApp 日期顺序")
    ] = None,
) -> None:
    """分析导出的聊天记录 (analyze chat exports; no database needed)."""
    from shequn.analytics.contract import Extras, build_analysis
    from shequn.analytics.inputs import InputError, read_campaigns, read_orders, read_surveys
    from shequn.importers import ImportOptions, import_paths

    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"unknown timezone: {tz!r}", param_hint="--tz") from None
    options = ImportOptions(tz=tz, dayfirst=dayfirst)
    when = _parse_as_of(as_of, zone)
    failed = False
    extras = Extras()
    readers = (
        ("orders", orders, read_orders),
        ("surveys", surveys, read_surveys),
        ("campaigns", campaigns, read_campaigns),
    )
    for name, path, reader in readers:
        if path is None:
            continue
        try:
            setattr(extras, name, reader(path, tz=tz))
            extras.sources[name] = str(path)
        except InputError as exc:
            err.print(f"[bold red]错误 error[/] {exc}", highlight=False, soft_wrap=True)
            failed = True
    report = import_paths([str(p) for p in exports], options)
    for error in report.errors:
        err.print(f"[bold red]错误 error[/] {error}", highlight=False, soft_wrap=True)
    if not report.exports:
        err.print("没有可分析的数据 (nothing could be imported)")
        raise typer.Exit(2)
    analysis = build_analysis(
        report.canonical,
        as_of=when,
        staff=staff or (),
        extras=extras,
        timezone=tz,
        exports=[
            {"label": label, "platform": platform, "messages": n}
            for label, platform, n in report.exports
        ],
    )
    _print_summary(analysis, lang)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_bytes(msgspec.json.format(msgspec.json.encode(analysis), indent=1))
        out.print(f"JSON: {json_out}")
    if html_out is not None:
        from shequn.analytics.report import render_report

        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(render_report(analysis, lang), encoding="utf-8")
        out.print(f"HTML: {html_out}")
    if report.errors or failed:
        raise typer.Exit(1)


def _print_summary(analysis: dict[str, Any], lang: str = "zh-Hans") -> None:
    """One line per group with the seed indicators, then each group's first advice."""
    en = lang == "en"
    table = Table(title=f"shequn · as of {analysis['as_of']}")
    for col in (
        "群 group",
        "消息 msgs",
        "成员 members",
        "周活 WAR",
        "回合 rounds",
        "阶段 stage",
        "健康 health",
    ):
        table.add_column(col, overflow="fold")
    advice: list[tuple[str, str]] = []
    for g in analysis["groups"]:
        rate = g.get("weekly_active_rate")
        table.add_row(
            g["name"],
            str(g["messages"]),
            str(g["members"]),
            "—" if rate is None else f"{rate:.0%}",
            str(g.get("independent_rounds_7d", "—")),
            g["lifecycle_stage"],
            str(g["health_score"]),
        )
        if g["recommendations"]:
            first = g["recommendations"][0]
            advice.append((g["name"], first["text_en"] if en else first["text"]))
    out.print(table)
    for name, text in advice:
        out.print(f"[bold]{name}[/]: {text}", highlight=False)


@app.command()
def simulate(
    fmt: Annotated[
        str,
        typer.Option("--format", help="telegram|whatsapp|discord|slack|qq|wechat|wecom|all"),
    ] = "telegram",
    out: Annotated[Path, typer.Option(help="输出目录 / output folder")] = Path("out/simulated"),
    groups: Annotated[int, typer.Option(min=1, help="群数 / groups")] = 6,
    messages: Annotated[int, typer.Option(min=50, help="消息总数 / messages in all")] = 20_000,
    seed: Annotated[int, typer.Option(help="随机种子 / seed (same seed, same bytes)")] = 7,
    as_of: Annotated[
        str | None, typer.Option(help="结束时间 (ISO) / end of the history; default 2024-07-01")
    ] = None,
) -> None:
    """模拟社群并写出导出文件与 truth.json (simulate communities; docs/simulate.md)."""
    from shequn.simulate.run import parse_as_of, parse_formats, summary
    from shequn.simulate.run import simulate as run_simulation

    try:
        formats = parse_formats(fmt)
        end = parse_as_of(as_of)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if messages < 50 * groups:
        raise typer.BadParameter("--messages must be at least 50 per group")
    written = run_simulation(
        formats=formats, out=out, groups=groups, messages=messages, seed=seed, as_of=end
    )
    for line in summary(written):
        typer.echo(line)


@app.command("import")
def import_exports(
    exports: Annotated[list[Path], typer.Argument(help="导出文件、文件夹或 zip / export files")],
    workspace: Annotated[str, typer.Option(help="工作区标识 / workspace slug")],
    tz: Annotated[str, typer.Option(help="无时区导出的时区，也是新群的时区")] = "Asia/Shanghai",
    dayfirst: Annotated[
        bool | None, typer.Option("--dayfirst/--monthfirst", help="WhatsApp 日期顺序")
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=100, help="每批消息数（每批一个事务）/ messages per batch")
    ] = 250_000,
    refresh: Annotated[
        str,
        typer.Option(help="导入后刷新汇总与快照：inline（现在）| queue（交给 worker）| none"),
    ] = "inline",
    create_workspace: Annotated[
        bool, typer.Option("--create-workspace", help="工作区不存在时创建")
    ] = False,
    migrate: Annotated[bool, typer.Option("--migrate", help="先执行数据库迁移")] = False,
) -> None:
    """把导出的聊天记录导入数据库 (import chat exports into the store; docs/ingest.md)."""
    from shequn.server.bootstrap import NotMigrated, setup_django

    if refresh not in ("inline", "queue", "none"):
        raise typer.BadParameter("one of inline, queue, none", param_hint="--refresh")
    try:
        setup_django(migrate=True if migrate else None)
    except NotMigrated as exc:
        err.print(f"[bold red]错误 error[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from shequn.apps.chat.actions import do_import_export, import_group_ids
    from shequn.apps.chat.models import ImportRun
    from shequn.apps.tenancy.models import Workspace
    from shequn.importers import ImportOptions

    ws = Workspace.objects.filter(slug=workspace).first()
    if ws is None and create_workspace:
        from shequn.apps.tenancy.actions import do_create_workspace

        ws = do_create_workspace(name=workspace, slug=workspace)
    if ws is None:
        err.print(f"没有这个工作区 (no workspace {workspace!r}); add --create-workspace")
        raise typer.Exit(2)
    options = ImportOptions(tz=tz, dayfirst=dayfirst, batch_size=batch_size)
    failed = False
    group_ids: set[int] = set()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        for path in exports:
            task = bar.add_task(str(path), total=None, counts="")

            def show(run: ImportRun, task: Any = task) -> None:
                total = run.exports_total or None
                bar.update(
                    task,
                    total=total,
                    completed=run.exports_done,
                    counts=f"{run.messages_seen:,} msgs · {run.messages_new:,} new · "
                    f"{run.batches_done} batches",
                )

            run = do_import_export(workspace=ws, path=path, progress=show, options=options)
            group_ids.update(import_group_ids(run))
            for e in run.errors:
                where = f"{e['file']}, {e['location']}" if e.get("location") else e["file"]
                bar.console.print(
                    f"[bold red]错误 error[/] {where}: {e['message']}",
                    highlight=False,
                    soft_wrap=True,
                )
            failed = failed or run.status != ImportRun.Status.DONE
    _refresh_after_import(ws, sorted(group_ids), refresh)
    if failed:
        raise typer.Exit(1)


def _refresh_after_import(ws: Any, group_ids: list[int], how: str) -> None:
    if how == "none" or not group_ids:
        return
    from shequn.apps.chat.selectors import get_workspace_horizon
    from shequn.apps.insights.tasks import enqueue_group_refresh

    horizon = get_workspace_horizon(workspace=ws)
    if how == "queue":
        n = enqueue_group_refresh(workspace_id=ws.pk, group_ids=group_ids, as_of=horizon)
        out.print(f"已排队刷新 {n} 个群 (queued the refresh of {n} groups for `shequn worker`)")
        return
    from shequn.apps.community.models import Group
    from shequn.apps.insights.actions import do_compute_group_snapshot, do_fill_rollups

    for group in Group.objects.filter(workspace=ws, pk__in=group_ids).order_by("pk"):
        do_fill_rollups(workspace=ws, group=group)
        snap = do_compute_group_snapshot(workspace=ws, group=group, as_of=horizon)
        if snap is not None:
            out.print(
                f"{group.name}: {snap.messages:,} msgs · {snap.members} members · "
                f"{snap.lifecycle_stage} · health {snap.health_score}",
                highlight=False,
            )


@app.command()
def worker(
    workers: Annotated[int, typer.Option(min=1, help="并发数 / concurrent workers")] = 1,
    worker_type: Annotated[str, typer.Option(help="thread | process")] = "thread",
    periodic: Annotated[bool, typer.Option(help="运行定时任务 / run periodic tasks")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """运行后台任务 (run the job consumer: imports, rollups, snapshots; docs/architecture.md)."""
    import logging

    from shequn.server.bootstrap import NotMigrated, setup_django

    if worker_type not in ("thread", "process"):
        raise typer.BadParameter("thread or process", param_hint="--worker-type")
    try:
        setup_django(migrate=False)
    except NotMigrated as exc:
        err.print(f"[bold red]错误 error[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")  # register every app's tasks, as djhuey's run_huey does
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s",
    )
    logging.getLogger("huey").setLevel(logging.INFO if verbose else logging.WARNING)
    consumer = HUEY.create_consumer(
        workers=workers, worker_type=worker_type, periodic=periodic, check_worker_health=True
    )
    consumer.run()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="端口 / port")] = 8000,
    threads: Annotated[int, typer.Option(min=1, help="处理请求的线程数 / threads")] = 8,
    jobs: Annotated[
        bool, typer.Option("--jobs/--no-jobs", help="在本进程运行后台任务 / run jobs here")
    ] = True,
) -> None:
    """启动后台网站 (migrate, collect static, serve the back office and API; docs/deploy.md)."""
    from shequn.server.serve import serve as run_server

    run_server(host=host, port=port, threads=threads, jobs=jobs, say=out.print)


@app.command()
def demo(
    groups: Annotated[int, typer.Option(min=1, help="群数 / groups")] = 6,
    messages: Annotated[int, typer.Option(min=300, help="消息总数 / messages")] = 20_000,
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 7,
    host: Annotated[str, typer.Option(help="网址里的地址 / host in the printed URL")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="网址里的端口 / port in the printed URL")] = 8000,
) -> None:
    """创建或刷新演示工作区 (a demo workspace filled by the simulator; prints URL and logins)."""
    from shequn.server.bootstrap import setup_django

    setup_django(migrate=True)
    from shequn.apps.web.demo import do_create_demo_workspace

    result = do_create_demo_workspace(
        groups=groups, messages=messages, seed=seed, say=lambda line: err.print(line)
    )
    url = f"http://{host}:{port}/w/{result.workspace.slug}/"
    out.print(
        f"演示工作区 demo workspace: {result.workspace.name} · {result.groups} groups · "
        f"{result.messages:,} messages · {result.suggestions} merge suggestions",
        highlight=False,
        soft_wrap=True,
    )
    out.print(
        f"网址 URL:   {url}  (先运行 run `shequn serve --port {port}`)",
        highlight=False,
        soft_wrap=True,
    )
    for username, password, role in result.logins:
        out.print(f"登录 login: {username} / {password}  ({role})", highlight=False)


def main() -> None:  # pragma: no cover - entry point
    app(prog_name="shequn")


if __name__ == "__main__":  # pragma: no cover
    main()
