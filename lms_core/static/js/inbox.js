// The inbox page: a notification pushed live (realtime.js fires lms:notification)
// appears at the top of the list.
(function () {
  "use strict";
  document.addEventListener("lms:notification", function (event) {
    var list = document.getElementById("inbox");
    if (!list) { return; }
    var empty = document.getElementById("inbox-empty");
    if (empty) { empty.remove(); }
    var li = document.createElement("li");
    li.className = "unread";
    var span = document.createElement("span");
    span.textContent = event.detail.title;
    li.appendChild(span);
    list.insertBefore(li, list.firstChild);
  });
})();
