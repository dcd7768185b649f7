// The job page's live part: progress from Server-Sent Events, polling as a fallback, and a
// reload when the job changes state (new analysis results, history, controls).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var shownState = box.dataset.state;
  var FINISHED = ["invalid", "rejected", "completed", "failed", "interrupted", "cancelled"];
  var source = null, pollTimer = null, reloading = false;

  function text(id, value) {
    var el = document.getElementById(id);
    if (el && value !== undefined && value !== null) { el.textContent = value; }
  }

  function duration(s) {
    if (typeof s !== "number" || !isFinite(s) || s < 0) { return "—"; }
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (h) { return h + " h " + two(m) + " min"; }
    if (m) { return m + " min " + two(sec) + " s"; }
    return sec + " s";
  }

  // With as many lines acknowledged or more, the bar never goes back: the live events give the
  // time model's share of the run, the page's first render (before any event) the share of lines.
  var firstBar = box.querySelector(".progress .bar"), firstLines = document.getElementById("lines-acked");
  var lastPct = firstBar ? Number(firstBar.getAttribute("aria-valuenow")) || 0 : 0;
  var lastLines = firstLines ? parseInt(firstLines.textContent, 10) || 0 : 0;
  var lastState = shownState;

  function showProgress(p) {
    if (!p) { return; }
    var pct = Math.max(0, Math.min(100, Number(p.percent) || 0));
    var lines = Number(p.lines_acked) || 0;
    if (p.state === lastState && lines >= lastLines && pct < lastPct) { pct = lastPct; }
    lastPct = pct; lastLines = lines; lastState = p.state;
    var bar = box.querySelector(".progress .bar");
    var progressBox = document.getElementById("progress-box");
    var moving = ["ready", "running", "paused", "completed", "failed", "interrupted", "cancelled"].indexOf(p.state) >= 0;
    if (progressBox && (moving || p.lines_total)) { progressBox.hidden = false; }
    if (bar) {
      bar.style.width = pct + "%";
      bar.setAttribute("aria-valuenow", String(pct));
    }
    var lang = document.documentElement.lang || "fr";
    text("lines-acked", p.lines_acked);
    text("lines-total", p.lines_total);
    var pctEl = box.querySelector(".pct");
    if (pctEl) { pctEl.textContent = pct.toLocaleString(lang, {maximumFractionDigits: 1}) + " %"; }
    if (p.eta_seconds !== undefined) { text("eta", duration(p.eta_seconds)); }
  }

  function stateChanged(state) {
    if (!state || state === shownState || reloading) { return; }
    reloading = true;  // the page shows what the new state brings (results, history, controls)
    if (source) { source.close(); }
    if (pollTimer) { clearTimeout(pollTimer); }
    window.setTimeout(function () { window.location.reload(); }, 300);
  }

  function poll(every) {
    fetch(box.dataset.apiUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        showProgress(job.progress);
        stateChanged(job.state);
      })
      .catch(function () {})
      .then(function () {
        if (!reloading && FINISHED.indexOf(shownState) < 0) {
          pollTimer = setTimeout(function () { poll(every); }, every || 2000);
        }
      });
  }

  function listen() {
    if (!window.EventSource) { poll(); return; }
    source = new EventSource(box.dataset.eventsUrl);
    // A slow poll beside the stream: an event published between the page's load and the
    // stream's subscription (the job's last one, say) is not lost for good.
    pollTimer = setTimeout(function () { poll(5000); }, 5000);
    source.onmessage = function (ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      showProgress(data);
      stateChanged(data.state);
    };
    source.onerror = function () {
      // The stream ended or broke: polling takes over (it also notices the final state).
      source.close();
      source = null;
      if (pollTimer) { clearTimeout(pollTimer); }
      if (!reloading) { pollTimer = setTimeout(poll, 1000); }
    };
  }

  if (box.dataset.live === "1") {
    if (shownState === "running" || shownState === "paused") { listen(); } else { poll(); }
  }

  var img = document.querySelector("#analysis img");
  if (img) {
    img.addEventListener("error", function () {
      var figure = document.getElementById("analysis-preview");
      if (figure) { figure.replaceWith(document.createTextNode(img.dataset.none || "")); }
    });
  }
  var layer = document.getElementById("layer"), preview = document.getElementById("program-preview");
  if (layer && preview) {
    layer.addEventListener("change", function () {
      text("layer-out", layer.value);
      preview.src = layer.form.action + "?layer=" + encodeURIComponent(layer.value);
    });
  }
})();
