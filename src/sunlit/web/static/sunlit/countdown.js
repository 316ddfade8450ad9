/* Ticks every [data-due] element once a second: time left, red once overdue (the staff queue and
   the technician's tasks). The labels come from the data attributes of this script's tag. */
(function () {
  "use strict";
  var labels = document.currentScript.dataset;
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function format(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400);
    var h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    return (d ? d + labels.day + " " : "") + h + ":" + pad(m) + ":" + pad(s % 60);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      if (el.dataset.paused) { el.textContent = labels.paused; return; }
      var left = Date.parse(el.dataset.due) - now;
      el.textContent = (left < 0 ? labels.over + " " : labels.left + " ") + format(left);
      el.classList.toggle("text-danger", left < 0);
      el.classList.toggle("fw-bold", left < 0);
      el.classList.toggle("text-warning", left >= 0 && left < 3600000);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
