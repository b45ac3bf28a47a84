// The Load page's three charts, drawn with Chart.js from the JSON the page carries.
// Each chart has a caption and a table in the page; these drawings repeat the same figures.
(function () {
  "use strict";
  var source = document.getElementById("load-chart-data");
  if (!source || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  function colour(name, fallback) {
    return style.getPropertyValue(name).trim() || fallback;
  }
  var text = colour("--text", "#1b1f24");
  var muted = colour("--muted", "#4d5661");
  var grid = colour("--border", "#cfd5dd");
  var brand = colour("--brand", "#0b5cad");
  // Shape and colour both carry the class, so colour is never the only signal.
  var looks = {
    reference: { shape: "circle", colour: brand, size: 4 },
    small: { shape: "triangle", colour: colour("--amber", "#8a4b00"), size: 7 },
    moderate: { shape: "rect", colour: "#c2410c", size: 7 },
    large: { shape: "star", colour: colour("--red", "#b42318"), size: 10 },
    insufficient_history: { shape: "crossRot", colour: muted, size: 6 },
    not_measured: { shape: "dash", colour: muted, size: 6 },
  };
  var dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "2-digit", timeZone: "UTC" });
  function day(ms) {
    return dayFormat.format(new Date(ms));
  }
  function number(value) {
    return Number(value).toFixed(1) + " " + data.unit;
  }
  Chart.defaults.color = text;
  Chart.defaults.borderColor = grid;
  Chart.defaults.font.family = style.getPropertyValue("--font") || "system-ui, sans-serif";
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  var DAY_MS = 86400000;
  // Evenly spaced whole days from the first to the last: fewer on a phone so labels never overlap.
  function dayTicks(axis) {
    var count = axis.chart.width < 500 ? 3 : 6;
    var span = data.end - data.start;
    var ticks = [];
    for (var i = 0; i <= count; i += 1) {
      ticks.push({ value: data.start + Math.round((span * i) / count / DAY_MS) * DAY_MS });
    }
    axis.ticks = ticks;
  }
  function timeAxis() {
    return {
      type: "linear",
      min: data.start,
      max: data.end,
      afterBuildTicks: dayTicks,
      ticks: { callback: day, color: muted, maxRotation: 0 },
      grid: { display: false },
    };
  }
  function distanceAxis() {
    return { beginAtZero: true, title: { display: true, text: data.unit }, ticks: { color: muted } };
  }

  var weeks = document.getElementById("chart-weeks");
  if (weeks) {
    new Chart(weeks, {
      type: "bar",
      data: {
        labels: data.weeks.labels.map(day),
        datasets: [{ label: "Distance", data: data.weeks.distance, backgroundColor: brand }],
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: function (items) { return "Week of " + items[0].label; }, label: function (item) { return number(item.raw); } } },
        },
        scales: { x: { ticks: { maxTicksLimit: 8, autoSkip: true }, grid: { display: false } }, y: distanceAxis() },
      },
    });
  }

  var runs = document.getElementById("chart-runs");
  if (runs) {
    var datasets = [
      {
        type: "line",
        label: "Longest run of the 30 days before",
        data: data.longest.map(function (p) { return { x: p[0], y: p[1] }; }),
        borderColor: muted,
        borderWidth: 2,
        stepped: true,
        pointRadius: 0,
        pointStyle: "line",
      },
    ];
    data.runs.forEach(function (group) {
      if (!group.points.length) {
        return;
      }
      var look = looks[group.cls];
      datasets.push({
        type: "scatter",
        label: group.label,
        data: group.points.map(function (p) { return { x: p[0], y: p[1], ratio: p[2] }; }),
        pointStyle: look.shape,
        pointRadius: look.size,
        pointHoverRadius: look.size + 2,
        backgroundColor: look.colour,
        borderColor: look.colour,
      });
    });
    new Chart(runs, {
      data: { datasets: datasets },
      options: {
        parsing: { xAxisKey: "x", yAxisKey: "y" },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return day(items[0].raw.x); },
              label: function (item) {
                var raw = item.raw;
                var line = number(raw.y) + " — " + item.dataset.label;
                if (raw.ratio !== undefined && raw.ratio !== null) {
                  line += " (" + Math.round(raw.ratio * 100) + " % of the longest before)";
                }
                return line;
              },
            },
          },
        },
        scales: { x: timeAxis(), y: distanceAxis() },
      },
    });
  }

  var acwr = document.getElementById("chart-acwr");
  if (acwr && data.acwr) {
    function points(list) {
      return list.map(function (p) { return { x: p[0], y: p[1] }; });
    }
    new Chart(acwr, {
      type: "line",
      data: {
        datasets: [
          { label: "This week against the 3 before", data: points(data.acwr.rolling), borderColor: brand, borderWidth: 2, pointRadius: 0 },
          { label: "Smoothed (EWMA)", data: points(data.acwr.ewma), borderColor: muted, borderWidth: 2, borderDash: [6, 4], pointRadius: 0, pointStyle: "line" },
        ],
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: function (items) { return day(items[0].raw.x); }, label: function (item) { return item.dataset.label + ": " + Number(item.raw.y).toFixed(2); } } },
        },
        scales: { x: timeAxis(), y: { beginAtZero: true, ticks: { color: muted } } },
      },
    });
  }
})();
