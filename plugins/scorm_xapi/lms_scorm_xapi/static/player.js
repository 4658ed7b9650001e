// The player page: the full-screen button for the framed activity.
(function () {
  "use strict";
  var button = document.getElementById("scorm-fullscreen");
  var stage = document.getElementById("scorm-stage");
  if (!button || !stage) { return; }
  if (!stage.requestFullscreen) { button.hidden = true; return; }
  button.addEventListener("click", function () {
    if (document.fullscreenElement) { document.exitFullscreen(); } else { stage.requestFullscreen(); }
  });
})();
