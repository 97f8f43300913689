// The charts of the Usage & Cost page, drawn with uPlot from the JSON the server embeds in
// #usage-data (integers: micro-USD and milliseconds). Colours come from the stylesheet, so the
// charts follow the theme; charts.js (loaded first) redraws them and resizes them with their card.
(function () {
  "use strict";

  var source = document.getElementById("usage-data");
  if (!source || !window.uPlot || !window.VoxCharts) return;
  var thousands = VoxCharts.thousands;
  var cssVar = VoxCharts.cssVar;
  var data = JSON.parse(source.textContent);
  var days = data.labels.length;
  var xs = data.labels.map(function (_, i) { return i; });

  // Micro-USD as dollars: cents, or four decimals under a cent (as the tables show them).
  function usd(micro) {
    var sign = micro < 0 ? "-" : "";
    var v = Math.abs(micro);
    if (v !== 0 && v < 10000) return sign + "$0." + String(Math.round(v / 100)).padStart(4, "0");
    var cents = Math.round(v / 10000);
    return sign + "$" + thousands(Math.floor(cents / 100)) + "." + String(cents % 100).padStart(2, "0");
  }

  // An axis tick in dollars: whole dollars when the step allows it.
  function usdTick(micro, step) {
    if (step >= 1000000) return "$" + thousands(Math.round(micro / 1000000));
    if (step >= 10000) return usd(micro);
    return "$" + (micro / 1000000).toFixed(4);
  }

  function minutes(ms) {
    var m = ms / 60000;
    return (m < 100 ? m.toFixed(1) : thousands(Math.round(m))) + " min";
  }

  function sum(values) {
    return values.reduce(function (a, b) { return a + b; }, 0);
  }

  var bars = uPlot.paths.bars({ size: [0.72, 48], gap: 1 });

  // The options every chart shares; `fmt` labels the y axis.
  function baseOptions(el, width, height, fmt, integral, onCursor) {
    var muted = cssVar(el, "--muted");
    var grid = cssVar(el, "--border");
    var font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    return {
      width: width,
      height: height,
      legend: { show: false },
      padding: [12, 8, 0, 0],
      cursor: {
        x: true, y: false, drag: { x: false, y: false },
        points: { show: false }
      },
      scales: {
        x: { time: false, range: function () { return [-0.5, days - 0.5]; } },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } }
      },
      axes: [
        {
          stroke: muted, font: font, grid: { show: false }, ticks: { show: false }, space: 44, size: 26, gap: 6,
          incrs: [1, 2, 3, 7, 14, 28, 56, 91, 182, 364],
          values: function (u, splits) {
            return splits.map(function (i) { return data.labels[i] || ""; });
          }
        },
        {
          stroke: muted, font: font, ticks: { show: false }, space: 36,
          grid: { stroke: grid, width: 1 },
          incrs: integral ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] : undefined,
          size: function (u, values) {
            var longest = (values || []).reduce(function (n, v) { return Math.max(n, String(v).length); }, 2);
            return Math.ceil(longest * 7.2) + 14;
          },
          values: function (u, splits) {
            var step = splits.length > 1 ? splits[1] - splits[0] : splits[0];
            return splits.map(function (v) { return fmt(v, step); });
          }
        }
      ],
      hooks: {
        setCursor: [function (u) { onCursor(u.cursor.idx); }]
      }
    };
  }

  // Each chart: how to build its series and what its legend says for a day (or all, idx null).
  var builders = {
    cost: function (el) {
      // Stacked bars: each series is drawn as the running total up to its component, top of
      // the stack first, so the lower components paint over the upper ones' bars.
      var comps = data.components;
      var running = [];
      var acc = xs.map(function () { return 0; });
      comps.forEach(function (c) {
        acc = acc.map(function (v, i) { return v + c.values[i]; });
        running.push(acc);
      });
      var series = [{}];
      var values = [xs];
      for (var k = comps.length - 1; k >= 0; k--) {
        var colour = cssVar(el, "--c-" + comps[k].key);
        series.push({ label: comps[k].label, fill: colour, stroke: colour, width: 0, paths: bars, points: { show: false } });
        values.push(running[k]);
      }
      return {
        series: series,
        values: values,
        fmt: usdTick,
        integral: false,
        rows: function (idx) {
          var rows = [{ head: true, label: idx == null ? "All days" : data.dates[idx] }];
          comps.forEach(function (c) {
            rows.push({ swatch: c.key, label: c.label, value: usd(idx == null ? sum(c.values) : c.values[idx]) });
          });
          rows.push({ label: "Total", value: usd(idx == null ? sum(data.cost) : data.cost[idx]) });
          return rows;
        }
      };
    },
    calls: function (el) {
      var colour = cssVar(el, "--c-calls");
      return {
        series: [{}, { label: "Calls", fill: colour, stroke: colour, width: 0, paths: bars, points: { show: false } }],
        values: [xs, data.calls],
        fmt: function (v) { return thousands(v); },
        integral: true,
        rows: function (idx) {
          return [
            { head: true, label: idx == null ? "All days" : data.dates[idx] },
            { swatch: "calls", label: "Calls", value: thousands(idx == null ? sum(data.calls) : data.calls[idx]) }
          ];
        }
      };
    },
    minutes: function (el) {
      var colour = cssVar(el, "--c-minutes");
      return {
        series: [{}, { label: "Minutes", fill: colour, stroke: colour, width: 0, paths: bars, points: { show: false } }],
        values: [xs, data.duration_ms.map(function (ms) { return ms / 60000; })],
        fmt: function (v) { return thousands(Math.round(v * 10) / 10); },
        integral: false,
        rows: function (idx) {
          return [
            { head: true, label: idx == null ? "All days" : data.dates[idx] },
            { swatch: "minutes", label: "Talk time", value: minutes(idx == null ? sum(data.duration_ms) : data.duration_ms[idx]) }
          ];
        }
      };
    }
  };

  VoxCharts.mount("data-chart", function (el, kind, onCursor) {
    var build = builders[kind];
    if (!build) return null;
    var spec = build(el);
    var options = baseOptions(el, el.clientWidth, el.clientHeight, spec.fmt, spec.integral, onCursor);
    options.series = spec.series;
    return { options: options, values: spec.values, rows: spec.rows };
  });
})();
