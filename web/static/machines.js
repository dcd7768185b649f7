// The machines page follows the machines without a reload. Every two seconds it reads the JSON
// API (with the session cookie): temperatures and position change in place, progress bars move;
// a card whose machine changed state, job, attention or error is replaced by its fresh rendering
// (fetched from this page), so the rest of the page stays as it is: a reason being typed on
// another card is kept, and a card is not replaced while someone types in it.
(function () {
  "use strict";
  if (!document.querySelector("section.machine[data-machine]")) { return; }
  var lang = document.documentElement.lang || "fr";
  var seen = {};

  function get(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  function num(v, digits) {
    return Number(v).toLocaleString(lang, {minimumFractionDigits: digits, maximumFractionDigits: digits});
  }

  function signature(m) {
    return [m.state, m.current_job || "", m.job_state || "", m.attention ? m.attention.code : "", m.last_error ? m.last_error.at : "",
            m.in_service, m.link_error ? m.link_error.code : ""].join("/");
  }

  function showTemperatures(card, t) {
    var el = card.querySelector(".temperatures.live");
    if (!el) { return; }
    var parts = [];
    if (t && t.hotend !== undefined) {
      parts.push(el.dataset.hotend.replace("{a}", num(t.hotend, 0)).replace("{t}", num(t.hotend_target || 0, 0)));
    }
    if (t && t.bed !== undefined) {
      parts.push(el.dataset.bed.replace("{a}", num(t.bed, 0)).replace("{t}", num(t.bed_target || 0, 0)));
    }
    el.hidden = !parts.length;
    el.querySelector("small").textContent = parts.join(" · ");
  }

  function showPosition(card, p) {
    var el = card.querySelector(".position.live");
    if (!el) { return; }
    var axes = p ? Object.keys(p).filter(function (a) { return a.toUpperCase() !== "E"; }).sort() : [];
    el.hidden = !axes.length;
    el.querySelector("small").textContent = axes.length ? el.dataset.label + " " + axes.map(function (a) {
      return a.toUpperCase() + " " + num(p[a], 1);
    }).join(" · ") + " mm" : "";
  }

  function typingIn(card) {
    var el = document.activeElement;
    return el && card.contains(el) && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.value;
  }

  function replaceCards(ids) {
    return fetch(window.location.pathname, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) { ids.forEach(function (id) { delete seen[id]; }); return; }
      var doc = new DOMParser().parseFromString(html, "text/html");
      ids.forEach(function (id) {
        var old = document.getElementById("machine-" + id);
        var fresh = doc.getElementById("machine-" + id);
        if (!old || !fresh) { return; }
        if (typingIn(old)) { delete seen[id]; return; }  // next round
        old.replaceWith(document.importNode(fresh, true));
      });
    });
  }

  function moveBars() {
    document.querySelectorAll("section.machine .progress[data-job]").forEach(function (el) {
      get("/api/v1/jobs/" + el.dataset.job).then(function (job) {
        if (!job || !job.progress) { return; }
        var pct = Math.max(0, Math.min(100, Number(job.progress.percent) || 0));
        var bar = el.querySelector(".bar");
        bar.style.width = pct + "%";
        bar.setAttribute("aria-valuenow", String(pct));
        var label = el.parentNode.querySelector(".pct");
        if (label) { label.textContent = num(pct, 1) + " %"; }
      }).catch(function () {});
    });
  }

  function tick() {
    get(document.body.dataset.machinesApi || "/api/v1/machines").then(function (data) {
      if (!data) { return null; }
      var changed = [];
      data.machines.forEach(function (m) {
        var card = document.getElementById("machine-" + m.id);
        if (!card) { return; }
        var sig = signature(m);
        var first = !(m.id in seen);
        if ((first && (card.dataset.state !== m.state || (card.dataset.job || "") !== String(m.current_job || "")))
            || (!first && seen[m.id] !== sig)) {
          changed.push(m.id);
        }
        seen[m.id] = sig;
        showTemperatures(card, m.temperatures);
        showPosition(card, m.position);
      });
      moveBars();
      return changed.length ? replaceCards(changed) : null;
    }).catch(function () {}).then(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 2000);
})();
