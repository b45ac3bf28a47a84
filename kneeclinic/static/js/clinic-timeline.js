// The runner's timeline: weekly load, weekly worst pain and Kujala scores on one shared week axis.
// The page carries the same figures in a sentence and a table; these drawings repeat them.
(function () {
  "use strict";
  var printButton = document.querySelector("[data-clinic-print]");
  if (printButton) {
    printButton.addEventListener("click", function () { window.print(); });
  }
  var source = document.getElementById("clinic-timeline-data");
  if (!source || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  function colour(name, fallback) {
    return style.getPropertyValue(name).trim() || fallback;
  }
  var muted = colour("--muted", "#4d5661");
  var brand = colour("--brand", "#0b5cad");
  var dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  var labels = data.weeks.map(function (iso) { return dayFormat.format(new Date(iso + "T00:00:00Z")); });
  Chart.defaults.color = colour("--text", "#1b1f24");
  Chart.defaults.borderColor = colour("--border", "#cfd5dd");
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  // Every chart uses the same labels and the same left padding, so weeks line up vertically.
  var axisWidth = 44;
  function xAxis() {
    return { ticks: { maxTicksLimit: 9, autoSkip: true, color: muted }, grid: { display: false } };
  }
  function yAxis(extra) {
    var axis = { beginAtZero: true, ticks: { color: muted }, afterFit: function (scale) { scale.width = axisWidth; } };
    return Object.assign(axis, extra || {});
  }

  var load = document.getElementById("chart-load");
  if (load) {
    new Chart(load, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: "Distance (" + data.unit + ")", data: data.load, backgroundColor: brand }] },
      options: { plugins: { legend: { display: false } }, scales: { x: xAxis(), y: yAxis() } },
    });
  }
  var exercise = document.getElementById("chart-exercise");
  if (exercise) {
    new Chart(exercise, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: "Exercise days", data: data.exercise, backgroundColor: colour("--green", "#1a7f37") }] },
      options: { plugins: { legend: { display: false } }, scales: { x: xAxis(), y: yAxis({ max: 7 }) } },
    });
  }
  var painCanvas = document.getElementById("chart-pain");
  if (painCanvas) {
    // Line style and point shape differ as well as colour.
    var looks = [
      { colour: colour("--red", "#b42318"), shape: "triangle", dash: [] },
      { colour: colour("--amber", "#8a4b00"), shape: "rect", dash: [6, 4] },
      { colour: brand, shape: "circle", dash: [2, 3] },
    ];
    var datasets = Object.keys(data.pain).map(function (name, i) {
      var look = looks[i % looks.length];
      return {
        label: name, data: data.pain[name], borderColor: look.colour, backgroundColor: look.colour,
        pointStyle: look.shape, pointRadius: 4, borderDash: look.dash, spanGaps: true,
      };
    });
    new Chart(painCanvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: { plugins: { legend: { position: "bottom" } }, scales: { x: xAxis(), y: yAxis({ min: 0, max: 10 }) } },
    });
  }
  var kujala = document.getElementById("chart-kujala");
  if (kujala) {
    new Chart(kujala, {
      type: "line",
      data: {
        labels: labels,
        datasets: [{
          label: "Kujala", data: data.weeks.map(function (iso) { return iso in data.kujala ? data.kujala[iso] : null; }),
          borderColor: brand, backgroundColor: brand, pointRadius: 5, spanGaps: true,
        }],
      },
      options: { plugins: { legend: { display: false } }, scales: { x: xAxis(), y: yAxis({ min: 0, max: 100 }) } },
    });
  }
})();
