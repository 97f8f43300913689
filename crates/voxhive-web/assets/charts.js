// What the chart pages (Usage & Cost, Analytics) share, loaded before each page's own script:
// the connection filter that moves to its choice, counts with separators, theme colours, the
// hover legend under a chart, and VoxCharts.mount, which draws a page's uPlot charts, redraws
// them when the theme changes and resizes them with their card.
(function () {
  "use strict";

  // The connection filter moves to its choice at once (the Apply button also works without JS).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-navigate]")) return;
    var option = select.options[select.selectedIndex];
    if (option && option.getAttribute("data-href")) window.location.assign(option.getAttribute("data-href"));
  });

  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function cssVar(el, name) {
    return getComputedStyle(el).getPropertyValue(name).trim();
  }

  // The legend under a chart: what the cursor is on (a head row), then labelled bold values,
  // each perhaps after a colour swatch.
  function legend(el, rows) {
    el.textContent = "";
    rows.forEach(function (row) {
      var item = document.createElement("span");
      item.className = row.head ? "legend-day" : "legend-item";
      if (row.swatch) {
        var swatch = document.createElement("span");
        swatch.className = "swatch swatch-" + row.swatch;
        swatch.setAttribute("aria-hidden", "true");
        item.appendChild(swatch);
      }
      item.appendChild(document.createTextNode(row.label + (row.value === undefined ? "" : " ")));
      if (row.value !== undefined) {
        var value = document.createElement("b");
        value.textContent = row.value;
        item.appendChild(value);
      }
      el.appendChild(item);
    });
  }

  // Draws every element carrying the attribute `attr` as the chart its value names, with the
  // legend of the element whose data-legend has the same value. `chart(el, kind, onCursor)`
  // gives { options, values, rows(idx) } (null for an unknown kind); the options call
  // onCursor(idx) as the cursor moves, and rows(null) describes the whole chart.
  function mount(attr, chart) {
    var charts = [];
    var elements = document.querySelectorAll("[" + attr + "]");

    function draw() {
      charts.forEach(function (c) { c.plot.destroy(); });
      charts = [];
      elements.forEach(function (el) {
        var kind = el.getAttribute(attr);
        var legendEl = document.querySelector('[data-legend="' + kind + '"]');
        var spec;
        var show = function (idx) { legend(legendEl, spec.rows(idx)); };
        spec = legendEl && chart(el, kind, show);
        if (!spec) return;
        var plot = new uPlot(spec.options, spec.values, el);
        show(null);
        charts.push({ el: el, plot: plot });
      });
    }

    function resize() {
      charts.forEach(function (c) {
        if (c.el.clientWidth > 0 && c.el.clientWidth !== c.plot.width) {
          c.plot.setSize({ width: c.el.clientWidth, height: c.el.clientHeight });
        }
      });
    }

    draw();
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(function () { window.requestAnimationFrame(resize); });
      charts.forEach(function (c) { observer.observe(c.el); });
    } else {
      window.addEventListener("resize", resize);
    }
    // The theme toggle sets data-theme on <html>; the system setting can change too.
    new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", draw);
  }

  window.VoxCharts = { thousands: thousands, cssVar: cssVar, mount: mount };
})();
