// The player page: the full-screen button for the framed activity, and the navigation
// requests the SCO makes (adl.nav.request, passed on by the runtime page on the
// content origin once its Terminate is stored): the page goes where the request leads.
(function () {
  "use strict";
  var button = document.getElementById("scorm-fullscreen");
  var stage = document.getElementById("scorm-stage");
  var frame = document.getElementById("scorm-frame");
  if (!stage) { return; }
  if (button) {
    if (!stage.requestFullscreen) {
      button.hidden = true;
    } else {
      button.addEventListener("click", function () {
        if (document.fullscreenElement) { document.exitFullscreen(); } else { stage.requestFullscreen(); }
      });
    }
  }
  if (!frame) { return; }
  var frameOrigin = new URL(frame.src, window.location.href).origin;
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.origin !== frameOrigin || event.source !== frame.contentWindow) { return; }
    if (data.type !== "scorm-navigate" || typeof data.request !== "string") { return; }
    window.location.assign(stage.dataset.navigateUrl + "?request=" + encodeURIComponent(data.request));
  });
})();
