// The course's certificates page while a re-generation runs: poll its progress and
// reload when it is finished. The sentence comes translated in data-template.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box || box.dataset.finished === "true") { return; }
  var text = document.getElementById("batch-text");
  var bar = box.querySelector(".progress span");
  var template = box.dataset.template;
  function poll() {
    fetch(box.dataset.url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        text.textContent = template.replace("{done}", p.done).replace("{total}", p.total).replace("{failed}", p.failed);
        bar.style.width = p.percent + "%";
        box.querySelector(".progress").setAttribute("aria-valuenow", p.percent);
        if (p.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
