// What-if pages: a run's live progress (reload when it ends), the winners/losers chart by
// district, and confirmation of deletes.
(function () {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  const box = document.getElementById("run-progress");
  if (box) {
    const bar = box.querySelector(".progress");
    const inner = bar.firstElementChild;
    const firms = box.querySelector('[data-field="firms"]');
    const poll = async () => {
      try {
        const response = await fetch(box.dataset.progressUrl, {headers: {Accept: "application/json"}});
        if (response.ok) {
          const run = await response.json();
          const percent = Math.round(run.progress * 1000) / 10;
          bar.setAttribute("aria-valuenow", Math.round(percent));
          inner.style.width = percent + "%";
          inner.textContent = Math.round(percent) + "%";
          firms.textContent = `${run.firms_done.toLocaleString()} / ${run.firms_total.toLocaleString()}`;
          if (!["queued", "running"].includes(run.status)) {
            window.location.reload();
            return;
          }
        }
      } catch (error) {
        // a lost poll is retried
      }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 500);
  }

  const data = document.getElementById("district-chart-data");
  if (data && window.Chart) {
    const chart = JSON.parse(data.textContent);
    const labels = JSON.parse(document.getElementById("district-chart-labels").textContent);
    const colours = ["#198754", "#0d6efd", "#6f42c1", "#fd7e14"];
    const datasets = [];
    chart.series.forEach((series, index) => {
      datasets.push({label: `${series.tier} · ${labels.winners}`, data: series.winners, stack: series.tier,
                     backgroundColor: colours[index % colours.length]});
      datasets.push({label: `${series.tier} · ${labels.losers}`, data: series.losers, stack: series.tier,
                     backgroundColor: "#dc3545"});
    });
    new window.Chart(document.getElementById("district-chart"), {
      type: "bar",
      data: {labels: chart.districts, datasets},
      options: {responsive: true, animation: false, scales: {x: {stacked: true}, y: {stacked: true, ticks: {precision: 0}}}},
    });
  }
})();
