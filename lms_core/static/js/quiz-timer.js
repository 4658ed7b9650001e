// A timed quiz: the time left counts down in #time-left, and the form is sent by
// itself when the time is up (the server refuses late answers anyway).
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  var out = document.getElementById("time-left");
  if (!form || !form.dataset.deadline || !out) { return; }
  var end = new Date(form.dataset.deadline).getTime();
  setInterval(function () {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0 && !form.dataset.sent) { form.dataset.sent = "1"; form.submit(); }
  }, 1000);
})();
