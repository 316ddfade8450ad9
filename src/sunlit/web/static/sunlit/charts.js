/* Charts without their weight on a phone's first load. ECharts is about 300 KB even compressed,
   more than the whole of a phone page should be (issue 14: 300 KB on first load). A page that
   draws charts includes web/partials/charts.html instead of echarts itself, marks each chart
   box with data-chart, and draws inside a listener of the "sunlit:charts" event.

   On a wide screen ECharts is loaded at once. On a phone the chart boxes stay hidden behind one
   button (显示图表); a tap loads ECharts, shows the boxes and draws. The figures the charts show
   are also in the page's tables, so nothing is lost without them. */
(function () {
  "use strict";
  var me = document.currentScript;
  var started = false;

  function draw() {
    document.querySelectorAll("[data-charts-toggle]").forEach(function (b) { b.remove(); });
    document.querySelectorAll("[data-chart]").forEach(function (box) { box.hidden = false; });
    document.dispatchEvent(new Event("sunlit:charts"));
  }

  function load() {
    if (started) { return; }
    started = true;
    if (window.echarts) { draw(); return; }
    var script = document.createElement("script");
    script.src = me.dataset.echarts;
    script.onload = draw;
    document.head.appendChild(script);
  }

  var boxes = document.querySelectorAll("[data-chart]");
  if (!boxes.length) { return; }
  if (window.matchMedia("(min-width: 768px)").matches) { load(); return; }
  boxes.forEach(function (box) { box.hidden = true; });
  var button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-outline-primary w-100 mb-2";
  button.dataset.chartsToggle = "";
  button.dataset.testid = "show-charts";
  button.textContent = me.dataset.label;
  button.addEventListener("click", load);
  boxes[0].parentNode.insertBefore(button, boxes[0]);
})();
