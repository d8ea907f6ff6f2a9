/* Auditor reports: the two charts of the report page (data from the json_script block
   "report-charts", labels from #report-chart-labels) and the dossier's print button.
   CSP allows no inline script, so everything is wired here. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-fc-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  var source = document.getElementById("report-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = document.getElementById("report-chart-labels").dataset;
  // Money in the page's language: "1 000 000 ₽" on a Russian page (as the tables write it),
  // "RUB 1,000,000" on an English one. Axes in whole roubles, tooltips to the kopeck like the tables.
  var locale = document.documentElement.lang || "ru";
  var wholeRoubles = new Intl.NumberFormat(locale, {
    style: "currency", currency: "RUB", minimumFractionDigits: 0, maximumFractionDigits: 0
  });
  var roubles = new Intl.NumberFormat(locale, {
    style: "currency", currency: "RUB", minimumFractionDigits: 2, maximumFractionDigits: 2
  });

  function empty(canvas) {
    var note = document.createElement("p");
    note.className = "small text-body-secondary";
    note.textContent = labels.empty;
    canvas.replaceWith(note);
  }

  function tooltip(context) {
    var parsed = context.parsed;
    var value = typeof parsed === "number" ? parsed : (context.chart && context.chart.options.indexAxis === "y" ? parsed.x : parsed.y);
    return context.dataset.label + ": " + roubles.format(value);
  }

  var timeCanvas = document.getElementById("chart-paid-time");
  if (timeCanvas) {
    if (!data.months.length) {
      empty(timeCanvas);
    } else {
      new window.Chart(timeCanvas, {
        data: {
          labels: data.months.map(function (m) { return m.label; }),
          datasets: [
            { type: "bar", label: labels.paid, data: data.months.map(function (m) { return Number(m.paid); }) },
            { type: "line", label: labels.cumulative, data: data.months.map(function (m) { return Number(m.cumulative); }) }
          ]
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          plugins: { tooltip: { callbacks: { label: tooltip } } },
          scales: { y: { ticks: { callback: function (value) { return wholeRoubles.format(value); } } } }
        }
      });
    }
  }

  var areaCanvas = document.getElementById("chart-paid-area");
  if (areaCanvas) {
    if (!data.areas.length) {
      empty(areaCanvas);
    } else {
      new window.Chart(areaCanvas, {
        type: "bar",
        data: {
          labels: data.areas.map(function (a) { return a.label; }),
          datasets: [{ label: labels.area, data: data.areas.map(function (a) { return Number(a.paid); }) }]
        },
        options: {
          indexAxis: "y",
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltip } } },
          scales: { x: { ticks: { callback: function (value) { return wholeRoubles.format(value); } } } }
        }
      });
    }
  }
})();
