// A course leaderboard redraws itself when the server says its points changed. The
// push carries no names or points (a hidden student stays hidden): the page fetches
// its own view of the board, at most once per burst of changes.
(function () {
  var box = document.getElementById("leaderboard");
  var socket = window.lmsSocket;
  if (!box || !box.dataset.course || !socket) { return; }
  var courseId = Number(box.dataset.course);
  var pending = null;
  function follow() { socket.emit("join_course", { course_id: courseId }); }
  socket.on("connect", follow);
  if (socket.connected) { follow(); }
  socket.on("gamification.leaderboard", function (data) {
    if (Number(data.course_id) !== courseId || pending) { return; }
    pending = setTimeout(function () {
      pending = null;
      fetch(box.dataset.url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) { box.innerHTML = html; } });
    }, 300);
  });
})();
