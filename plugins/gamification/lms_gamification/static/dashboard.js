// The dashboard's points and badges redraw themselves when the server says the
// learner's points changed ("gamification.points" in their own room, pushed through
// lms_core.realtime): the page fetches the panel again, in the reader's language, at
// most once per burst of awards.
(function () {
  var socket = window.lmsSocket;
  var box = document.getElementById("gamification-dashboard");
  if (!socket || !box || !box.dataset.url) { return; }
  var url = box.dataset.url;
  var pending = null;
  socket.on("gamification.points", function () {
    if (pending) { return; }
    pending = setTimeout(function () {
      pending = null;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          var current = document.getElementById("gamification-dashboard");
          if (html !== null && current) {
            current.outerHTML = html;
            document.dispatchEvent(new CustomEvent("lms:points", { detail: { url: url } }));
          }
        });
    }, 300);
  });
})();
