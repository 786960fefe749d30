/* shequn report: lazy charts, sortable/filterable overview, expanders. See docs/report.md. */
(function () {
  "use strict";
  var island = document.getElementById("shequn-charts");
  var specs = island ? JSON.parse(island.textContent) : {};
  var config = {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };

  // Charts are drawn when they come into view (or their group is opened): a 100-group
  // report would otherwise build hundreds of plots before the first paint.
  function draw(el) {
    if (el.getAttribute("data-drawn")) return;
    var spec = specs[el.getAttribute("data-chart")];
    if (!spec || !window.Plotly) return;
    el.setAttribute("data-drawn", "1");
    window.Plotly.newPlot(el, spec.data, spec.layout, config);
  }
  var charts = Array.prototype.slice.call(document.querySelectorAll(".chart[data-chart]"));
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            observer.unobserve(entry.target);
            draw(entry.target);
          }
        });
      },
      { rootMargin: "300px 0px" }
    );
    charts.forEach(function (el) { observer.observe(el); });
  } else {
    charts.forEach(draw);
  }

  // A link from the overview opens its (collapsed) group.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS" && !target.open) {
      target.open = true;
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Printing shows every group with its charts.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.group").forEach(function (d) { d.open = true; });
    charts.forEach(draw);
  });

  // "Show all" under long people tables.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-more]");
    if (!button) return;
    var wrap = button.previousElementSibling;
    var extra = wrap && wrap.querySelector("tbody.extra");
    if (extra) {
      extra.hidden = false;
      button.remove();
    }
  });

  // Overview table: sort by clicking a header, filter by typing.
  var table = document.getElementById("groups-table");
  if (!table) return;
  var body = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, index) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var numeric = th.getAttribute("data-sort") === "num";
      var ascending = th.getAttribute("aria-sort") !== (numeric ? "descending" : "ascending");
      // Numbers start high-first (worst health is one more click away); names start A–Z.
      if (!th.getAttribute("aria-sort")) ascending = !numeric;
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index], y = b.cells[index];
        if (numeric) {
          var xv = x.getAttribute("data-v"), yv = y.getAttribute("data-v");
          // Empty (no data) always sinks to the bottom.
          if (xv === "" || xv === null) return yv === "" || yv === null ? 0 : 1;
          if (yv === "" || yv === null) return -1;
          return ascending ? xv - yv : yv - xv;
        }
        var cmp = x.textContent.localeCompare(y.textContent, document.documentElement.lang);
        return ascending ? cmp : -cmp;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  var filter = document.querySelector(".filter");
  var empty = document.querySelector(".filter-empty");
  if (filter) {
    filter.addEventListener("input", function () {
      var needle = filter.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var hit = !needle || row.getAttribute("data-search").indexOf(needle) !== -1;
        row.hidden = !hit;
        if (hit) shown += 1;
      });
      if (empty) empty.hidden = shown !== 0;
    });
  }
})();
