// The dashboard: trend charts (Chart.js; each has a table view next to it) and sortable district
// tables (the print button is js/print.js). Data come from data attributes; no inline script (CSP).
(function () {
  "use strict";
  const palette = ["#9aa5b1", "#0d6efd"];   // last year grey, this year blue

  // Axis and tooltip numbers as the page writes them: counts with separators, 万元 with two
  // decimals, fractions as percentages.
  const locale = document.documentElement.lang || undefined;
  const formats = {
    count: new Intl.NumberFormat(locale, {maximumFractionDigits: 0}),
    money: new Intl.NumberFormat(locale, {minimumFractionDigits: 2, maximumFractionDigits: 2}),
    ratio: new Intl.NumberFormat(locale, {style: "percent", minimumFractionDigits: 2,
                                          maximumFractionDigits: 2})
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    if (typeof Chart === "undefined") { return; }
    const data = JSON.parse(canvas.dataset.chart);
    const format = formats[data.kind] || formats.count;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (entry, index) {
          return {label: String(entry[0]), borderColor: palette[index % 2],
                  backgroundColor: palette[index % 2], spanGaps: true,
                  data: entry[1].map(function (v) { return v === null ? null : Number(v); })};
        })
      },
      options: {animation: false, responsive: true, maintainAspectRatio: false,
                scales: {y: {ticks: {precision: data.kind === "count" ? 0 : undefined,
                                     callback: function (value) { return format.format(value); }}}},
                plugins: {legend: {position: "bottom"},
                          tooltip: {callbacks: {label: function (item) {
                            return item.dataset.label + ": " + format.format(item.parsed.y);
                          }}}}}
    });
  });

  document.querySelectorAll("table.sortable [data-sort]").forEach(function (button) {
    button.addEventListener("click", function () {
      const th = button.closest("th");
      const table = th.closest("table");
      const column = Array.prototype.indexOf.call(th.parentNode.children, th);
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      const key = function (row) {
        const cell = row.cells[column];
        if (button.dataset.sort === "number") {
          const raw = cell.dataset.sortValue;
          return raw === "" || raw === undefined ? -Infinity : Number(raw);
        }
        return cell.textContent.trim();
      };
      rows.sort(function (a, b) {
        const x = key(a), y = key(b);
        const order = typeof x === "number" ? x - y : x.localeCompare(y, document.documentElement.lang);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
