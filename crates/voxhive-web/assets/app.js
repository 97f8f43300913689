// VoxHive's small page script: theme, menu, confirmations, copy buttons, keyboard shortcuts,
// and the CSRF header on htmx requests. Loaded in <head> so the theme applies before paint.
(function () {
  "use strict";
  var root = document.documentElement;
  var stored = null;
  try { stored = localStorage.getItem("vh-theme"); } catch (e) { /* storage disabled */ }
  if (stored === "light" || stored === "dark") root.dataset.theme = stored;

  function currentTheme() {
    if (root.dataset.theme) return root.dataset.theme;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function setMenu(open) {
    var sidebar = document.getElementById("sidebar");
    var toggle = document.querySelector(".menu-toggle");
    var scrim = document.querySelector("[data-close-menu]");
    if (!sidebar || !toggle) return;
    sidebar.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (scrim) scrim.hidden = !open;
    if (open) { var first = sidebar.querySelector("a"); if (first) first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest(".theme-toggle")) {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("vh-theme", next); } catch (e) { /* storage disabled */ }
    } else if (target.closest(".menu-toggle")) {
      setMenu(!document.getElementById("sidebar").classList.contains("open"));
    } else if (target.closest("[data-close-menu]")) {
      setMenu(false);
    } else if (target.closest("[data-copy]")) {
      var button = target.closest("[data-copy]");
      var field = document.querySelector(button.getAttribute("data-copy"));
      if (!field) return;
      field.select();
      var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      else { document.execCommand("copy"); done(); }
    }
  });

  // A select whose form hides its button (phone width) applies its choice at once.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-autosubmit]")) return;
    var button = select.form && select.form.querySelector("button[type=submit]");
    if (button && button.offsetParent === null) select.form.requestSubmit();
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { setMenu(false); return; }
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.key === "/" && tag !== "input" && tag !== "textarea" && tag !== "select" && !event.target.isContentEditable) {
      var search = document.querySelector("[data-search]");
      if (search) { event.preventDefault(); search.focus(); }
    }
  });

  // A running job (import, bulk push) shows its progress live, then the page shows its outcome.
  function followJob(card) {
    if (!window.EventSource) return;
    var source = new EventSource(card.getAttribute("data-job-events"));
    source.addEventListener("progress", function (event) {
      var job = JSON.parse(event.data);
      var bar = card.querySelector("progress");
      if (bar && job.total !== null) { bar.max = Math.max(job.total, 1); bar.value = job.progress; }
      card.querySelector(".job-summary").textContent = job.summary;
      if (job.finished) { source.close(); window.location.reload(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-events]").forEach(followJob);
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRF-Token"] = meta.content;
  });
})();
