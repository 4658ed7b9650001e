// Announcement page: follows the batches' progress until the final report.
(function () {
  const card = document.getElementById("announcement-report");
  if (!card || card.dataset.finished === "1") return;
  const url = card.dataset.progressUrl;
  function field(name) { return card.querySelector('[data-field="' + name + '"]'); }
  async function tick() {
    try {
      const report = await (await fetch(url, {credentials: "same-origin"})).json();
      ["handled", "sent", "failed", "skipped", "waiting"].forEach((name) => {
        const el = field(name);
        if (el) el.textContent = report[name];
      });
      const bar = card.querySelector(".progress");
      if (bar) {
        bar.setAttribute("aria-valuenow", report.percent);
        bar.querySelector("span").style.width = report.percent + "%";
      }
      const state = field("state");
      if (report.finished) {
        state.textContent = state.dataset.done;
        return;
      }
    } catch (e) { /* try again */ }
    setTimeout(tick, 1500);
  }
  setTimeout(tick, 1000);
})();
