// A test call's live view: status, transcript, duration and cost from VoxHive's server-sent
// events; controls sent with the page's CSRF token; and, for a browser call, the microphone
// streamed to the provider's WebSocket as 16 kHz 16-bit PCM with the assistant's audio played.
(function () {
  "use strict";
  var root = document.querySelector("[data-test-call]");
  if (!root) return;
  var RATE = 16000;
  var statusEl = document.querySelector("[data-call-status]");
  var transcript = root.querySelector("[data-transcript]");
  var empty = root.querySelector("[data-transcript-empty]");
  var events = root.querySelector("[data-events]");
  var shown = 0;
  var lastStatus = null;
  var audio = null;

  function time() { return new Date().toLocaleTimeString(); }
  function log(text, kind) {
    var li = document.createElement("li");
    if (kind) li.className = "event-" + kind;
    var at = document.createElement("time");
    at.textContent = time();
    li.appendChild(at);
    li.appendChild(document.createTextNode(" " + text));
    events.insertBefore(li, events.firstChild);
  }
  function clock(ms) {
    var s = Math.floor(ms / 1000);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }
  function badge(status) {
    if (status === "ended") return "badge-deleted";
    if (status === "failed") return "badge-error";
    return status === "in-progress" ? "badge-synced" : "badge-syncing";
  }

  function render(update) {
    if (update.status !== lastStatus) {
      statusEl.textContent = update.status_label;
      statusEl.className = "badge " + badge(update.status);
      log("Status: " + update.status_label + (update.ended_reason ? " (" + update.ended_reason + ")" : ""), "status");
      lastStatus = update.status;
    }
    root.querySelector("[data-call-duration]").textContent = clock(update.duration_ms);
    root.querySelector("[data-call-cost]").textContent = update.cost;
    for (; shown < update.turns.length; shown++) {
      var turn = update.turns[shown];
      if (turn.role !== "assistant" && turn.role !== "user") continue;
      var li = document.createElement("li");
      li.className = "turn turn-" + turn.role;
      var who = document.createElement("span");
      who.className = "turn-who";
      who.textContent = turn.role === "assistant" ? "Assistant" : "Caller";
      var text = document.createElement("span");
      text.className = "turn-text";
      text.textContent = turn.text;
      li.appendChild(who);
      li.appendChild(text);
      transcript.appendChild(li);
      log((turn.role === "assistant" ? "Assistant said: " : "Caller said: ") + turn.text, "transcript");
    }
    empty.hidden = transcript.children.length > 0;
    if (update.finished) {
      var ended = root.querySelector("[data-ended]");
      ended.hidden = false;
      if (update.call_page) root.querySelector("[data-call-link]").setAttribute("href", update.call_page);
      root.querySelectorAll("[data-controls] button, [data-controls] input").forEach(function (el) { el.disabled = true; });
      if (audio) audio.stop();
    }
  }

  var source = new EventSource(root.getAttribute("data-events-url"));
  source.addEventListener("update", function (event) {
    var update = JSON.parse(event.data);
    render(update);
    if (update.finished) source.close();
  });
  source.addEventListener("problem", function (event) { log(event.data, "problem"); });
  source.addEventListener("gone", function (event) {
    log(event.data + " The live view has stopped; reload to try again.", "problem");
    source.close();
  });
  source.onerror = function () {
    if (source.readyState === EventSource.CONNECTING) log("Lost the live view; reconnecting…", "problem");
  };

  // Controls: sent in the background; the answer goes to the events.
  root.querySelectorAll("[data-control]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new URLSearchParams(new FormData(form));
      fetch(form.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": root.getAttribute("data-csrf"), Accept: "application/json" },
        body: data
      })
        .then(function (res) { return res.json(); })
        .then(function (answer) {
          log(answer.message, answer.ok ? "control" : "problem");
          var action = form.querySelector("[data-mute-action]");
          if (answer.ok && action) {
            var muting = action.value === "mute";
            action.value = muting ? "unmute" : "mute";
            form.querySelector("[data-mute-button]").textContent = muting ? "Unmute the assistant" : "Mute the assistant";
          }
          if (answer.ok && data.get("action") === "say") form.reset();
        })
        .catch(function () { log("The control did not reach VoxHive; try again.", "problem"); });
    });
  });

  // Browser call: microphone up, assistant's voice down, over the provider's WebSocket.
  var socketUrl = root.getAttribute("data-websocket-url");
  if (!socketUrl) return;
  var micState = root.querySelector("[data-mic-state]");
  var startButton = root.querySelector("[data-audio-start]");
  var Context = window.AudioContext || window.webkitAudioContext;
  var context = new Context();
  var playAt = 0;
  var socket = new WebSocket(socketUrl);
  socket.binaryType = "arraybuffer";
  var stream = null;

  function play(buffer) {
    var pcm = new Int16Array(buffer);
    if (!pcm.length) return;
    var clip = context.createBuffer(1, pcm.length, RATE);
    var channel = clip.getChannelData(0);
    for (var i = 0; i < pcm.length; i++) channel[i] = pcm[i] / 32768;
    var node = context.createBufferSource();
    node.buffer = clip;
    node.connect(context.destination);
    playAt = Math.max(playAt, context.currentTime);
    node.start(playAt);
    playAt += clip.duration;
  }

  // Float samples at the context's rate to 16 kHz 16-bit little-endian PCM.
  function downsample(input) {
    var ratio = context.sampleRate / RATE;
    var out = new Int16Array(Math.floor(input.length / ratio));
    for (var i = 0; i < out.length; i++) {
      var s = Math.max(-1, Math.min(1, input[Math.floor(i * ratio)]));
      out[i] = s < 0 ? s * 32768 : s * 32767;
    }
    return out.buffer;
  }

  socket.addEventListener("open", function () { log("Connected to the assistant.", "status"); });
  socket.addEventListener("message", function (event) {
    if (typeof event.data !== "string") { play(event.data); return; }
    try {
      var message = JSON.parse(event.data);
      if (message.type === "speech-update") log("Assistant " + (message.status === "started" ? "started" : "stopped") + " speaking", "speech");
    } catch (e) { /* not JSON: ignored */ }
  });
  socket.addEventListener("close", function () { micState.textContent = "Off (the call's audio has closed)"; stopMic(); });
  socket.addEventListener("error", function () { log("The call's audio connection failed.", "problem"); });

  function stopMic() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
  }
  audio = { stop: function () { stopMic(); if (socket.readyState <= 1) socket.close(); } };

  function startMic() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      micState.textContent = "This browser offers no microphone here (it needs HTTPS or localhost).";
      return;
    }
    navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true } }).then(function (s) {
      stream = s;
      var input = context.createMediaStreamSource(s);
      var processor = context.createScriptProcessor(2048, 1, 1);
      var silent = context.createGain();
      silent.gain.value = 0;
      processor.onaudioprocess = function (event) {
        if (socket.readyState === 1) socket.send(downsample(event.inputBuffer.getChannelData(0)));
      };
      input.connect(processor);
      processor.connect(silent);
      silent.connect(context.destination);
      micState.textContent = "On";
    }).catch(function (error) {
      micState.textContent = "Blocked: allow the microphone for this site and start again (" + error.name + ")";
      log("The microphone was not available: " + error.name, "problem");
    });
  }

  function ready() {
    startButton.hidden = true;
    startMic();
  }
  if (context.state === "suspended") {
    micState.textContent = "Waiting: press Start audio";
    startButton.hidden = false;
    startButton.addEventListener("click", function () { context.resume().then(ready); });
  } else {
    ready();
  }
})();
