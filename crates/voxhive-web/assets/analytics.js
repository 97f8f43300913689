// The Analytics page: three uPlot line charts drawn from the JSON the server embeds in
// #analytics-data (success rate and average duration per day, the peak of simultaneous calls
// per hour). Colours come from the stylesheet, so the charts follow the theme; charts.js
// (loaded first, with the connection filter) redraws them and resizes them with their card.
(function () {
  "use strict";

  var source = document.getElementById("analytics-data");
  if (!source || !window.uPlot || !window.VoxCharts) return;
  var count = VoxCharts.thousands;
  var colour = VoxCharts.cssVar;
  var data = JSON.parse(source.textContent);
  var FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  // Milliseconds as "45s", "2m 05s" or "1h 02m", as the tables show them.
  function length(ms) {
    var s = Math.round(ms / 1000);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
    return Math.floor(s / 3600) + "h " + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "m";
  }

  var days = data.days;
  var hours = data.hours;
  var dayIndex = days.labels.map(function (_, i) { return i; });
  var hourIndex = hours.peaks.map(function (_, i) { return i; });

  // Each chart: its x labels, y series, y axis words, and the caption of a point (idx) or none.
  var specs = {
    success: {
      x: dayIndex,
      y: days.success_permille.map(function (p) { return p == null ? null : p / 10; }),
      colour: "--accent",
      range: function () { return [0, 100]; },
      tick: function (v) { return v + "%"; },
      incrs: [10, 20, 25, 50],
      axis: function (i) { return days.labels[i] || ""; },
      caption: function (idx) {
        if (idx == null) return ["Hover a day", [["Days with evaluated calls", count(days.success_permille.filter(function (p) { return p != null; }).length)]]];
        var p = days.success_permille[idx];
        return [days.dates[idx], [["Success", p == null ? "no call evaluated" : (p / 10).toFixed(1) + "%"], ["Evaluated", count(days.evaluated[idx])]]];
      }
    },
    duration: {
      x: dayIndex,
      y: days.avg_duration_ms.map(function (ms) { return ms == null ? null : ms / 1000; }),
      colour: "--c-minutes",
      range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 60]; },
      tick: function (v) { return length(v * 1000); },
      incrs: [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
      axis: function (i) { return days.labels[i] || ""; },
      caption: function (idx) {
        if (idx == null) return ["Hover a day", [["Calls", count(days.calls.reduce(function (a, b) { return a + b; }, 0))]]];
        var ms = days.avg_duration_ms[idx];
        return [days.dates[idx], [["Average", ms == null ? "no calls" : length(ms)], ["Calls", count(days.calls[idx])]]];
      }
    },
    concurrency: {
      x: hourIndex,
      y: hours.peaks,
      colour: "--c-calls",
      stepped: true,
      range: function (u, min, max) { return [0, Math.max(1, max) * 1.15]; },
      tick: function (v) { return count(v); },
      incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      xIncrs: [1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 672, 1344],
      axis: function (i, step) {
        var label = hours.labels[i];
        if (!label) return "";
        return step < 24 ? label.slice(-5) : hours.days[i];
      },
      caption: function (idx) {
        if (idx == null) return ["Hover an hour", [["Highest", count(Math.max.apply(null, hours.peaks.concat([0])))]]];
        return [hours.labels[idx], [["At most at once", count(hours.peaks[idx])]]];
      }
    }
  };

  function options(el, spec, onCursor) {
    var muted = colour(el, "--muted");
    var line = colour(el, spec.colour);
    var n = spec.x.length;
    return {
      width: el.clientWidth,
      height: el.clientHeight,
      legend: { show: false },
      padding: [12, 12, 0, 0],
      cursor: { x: true, y: false, drag: { x: false, y: false }, points: { size: 7, fill: line } },
      scales: {
        x: { time: false, range: function () { return [n > 1 ? 0 : -0.5, n > 1 ? n - 1 : 0.5]; } },
        y: { range: spec.range }
      },
      series: [
        {},
        {
          stroke: line,
          width: 2,
          fill: spec.stepped ? line + "33" : undefined,
          paths: spec.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
          spanGaps: false,
          points: { show: n <= 45, size: 5, fill: line }
        }
      ],
      axes: [
        {
          stroke: muted, font: FONT, grid: { show: false }, ticks: { show: false }, space: 56, size: 30,
          incrs: spec.xIncrs || [1, 2, 3, 7, 14, 28, 56, 91, 182, 364],
          values: function (u, splits) {
            var step = splits.length > 1 ? splits[1] - splits[0] : 24;
            return splits.map(function (i) { return spec.axis(i, step); });
          }
        },
        {
          stroke: muted, font: FONT, ticks: { show: false }, space: 32,
          grid: { stroke: colour(el, "--border"), width: 1 },
          incrs: spec.incrs,
          size: 58,
          values: function (u, splits) { return splits.map(spec.tick); }
        }
      ],
      hooks: { setCursor: [function (u) { onCursor(u.cursor.idx); }] }
    };
  }

  VoxCharts.mount("data-analytics-chart", function (el, kind, onCursor) {
    var spec = specs[kind];
    if (!spec) return null;
    return {
      options: options(el, spec, onCursor),
      values: [spec.x, spec.y],
      // The caption of a point: its head and (label, value) pairs.
      rows: function (idx) {
        var c = spec.caption(idx);
        return [{ head: true, label: c[0] }].concat(c[1].map(function (pair) {
          return { label: pair[0], value: pair[1] };
        }));
      }
    };
  });
})();
