// One exercise's history: sets done (bars) and knee pain 0-10 (line) per session.
// The page also carries the same figures as a table, so the chart only repeats them.
(function () {
  "use strict";
  var source = document.getElementById("history-data");
  var canvas = document.getElementById("history-chart");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  function colour(name, fallback) {
    return style.getPropertyValue(name).trim() || fallback;
  }
  var muted = colour("--muted", "#4d5661");
  var dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  Chart.defaults.color = colour("--text", "#1b1f24");
  Chart.defaults.borderColor = colour("--border", "#cfd5dd");
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  new Chart(canvas, {
    data: {
      labels: data.labels.map(function (iso) {
        return dayFormat.format(new Date(iso + "T00:00:00Z"));
      }),
      datasets: [
        {
          type: "bar",
          label: "Sets done",
          data: data.sets,
          order: 2,
          backgroundColor: "rgba(90, 140, 200, 0.35)",
          borderColor: colour("--brand", "#0b5cad"),
          borderWidth: 1,
          yAxisID: "sets",
        },
        {
          type: "line",
          label: "Knee pain (0-10)",
          data: data.pain,
          order: 1,
          borderColor: colour("--red", "#b42318"),
          backgroundColor: colour("--red", "#b42318"),
          pointStyle: "rectRot",
          pointRadius: 5,
          spanGaps: true,
          yAxisID: "pain",
        },
      ],
    },
    options: {
      scales: {
        sets: { position: "left", beginAtZero: true, ticks: { precision: 0, color: muted }, title: { display: true, text: "Sets" } },
        pain: { position: "right", min: 0, max: 10, ticks: { color: muted }, grid: { display: false }, title: { display: true, text: "Pain 0-10" } },
        x: { grid: { display: false }, ticks: { color: muted, maxTicksLimit: 8 } },
      },
    },
  });
})();
