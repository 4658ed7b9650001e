// The script of every page the LMS exports as a SCO: finds the runtime API of the LMS
// that plays the package (SCORM 1.2 window.API or 2004 window.API_1484_11, in a parent
// frame or the opener), reports a lesson completed when it opens, and scores a quiz in
// the page, reporting score, passed/failed and the answers as interactions.
(function () {
  "use strict";
  var body = document.body;
  var v2004 = body.dataset.version === "2004";
  function find(win) {
    for (var i = 0; win && i < 12; i++) {
      try {
        if (v2004 && win.API_1484_11) { return win.API_1484_11; }
        if (!v2004 && win.API) { return win.API; }
      } catch (e) { return null; }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }
  var api = find(window) || (window.opener ? find(window.opener) : null);
  if (!api) { return; }
  var call = {
    init: function () { return v2004 ? api.Initialize("") : api.LMSInitialize(""); },
    set: function (a, b, value) { return v2004 ? api.SetValue(b, value) : api.LMSSetValue(a, value); },
    commit: function () { return v2004 ? api.Commit("") : api.LMSCommit(""); },
    finish: function () { return v2004 ? api.Terminate("") : api.LMSFinish(""); }
  };
  call.init();
  var finished = false;
  function finish() { if (!finished) { finished = true; call.commit(); call.finish(); } }
  window.addEventListener("pagehide", finish);

  if (body.dataset.sco === "lesson") {
    call.set("cmi.core.lesson_status", "cmi.completion_status", "completed");
    call.set("cmi.core.exit", "cmi.exit", "");
    call.commit();
    return;
  }
  call.set("cmi.core.lesson_status", "cmi.completion_status", "incomplete");
  var form = document.getElementById("quiz");
  var key = JSON.parse(form.dataset.key);
  var pass = Number(body.dataset.passPercent);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var got = 0, total = 0, n = 0;
    Object.keys(key).forEach(function (id) {
      var q = key[id], correct = false, response = "";
      total += q.points;
      if (q.kind === "text") {
        var text = (form.elements["q" + id].value || "").trim().toLowerCase();
        correct = q.accepted.indexOf(text) !== -1;
        response = text;
      } else {
        var picked = Array.prototype.filter.call(form.querySelectorAll('[name="q' + id + '"]'), function (input) {
          return input.checked;
        }).map(function (input) { return input.value; }).sort();
        correct = picked.join(",") === q.correct.join(",");
        response = picked.join(",");
      }
      if (correct) { got += q.points; }
      var prefix = "cmi.interactions." + n + ".";
      call.set(prefix + "id", prefix + "id", "q" + id);
      call.set(prefix + "type", prefix + "type", q.kind === "text" ? "fill-in" : "choice");
      call.set(prefix + "student_response", prefix + "learner_response", response.replace(/,/g, v2004 ? "[,]" : ","));
      call.set(prefix + "result", prefix + "result", correct ? "correct" : (v2004 ? "incorrect" : "wrong"));
      n += 1;
    });
    var score = total ? Math.round(100 * got / total) : 0;
    var passed = score >= pass;
    call.set("cmi.core.score.min", "cmi.score.min", "0");
    call.set("cmi.core.score.max", "cmi.score.max", "100");
    call.set("cmi.core.score.raw", "cmi.score.raw", String(score));
    if (v2004) {
      call.set("", "cmi.score.scaled", String(score / 100));
      call.set("", "cmi.success_status", passed ? "passed" : "failed");
      call.set("", "cmi.completion_status", "completed");
    } else {
      call.set("cmi.core.lesson_status", "", passed ? "passed" : "failed");
    }
    call.set("cmi.core.exit", "cmi.exit", "");
    finish();
    var result = document.getElementById("result");
    result.textContent = (passed ? result.dataset.passed : result.dataset.failed).replace("{score}", score);
    form.querySelector("button").disabled = true;
  });
})();
