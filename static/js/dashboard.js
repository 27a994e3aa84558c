// The dashboard: trend charts (Chart.js; each has a table view next to it) and sortable district
// tables (the print button is js/print.js). Data come from data attributes; no inline script (CSP).
(function () {
  "use strict";
  const palette = ["#9aa5b1", "#0d6efd"];   // last year grey, this year blue

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    if (typeof Chart === "undefined") { return; }
    const data = JSON.parse(canvas.dataset.chart);
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
                plugins: {legend: {position: "bottom"}}}
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
