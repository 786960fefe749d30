// The person page's activity chart (locally served Plotly).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("person-activity");
    if (!el || !window.Plotly) return;
    var d = JSON.parse(el.textContent);
    Plotly.newPlot("chart-person", [{ x: d.day, y: d.messages, type: "bar", marker: { color: "#0e7c66" } }], {
      margin: { l: 36, r: 8, t: 8, b: 32 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: getComputedStyle(document.body).fontFamily, size: 11 },
      yaxis: { gridcolor: "#eef2f7", rangemode: "tozero" },
    }, { displayModeBar: false, responsive: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
