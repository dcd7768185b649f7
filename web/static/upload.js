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
  filter();
})();
