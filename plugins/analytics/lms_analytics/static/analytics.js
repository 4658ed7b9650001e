// Draws every chart of an analytics page from its canvas's data-chart attribute (the
// same data as the table next to it), and saves a chart as PNG. No inline script.
(function () {
  "use strict";
  var COLOURS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4b5563"];

  function draw(canvas) {
    var data;
    try { data = JSON.parse(canvas.getAttribute("data-chart")); } catch (e) { return; }
    if (!window.Chart || !data.rows.length) { return; }
    var stacked = data.kind === "stacked";
    var datasets = data.columns.slice(1).map(function (name, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: name,
        data: data.rows.map(function (row) { return row[i + 1]; }),
        backgroundColor: colour,
        borderColor: colour,
        tension: 0.2,
        pointRadius: data.rows.length > 60 ? 0 : 2
      };
    });
    canvas.chart = new window.Chart(canvas, {
      type: data.kind === "line" ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        scales: { x: { stacked: stacked, ticks: { autoSkip: true, maxRotation: 0 } },
                  y: { stacked: stacked, beginAtZero: true } }
      },
      plugins: [{
        id: "whiteBackground",  // so the PNG is not transparent
        beforeDraw: function (chart) {
          var ctx = chart.ctx;
          ctx.save();
          ctx.fillStyle = "#fff";
          ctx.fillRect(0, 0, chart.width, chart.height);
          ctx.restore();
        }
      }]
    });
  }

  function savePng(button) {
    var section = button.closest(".analytics-chart");
    var canvas = section && section.querySelector("canvas");
    if (!canvas) { return; }
    var link = document.createElement("a");
    link.href = canvas.toDataURL("image/png");
    link.download = button.getAttribute("data-png") + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
    document.querySelectorAll("[data-png]").forEach(function (button) {
      button.addEventListener("click", function () { savePng(button); });
    });
  });
})();
