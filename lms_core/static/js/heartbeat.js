// Time on lessons: count seconds only while the tab is visible and the learner was
// active (mouse, keys, scroll, touch) within the idle cut-off; report them regularly.
(function () {
  var lesson = document.getElementById("lesson");
  if (!lesson) { return; }
  var url = lesson.dataset.heartbeatUrl;
  var every = parseInt(lesson.dataset.heartbeatSeconds, 10) || 15;
  var IDLE_CUTOFF = 120 * 1000;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var lastActivity = Date.now();
  var pending = 0;
  ["mousemove", "keydown", "scroll", "touchstart", "click"].forEach(function (name) {
    window.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });
  setInterval(function () {
    if (document.visibilityState === "visible" && Date.now() - lastActivity < IDLE_CUTOFF) { pending += 1; }
  }, 1000);
  function send(useBeacon) {
    if (pending <= 0) { return; }
    var body = JSON.stringify({ seconds: pending });
    pending = 0;
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": token },
                 body: body, keepalive: !!useBeacon, credentials: "same-origin" }).catch(function () {});
  }
  setInterval(function () { send(false); }, every * 1000);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { send(true); } });
})();
