// Live inbox: the server pushes "notification" and "unread" events to the user's room.
(function () {
  if (typeof io === "undefined") { return; }
  var socket = io({ transports: ["websocket", "polling"] });
  var badge = document.getElementById("unread-count");
  var toast = document.getElementById("toast");
  function setUnread(n) {
    if (!badge) { return; }
    badge.dataset.count = n;
    badge.textContent = n > 0 ? String(n) : "";
  }
  socket.on("notification", function (data) {
    setUnread(data.unread);
    if (toast) {
      toast.textContent = data.title;
      toast.hidden = false;
      setTimeout(function () { toast.hidden = true; }, 6000);
    }
    document.dispatchEvent(new CustomEvent("lms:notification", { detail: data }));
  });
  socket.on("unread", function (data) { setUnread(data.unread); });
  window.lmsSocket = socket;
})();
