// Knowledge Base: follows files the provider is still parsing, and uploads dropped or chosen
// files one by one after checking each against the chosen provider's types and size limit.
(function () {
  "use strict";

  function pollStatus(el) {
    var url = el.getAttribute("data-poll-status");
    var tries = 0;
    function tick() {
      tries += 1;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (body) {
          if (body) {
            el.textContent = body.label;
            el.className = "badge badge-file-" + body.status;
            if (body.status !== "processing") { el.removeAttribute("data-poll-status"); return; }
          }
          if (tries < 400) window.setTimeout(tick, 1500);
        })
        .catch(function () { if (tries < 400) window.setTimeout(tick, 3000); });
    }
    window.setTimeout(tick, 1000);
  }
  document.querySelectorAll("[data-poll-status]").forEach(pollStatus);

  var form = document.querySelector("[data-uploader]");
  if (!form) return;
  var select = form.querySelector("[data-upload-connection]");
  var input = form.querySelector("[data-upload-input]");
  var zone = form.querySelector("[data-dropzone]");
  var list = form.querySelector("[data-upload-list]");
  var done = form.querySelector("[data-upload-done]");
  var limits = form.querySelector("[data-upload-limits]");

  function chosen() { return select.options[select.selectedIndex]; }
  select.addEventListener("change", function () { limits.textContent = chosen().getAttribute("data-limits"); });

  function size(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  // Why the chosen provider would refuse the file, or null.
  function refusal(file, option) {
    var types = option.getAttribute("data-types");
    var max = Number(option.getAttribute("data-max-bytes"));
    var dot = file.name.lastIndexOf(".");
    var ext = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : "";
    if (file.size === 0) return "The file is empty.";
    if (types && types.split(",").indexOf(ext) < 0) {
      return (ext ? "." + ext + " is not a type" : "A file without an extension is not a type") + " this provider takes. " + option.getAttribute("data-limits");
    }
    if (file.size > max) return "It is " + size(file.size) + ". " + option.getAttribute("data-limits");
    return null;
  }

  function item(file) {
    var li = document.createElement("li");
    li.className = "upload-item";
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name + " · " + size(file.size);
    var state = document.createElement("span");
    state.className = "upload-state";
    li.appendChild(name);
    li.appendChild(state);
    list.appendChild(li);
    return { li: li, state: state };
  }

  function mark(row, kind, text) {
    row.li.className = "upload-item upload-" + kind;
    row.state.textContent = text;
  }

  function send(file, connectionId, row) {
    mark(row, "sending", "Uploading…");
    var body = new FormData();
    body.append("connection_id", connectionId);
    body.append("file", file, file.name);
    return fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": form.getAttribute("data-csrf"), Accept: "application/json" },
      body: body
    })
      .then(function (res) {
        if (res.status === 413) return { ok: false, message: "The file is larger than this server accepts." };
        return res.json().catch(function () { return { ok: false, message: "The server answered " + res.status + "." }; });
      })
      .then(function (answer) {
        mark(row, answer.ok ? "ok" : "error", answer.ok ? answer.message + " " + (answer.status || "") : answer.message);
        return answer.ok;
      })
      .catch(function () { mark(row, "error", "The upload did not reach VoxHive; try again."); return false; });
  }

  function take(files) {
    var option = chosen();
    var connectionId = select.value;
    var queue = [];
    var refused = 0;
    Array.prototype.forEach.call(files, function (file) {
      var row = item(file);
      var why = refusal(file, option);
      if (why) { mark(row, "error", "Not sent: " + why); refused += 1; }
      else { mark(row, "waiting", "Waiting…"); queue.push([file, row]); }
    });
    var failed = refused;
    var sent = 0;
    function next() {
      var job = queue.shift();
      if (!job) {
        done.hidden = sent === 0;
        if (sent > 0 && failed === 0) window.setTimeout(function () { window.location.reload(); }, 600);
        return;
      }
      send(job[0], connectionId, job[1]).then(function (ok) {
        if (ok) sent += 1; else failed += 1;
        next();
      });
    }
    next();
  }

  input.addEventListener("change", function () { take(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("dropzone-over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("dropzone-over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) take(event.dataTransfer.files);
  });
})();
