// Live progress of an official data import: poll its JSON while it is queued or running, then
// reload to show the outcome and the row report.
(function () {
  const box = document.getElementById("import-progress");
  if (!box) return;
  const bar = box.querySelector(".progress");
  const inner = bar.firstElementChild;
  const checked = box.querySelector('[data-field="checked"]');
  const rows = box.querySelector('[data-field="rows"]');
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  async function poll() {
    let done = false;
    try {
      const response = await fetch(box.dataset.progressUrl, {headers: {Accept: "application/json"}});
      if (response.ok) {
        const state = await response.json();
        const percent = state.rows ? Math.round((100 * state.checked) / state.rows) : 0;
        bar.setAttribute("aria-valuenow", percent);
        inner.style.width = percent + "%";
        inner.textContent = percent + "%";
        checked.textContent = numbers.format(state.checked);
        rows.textContent = numbers.format(state.rows);
        done = !["queued", "running"].includes(state.status);
      }
    } finally {
      if (done) window.location.reload();
      else setTimeout(poll, 1000);
    }
  }
  setTimeout(poll, 500);
})();
