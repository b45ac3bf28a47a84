// A run's charts (pace, heart rate, cadence, elevation) drawn with Chart.js from the page's JSON.
// The summary above gives the same figures in words.
(function () {
  "use strict";
  var source = document.getElementById("run-chart-data");
  if (!source || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  function colour(name, fallback) {
    return style.getPropertyValue(name).trim() || fallback;
  }
  Chart.defaults.color = colour("--text", "#1b1f24");
  Chart.defaults.borderColor = colour("--border", "#cfd5dd");
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  var colours = {
    pace: colour("--brand", "#0b5cad"),
    heart_rate: colour("--red", "#b42318"),
    cadence: colour("--green", "#1a7f37"),
    elevation: colour("--muted", "#4d5661"),
  };
  function paceLabel(value) {
    var minutes = Math.floor(value);
    var seconds = Math.round((value - minutes) * 60);
    if (seconds === 60) {
      minutes += 1;
      seconds = 0;
    }
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }
  data.series.forEach(function (series, index) {
    var canvas = document.querySelector('canvas[data-series="' + index + '"]');
    if (!canvas) {
      return;
    }
    var points = data.x.map(function (x, i) {
      return { x: x, y: series.values[i] };
    });
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: series.label,
            data: points,
            borderColor: colours[series.key],
            borderWidth: 1.5,
            pointRadius: 0,
            spanGaps: false,
            fill: series.key === "elevation",
            backgroundColor: "rgba(77, 86, 97, 0.15)",
          },
        ],
      },
      options: {
        parsing: false,
        normalized: true,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                return series.key === "pace" ? paceLabel(item.parsed.y) : String(item.parsed.y);
              },
            },
          },
        },
        scales: {
          x: {
            type: "linear",
            min: data.x[0],
            max: data.x[data.x.length - 1],
            title: { display: true, text: data.x_label },
            ticks: { maxTicksLimit: 6 },
          },
          y: {
            reverse: !!series.reverse,
            ticks: {
              maxTicksLimit: 5,
              callback: function (value) {
                return series.key === "pace" ? paceLabel(value) : value;
              },
            },
          },
        },
      },
    });
  });
})();
