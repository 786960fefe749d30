// Draws the group page's charts with the locally served Plotly (never a CDN).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("chart-data");
    if (!el || !window.Plotly) return;
    var d = JSON.parse(el.textContent);
    var t = d.labels || {};
    var font = { family: getComputedStyle(document.body).fontFamily, size: 12, color: "#334155" };
    var base = {
      margin: { l: 44, r: 36, t: 8, b: 36 },
      font: font,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      legend: { orientation: "h", y: -0.22 },
      xaxis: { gridcolor: "#eef2f7" },
      yaxis: { gridcolor: "#eef2f7", rangemode: "tozero" },
      hovermode: "x unified",
    };
    var config = { displayModeBar: false, responsive: true };
    function layout(extra) { return Object.assign({}, base, extra || {}); }

    Plotly.newPlot("chart-daily", [
      { x: d.daily.day, y: d.daily.messages, type: "bar", name: t.messages, marker: { color: "#9fd8cb" } },
      { x: d.daily.day, y: d.daily.staff_messages, type: "bar", name: t.staff_messages, marker: { color: "#f3c98b" } },
      { x: d.daily.day, y: d.daily.speakers, type: "scatter", mode: "lines", name: t.speakers,
        line: { color: "#0e7c66", width: 2 }, yaxis: "y2" },
    ], layout({ barmode: "overlay", yaxis2: { overlaying: "y", side: "right", rangemode: "tozero", showgrid: false, tickformat: "d" } }), config);

    Plotly.newPlot("chart-weekly", [
      { x: d.weekly.week, y: d.weekly.weekly_active_rate, type: "scatter", mode: "lines+markers",
        name: t.weekly_active_rate, line: { color: "#2563eb", width: 2 } },
      { x: d.weekly.week, y: d.weekly.week.map(function () { return 0.2; }), type: "scatter", mode: "lines",
        name: t.bar, line: { color: "#dc2626", dash: "dot", width: 1.5 }, hoverinfo: "skip" },
    ], layout({ yaxis: { tickformat: ".0%", gridcolor: "#eef2f7", rangemode: "tozero" } }), config);

    Plotly.newPlot("chart-joins", [
      { x: d.daily.day, y: d.daily.joins, type: "bar", name: t.joins, marker: { color: "#16a34a" } },
      { x: d.daily.day, y: d.daily.leaves.map(function (v) { return -v; }), type: "bar", name: t.leaves,
        marker: { color: "#dc2626" } },
    ], layout({ barmode: "relative" }), config);

    var z = d.retention.share;
    Plotly.newPlot("chart-retention", [{
      z: z, y: d.retention.cohort, x: (z[0] || []).map(function (_, i) { return (t.week || "%s").replace("%s", i); }),
      type: "heatmap", colorscale: [[0, "#f8fafc"], [1, "#0e7c66"]], zmin: 0, zmax: 1,
      hovertemplate: "%{y} · %{x}: %{z:.0%}<extra></extra>", colorbar: { tickformat: ".0%", thickness: 10 },
    }], layout({ margin: { l: 84, r: 12, t: 8, b: 36 }, hovermode: "closest",
      xaxis: { type: "category", tickangle: 0 }, yaxis: { autorange: "reversed", type: "category" } }), config);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
