/* Draw each chart of the page from its JSON when it comes into view, one at a time (no inline script, so the
   CSP can forbid them). Plotly.js itself (about 1 MB) is fetched only when the first chart comes into view:
   a phone that never scrolls to a chart never downloads nor runs it, and the table under each chart gives the
   same figures meanwhile. Between two charts the browser gets a turn, so the page keeps answering. */
(function () {
  "use strict";
  var plotlyUrl = document.currentScript && document.currentScript.dataset.plotly;
  var queue = [];
  var busy = false;
  var loading = null;

  function loadPlotly() {
    if (typeof Plotly !== "undefined") { return Promise.resolve(); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = plotlyUrl;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function drawOne(source) {
    var target = document.getElementById(source.dataset.target);
    if (!target) { return Promise.resolve(); }
    var figure = JSON.parse(source.textContent);
    var base = figure.layout.height || 320;
    var entries = figure.data.filter(function (trace) { return trace.showlegend !== false; }).length;
    figure.layout.height = heightFor(target, base, entries);
    if (target.clientWidth < 600 && figure.layout.legend) { figure.layout.legend.font = {size: 11}; }
    return Plotly.newPlot(target, figure.data, figure.layout, {displayModeBar: false, responsive: true})
      .then(function () { target.classList.add("chart-drawn"); });
  }

  /* On a phone each legend entry takes a line of its own: the chart grows so that the plot keeps its size
     (the width when the chart is drawn decides: a phone's). */
  function heightFor(target, base, entries) {
    return target.clientWidth < 600 && entries > 3 ? base + 22 * entries : base;
  }

  function drawNext() {
    if (busy || !queue.length) { return; }
    busy = true;
    var source = queue.shift();
    loadPlotly()
      .then(function () { return drawOne(source); })
      .catch(function () { loading = null; })  /* offline: the table stays; a later chart tries again */
      .then(function () {
        busy = false;
        setTimeout(drawNext, 0);  /* one chart per task */
      });
  }

  function start() {
    var sources = Array.prototype.slice.call(document.querySelectorAll("script.chart-data[type='application/json']"));
    if (!("IntersectionObserver" in window)) {
      queue = sources;
      drawNext();
      return;
    }
    var byTarget = {};
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          queue.push(byTarget[entry.target.id]);
        }
      });
      drawNext();
    }, {rootMargin: "50px 0px"});
    sources.forEach(function (source) {
      var target = document.getElementById(source.dataset.target);
      if (target) {
        byTarget[target.id] = source;
        observer.observe(target);
      }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
