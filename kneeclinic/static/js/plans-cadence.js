// Cadence per run (steps per minute) with the target as a dashed line, drawn with the vendored Chart.js.
// Markup: <canvas data-cadence-chart data-source="cadence-data" data-target="172"> and a
// <script type="application/json" id="cadence-data"> list of {"date": "2026-03-02", "spm": 166.2}.
// The same numbers are in a table next to the chart, so the chart is never the only way to read them.
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  document.querySelectorAll("canvas[data-cadence-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source) {
      return;
    }
    var points = JSON.parse(source.textContent || "[]");
    var target = parseFloat(canvas.dataset.target);
    var datasets = [
      {
        label: "Cadence (steps/min)",
        data: points.map(function (p) { return p.spm; }),
        borderColor: "#1f6f8b",
        backgroundColor: "#1f6f8b",
        pointStyle: "circle",
        pointRadius: 4,
        tension: 0,
      },
    ];
    if (isFinite(target)) {
      datasets.push({
        label: "Target (steps/min)",
        data: points.map(function () { return target; }),
        borderColor: "#b5541c",
        borderDash: [6, 4],
        pointRadius: 0,
      });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: points.map(function (p) { return p.date; }), datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { title: { display: true, text: "steps per minute" } },
          x: { title: { display: true, text: "date of run" } },
        },
      },
    });
  });
})();
