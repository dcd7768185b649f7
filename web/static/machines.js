// The machines page stays current: progress bars of visible jobs move, and the page reloads
// when a machine changes state or job (polling the JSON API with the session cookie).
(function () {
  "use strict";
  var cards = document.querySelectorAll("section.machine[data-machine]");
  if (!cards.length) { return; }
  var shown = {};
  cards.forEach(function (c) { shown[c.dataset.machine] = c.dataset.state + "/" + (c.dataset.job || ""); });

  function get(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  function tick() {
    get(document.body.dataset.machinesApi || "/api/v1/machines").then(function (data) {
      if (!data) { return; }
      var changed = data.machines.some(function (m) {
        return m.id in shown && shown[m.id] !== m.state + "/" + (m.current_job || "");
      });
      if (changed) { window.location.reload(); return; }
      document.querySelectorAll("section.machine .progress[data-job]").forEach(function (el) {
        get("/api/v1/jobs/" + el.dataset.job).then(function (job) {
          if (!job || !job.progress) { return; }
          var pct = Math.max(0, Math.min(100, Number(job.progress.percent) || 0));
          var bar = el.querySelector(".bar");
          bar.style.width = pct + "%";
          bar.setAttribute("aria-valuenow", String(pct));
          var label = el.parentNode.querySelector(".pct");
          if (label) { label.textContent = pct.toLocaleString(document.documentElement.lang, {maximumFractionDigits: 1}) + " %"; }
        }).catch(function () {});
      });
    }).catch(function () {}).then(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 3000);
})();
