// The Jitsi room, embedded the way Jitsi's IFrame API does it: an iframe on
// <server>/<room>, the JWT (self-hosted servers) in the query and the settings in the
// hash, as JSON values. The page tells the LMS every 30 s that the learner is still
// here; that is the learner's attendance, keyed on their LMS account.
(function () {
  "use strict";
  var holder = document.getElementById("zoom-room");
  if (!holder) { return; }
  var data = holder.dataset;
  var hash = [
    "config.prejoinPageEnabled=false",
    "config.defaultLanguage=" + encodeURIComponent(JSON.stringify(data.language || "en")),
    "userInfo.displayName=" + encodeURIComponent(JSON.stringify(data.name || "")),
    "interfaceConfig.SHOW_JITSI_WATERMARK=false"
  ].join("&");
  var src = data.base.replace(/\/$/, "") + "/" + encodeURIComponent(data.room) +
    (data.jwt ? "?jwt=" + encodeURIComponent(data.jwt) : "") + "#" + hash;
  var frame = document.createElement("iframe");
  frame.src = src;
  frame.title = data.title;
  frame.allow = "camera; microphone; display-capture; autoplay; clipboard-write; fullscreen";
  frame.allowFullscreen = true;
  frame.id = "jitsi-frame";
  holder.appendChild(frame);

  function beat() {
    fetch(data.beatUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": data.csrf, "Content-Type": "application/json"}, body: "{}"
    }).catch(function () { /* the next beat tries again */ });
  }
  beat();
  var timer = window.setInterval(beat, 30000);
  window.addEventListener("pagehide", function () { window.clearInterval(timer); });
})();
