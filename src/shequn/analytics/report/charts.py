"""Plotly figures of one group's time series, as JSON-ready dicts. See docs/report.md.

Figures are built with plotly.graph_objects and serialised by plotly.io.to_json; the page
draws them with Plotly.newPlot. Chart titles live in the HTML (same typography as the rest),
so the figures carry only axes, traces and the seed's bar line.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from .catalogue import Lang, t
from .format import is_number, percent

FONT_STACK = (
    '-apple-system, BlinkMacSystemFont, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", '
    '"WenQuanYi Micro Hei", "Segoe UI", Roboto, sans-serif'
)
INK = "#334155"
GRID = "#e9eef5"
PRIMARY = "#2563eb"
PRIMARY_SOFT = "#93b4f5"
ACCENT = "#0f9d8a"
OK = "#16a34a"
BELOW = "#f08a4b"
BAR_LINE = "#e2583e"

# Retention beyond these is unreadable on a phone and rarely actionable (seed 001: groups die
# within months); the JSON keeps the whole table.
RETENTION_COHORTS = 16
RETENTION_WEEKS = 12


def _date_format(lang: Lang) -> tuple[str, str]:
    # Plotly ships only English month names offline; numeric Chinese dates avoid "Jun 3".
    return ("%-m月%-d日", "%Y-%m-%d") if lang == "zh-Hans" else ("%b %-d", "%Y-%m-%d")


def _base_layout(lang: Lang, height: int = 260, **extra: Any) -> dict[str, Any]:
    tick, hover = _date_format(lang)
    layout: dict[str, Any] = {
        "template": "none",
        "height": height,
        "margin": {"l": 44, "r": 14, "t": 24, "b": 36},
        "font": {"family": FONT_STACK, "size": 12, "color": INK},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "hoverlabel": {"font": {"family": FONT_STACK}},
        "showlegend": False,
        "xaxis": {
            "type": "date",
            "tickformat": tick,
            "hoverformat": hover,
            "gridcolor": GRID,
            "linecolor": "#cbd5e1",
            "showline": True,
            "zeroline": False,
            "automargin": True,
        },
        "yaxis": {
            "gridcolor": GRID,
            "zeroline": False,
            "rangemode": "tozero",
            "automargin": True,
            "fixedrange": True,
        },
    }
    layout.update(extra)
    return layout


def _bar_line(bar: float, label: str) -> dict[str, Any]:
    """The seed's bar as a dashed line, named above the plot's top-right corner so the label
    never covers a bar or a point."""
    return {
        "shapes": [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": bar,
                "y1": bar,
                "line": {"color": BAR_LINE, "width": 1.5, "dash": "dash"},
            }
        ],
        "annotations": [
            {
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 1,
                "xanchor": "right",
                "yanchor": "bottom",
                "text": f"- - {label}",
                "showarrow": False,
                "font": {"color": BAR_LINE, "size": 11},
            }
        ],
    }


WEEK_MS = 7 * 24 * 3600 * 1000


def _week_axis(weeks: list[str]) -> dict[str, Any]:
    """Ticks on the weeks' own Mondays (Plotly's automatic date ticks fall on Sundays), at
    most about five of them (a phone is 390 px wide), with half a week of room at both ends
    for markers and bars."""
    step = max(1, -(-len(weeks) // 5))
    first, last = datetime.fromisoformat(weeks[0]), datetime.fromisoformat(weeks[-1])
    pad = timedelta(days=3.5)
    return {
        "tick0": weeks[0],
        "dtick": WEEK_MS * step,
        "range": [(first - pad).isoformat(), (last + pad).isoformat()],
    }


def _figure(data: Any, layout: dict[str, Any]) -> dict[str, Any]:
    # The layout goes in with the traces: update_layout on a built figure costs ~30 ms a
    # chart, 12 s for a 100-group report.
    fig = go.Figure(data=data, layout=layout)
    spec: dict[str, Any] = json.loads(pio.to_json(fig, validate=False))
    return spec


def _rows(rows: Any, key: str) -> list[dict[str, Any]]:
    if not isinstance(rows, list):
        return []
    return [r for r in rows if isinstance(r, dict) and isinstance(r.get(key), str)]


def activity(daily: Any, lang: Lang) -> dict[str, Any] | None:
    """Daily messages (bars) and speakers (line, right axis)."""
    rows = _rows(daily, "date")
    if not rows:
        return None
    dates = [r["date"] for r in rows]
    data = [
        go.Bar(
            x=dates,
            y=[r.get("messages") for r in rows],
            name=t(lang, "activity_messages"),
            marker={"color": PRIMARY_SOFT},
        ),
        go.Scatter(
            x=dates,
            y=[r.get("speakers") for r in rows],
            name=t(lang, "activity_speakers"),
            mode="lines",
            line={"color": ACCENT, "width": 2},
            yaxis="y2",
        ),
    ]
    layout = _base_layout(lang, showlegend=True, bargap=0.15)
    layout["legend"] = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
    layout["yaxis2"] = {
        "overlaying": "y",
        "side": "right",
        "showgrid": False,
        "rangemode": "tozero",
        "fixedrange": True,
        "automargin": True,
        # Plotly 3+ syncs an overlaying axis to the main grid, which gives speakers ticks
        # such as 2.94; people come in whole numbers.
        "tickmode": "auto",
        "nticks": 5,
        "tickformat": ",~d",
    }
    return _figure(data, layout)


def weekly_active_rate(weekly: Any, bar: float | None, lang: Lang) -> dict[str, Any] | None:
    rows = _rows(weekly, "week_start")
    values = [r.get("weekly_active_rate") for r in rows]
    if not any(is_number(v) for v in values):
        return None
    data = go.Scatter(
        x=[r["week_start"] for r in rows],
        y=values,
        mode="lines+markers",
        line={"color": PRIMARY, "width": 2.5, "shape": "spline", "smoothing": 0.4},
        marker={"size": 6},
        fill="tozeroy",
        fillcolor="rgba(37,99,235,0.07)",
        name=t(lang, "war_trend"),
        hovertemplate="%{y:.1%}<extra></extra>",
        connectgaps=False,
    )
    top = max([float(v) for v in values if is_number(v)] + [bar or 0])
    layout = _base_layout(lang)
    layout["yaxis"].update({"tickformat": ".0%", "range": [0, max(top * 1.2, 0.05)]})
    layout["xaxis"].update(_week_axis([r["week_start"] for r in rows]))
    if bar is not None:
        layout.update(_bar_line(bar, t(lang, "bar_line", bar=percent(bar))))
    return _figure(data, layout)


def independent_rounds(weekly: Any, bar: float | None, lang: Lang) -> dict[str, Any] | None:
    rows = _rows(weekly, "week_start")
    values = [r.get("independent_rounds") for r in rows]
    if not any(is_number(v) for v in values):
        return None
    colours = [
        OK if bar is not None and is_number(v) and v >= bar else (BELOW if bar else PRIMARY)
        for v in values
    ]
    data = go.Bar(
        x=[r["week_start"] for r in rows],
        y=values,
        marker={"color": colours},
        name=t(lang, "rounds_trend"),
        hovertemplate="%{y}<extra></extra>",
    )
    top = max([float(v) for v in values if is_number(v)] + [bar or 0])
    layout = _base_layout(lang, bargap=0.3)
    layout["yaxis"].update({"range": [0, max(top * 1.2, 1)]})
    layout["xaxis"].update(_week_axis([r["week_start"] for r in rows]))
    if bar is not None:
        label = f"{bar:g}"
        layout.update(_bar_line(bar, t(lang, "bar_line", bar=label)))
    return _figure(data, layout)


def retention(cohorts: Any, lang: Lang) -> dict[str, Any] | None:
    """Join-week cohorts (rows, oldest on top) × weeks since joining (columns)."""
    rows = [
        r
        for r in _rows(cohorts, "cohort_week")
        if isinstance(r.get("active_share"), list) and r["active_share"]
    ][-RETENTION_COHORTS:]
    if not rows:
        return None
    width = min(max(len(r["active_share"]) for r in rows), RETENTION_WEEKS)
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    labels: list[str] = []
    sizes: list[list[str]] = []
    for r in rows:
        shares = [v if is_number(v) else None for v in r["active_share"][:width]]
        shares += [None] * (width - len(shares))
        z.append(shares)
        text.append(["" if v is None else percent(float(v)) for v in shares])
        # The size goes to the hover, not the label: labels must stay unique per cohort and
        # short enough for a phone. Plotly reads a few HTML tags in labels and hovers and
        # decodes entities, so escaping keeps data text as text.
        size = r.get("size")
        cohort = html.escape(r["cohort_week"])
        shown_size = size if is_number(size) else "?"
        hover = t(lang, "retention_hover", cohort=cohort, size=shown_size)
        labels.append(cohort)
        sizes.append([hover] * width)
    columns = [str(i) for i in range(width)]
    week = t(lang, "week_n", n="%{x}")
    data = go.Heatmap(
        z=z,
        x=columns,
        y=labels,
        text=text,
        customdata=sizes,
        texttemplate="%{text}",
        textfont={"size": 11},
        zmin=0,
        zmax=1,
        colorscale=[[0, "#f1f5fb"], [0.25, "#bcd0f7"], [0.6, "#4f7fe8"], [1, "#1e3a8a"]],
        xgap=2,
        ygap=2,
        showscale=False,
        hovertemplate=f"%{{customdata}} · {week}: %{{text}}<extra></extra>",
        hoverongaps=False,
    )
    layout = _base_layout(lang, height=max(200, 60 + 26 * len(rows)), hovermode="closest")
    layout["margin"] = {"l": 10, "r": 10, "t": 10, "b": 36}
    layout["xaxis"] = {
        "type": "category",
        "side": "bottom",
        "title": {"text": t(lang, "retention_x"), "font": {"size": 11}},
        "fixedrange": True,
        "automargin": True,
        "showgrid": False,
        "ticks": "",
    }
    layout["yaxis"] = {
        "type": "category",
        "autorange": "reversed",
        "fixedrange": True,
        "automargin": True,
        "showgrid": False,
        "ticks": "",
    }
    return _figure(data, layout)
