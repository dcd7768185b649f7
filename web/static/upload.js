// The material list follows the process: only the chosen process's materials stay visible.
(function () {
  "use strict";
  var process = document.getElementById("process"), material = document.getElementById("material");
  if (!process || !material) { return; }
  function filter() {
    var groups = material.querySelectorAll("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var on = groups[i].dataset.process === process.value;
      groups[i].hidden = !on;
      groups[i].disabled = !on;
    }
    var chosen = material.options[material.selectedIndex];
    if (chosen && chosen.dataset.process && chosen.dataset.process !== process.value) { material.value = ""; }
  }
  process.addEventListener("change", filter);
  // The process follows the file's type: an STL is printed, a drawing goes to a 2D machine.
  var file = document.querySelector("input[type=file]");
  if (file) {
    file.addEventListener("change", function () {
      var name = (file.files && file.files[0] && file.files[0].name || "").toLowerCase();
      var has = function (v) { return !!process.querySelector("option[value='" + v + "']"); };
      if (/\.stl$/.test(name) && has("fdm")) { process.value = "fdm"; }
      else if (/\.(svg|dxf)$/.test(name) && (process.value === "fdm" || process.value === "") && has("laser")) {
        process.value = "laser";
      }
      filter();
    });
  }
  filter();
})();
