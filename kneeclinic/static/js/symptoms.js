/* Diary pages: print button, pain and Kujala charts, and the ice timer. No inline script (CSP). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (target) {
      window.print();
    }
  });

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function painChart(canvas, data) {
    var green = cssVar("--green", "#12703a");
    var amber = cssVar("--amber", "#8a4b00");
    var red = cssVar("--red", "#b42318");
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: "Worst pain (0 to 10)",
          data: data.values,
          backgroundColor: data.values.map(function (v) {
            return v === null ? green : v <= 2 ? green : v <= 5 ? amber : red;
          })
        }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 10, ticks: { stepSize: 2 } } },
        plugins: { legend: { display: false } }
      }
    });
  }

  function akpsChart(canvas, data) {
    var brand = cssVar("--brand", "#0b5cad");
    var muted = cssVar("--muted", "#4d5661");
    var datasets = [{
      label: "Kujala score",
      data: data.values,
      borderColor: brand,
      backgroundColor: brand,
      pointRadius: 4
    }];
    if (data.baseline !== null) {
      var upper = Math.min(100, data.baseline + data.mic);
      var lower = Math.max(0, data.baseline - data.mic);
      datasets.push({
        label: "First score + " + data.mic,
        data: data.labels.map(function () { return upper; }),
        borderColor: muted, borderDash: [4, 4], pointRadius: 0, fill: false
      });
      datasets.push({
        label: "First score - " + data.mic,
        data: data.labels.map(function () { return lower; }),
        borderColor: muted, borderDash: [4, 4], pointRadius: 0,
        fill: "-1", backgroundColor: "rgba(120, 130, 140, 0.15)"
      });
    }
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 100 } }
      }
    });
  }

  function drawCharts() {
    if (!window.Chart) {
      return;
    }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var data = JSON.parse(source.textContent);
      if (data.kind === "pain") {
        painChart(canvas, data);
      } else if (data.kind === "akps") {
        akpsChart(canvas, data);
      }
    });
  }

  function iceTimer(box) {
    var total = parseInt(box.getAttribute("data-minutes"), 10) * 60;
    var display = box.querySelector("[data-ice-display]");
    var status = box.querySelector("[data-ice-status]");
    var start = box.querySelector("[data-ice-start]");
    var stop = box.querySelector("[data-ice-stop]");
    var timer = null;
    var endsAt = 0;
    var warned = false;

    function show(seconds) {
      var m = Math.floor(seconds / 60);
      var s = seconds % 60;
      display.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    }

    function finish(message) {
      window.clearInterval(timer);
      timer = null;
      start.disabled = false;
      stop.disabled = true;
      status.textContent = message;
    }

    function tick() {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      show(left);
      if (!warned && total - left >= 5 * 60) {
        warned = true;
        status.textContent = "5 minutes: lift the pack and check your skin. Stop if it is very red, white or numb.";
      }
      if (left === 0) {
        finish("Time is up: take the ice off now. Wait 2 to 3 hours before using it again.");
      }
    }

    start.addEventListener("click", function () {
      endsAt = Date.now() + total * 1000;
      warned = false;
      start.disabled = true;
      stop.disabled = false;
      status.textContent = "Timer started. Keep the pack wrapped in a towel.";
      timer = window.setInterval(tick, 1000);
      tick();
    });
    stop.addEventListener("click", function () {
      finish("Timer stopped.");
      show(total);
    });
  }

  function ready() {
    drawCharts();
    document.querySelectorAll("[data-ice-timer]").forEach(iceTimer);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
