// Live progress of scans: poll the JSON endpoint while a scan is queued or running.
(function () {
  const table = document.getElementById("scans");
  if (!table) return;
  const url = table.dataset.progressUrl;

  function activeIds() {
    return Array.from(table.querySelectorAll("[data-scan-progress]"))
      .filter((bar) => ["queued", "running"].includes(bar.dataset.scanStatus))
      .map((bar) => bar.dataset.scanProgress);
  }

  function render(scan) {
    const bar = table.querySelector(`[data-scan-progress="${scan.id}"]`);
    if (!bar) return;
    const percent = Math.round(scan.progress * 1000) / 10;
    bar.dataset.scanStatus = scan.status;
    bar.setAttribute("aria-valuenow", Math.round(percent));
    const inner = bar.firstElementChild;
    inner.style.width = percent + "%";
    inner.textContent = Math.round(percent) + "%";
    if (scan.status === "done" || scan.status === "failed") {
      inner.className = "progress-bar " + (scan.status === "done" ? "bg-success" : "bg-danger");
    }
    const row = table.querySelector(`tr[data-scan="${scan.id}"]`);
    if (!row) return;
    for (const field of ["opened", "closed", "flags", "seconds"]) {
      const cell = row.querySelector(`[data-field="${field}"]`);
      if (cell && scan[field] !== null) cell.textContent = scan[field];
    }
    const firms = row.querySelector('[data-field="firms_done"]');
    if (firms) firms.textContent = `${scan.firms_done} / ${scan.firms_total}`;
  }

  async function poll() {
    const ids = activeIds();
    if (!ids.length) return;
    const query = ids.map((id) => "id=" + encodeURIComponent(id)).join("&");
    try {
      const response = await fetch(url + "?" + query, {headers: {Accept: "application/json"}});
      if (response.ok) (await response.json()).scans.forEach(render);
    } finally {
      if (activeIds().length) setTimeout(poll, 2000);
      else if (ids.length) window.location.reload();  // show the final badges and figures
    }
  }
  setTimeout(poll, 1000);
})();
