/* Draw every chart of the page from its JSON (no inline script, so the CSP can forbid them). */
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("script.chart-data[type='application/json']").forEach(function (source) {
      var target = document.getElementById(source.dataset.target);
      if (!target || typeof Plotly === "undefined") { return; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(target, figure.data, figure.layout, {displayModeBar: false, responsive: true})
        .then(function () { target.classList.add("chart-drawn"); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
