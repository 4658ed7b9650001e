// A room page made live: joins the room over the /chat Socket.IO namespace, draws new
// messages, edits and deletions as they happen, sends through the socket (the form
// still works without JavaScript, and a message with a file is always posted by it),
// and on every (re)connection asks for every change (new, edited, deleted, reacted to)
// after the last change number it has seen without a gap, keeping one copy of each
// message number.
(function () {
  "use strict";
  var box = document.getElementById("chat");
  if (!box || typeof io === "undefined") return;
  var params = new URLSearchParams(location.search);
  if (params.get("q") || params.get("before")) return; // a search or an old page stays as it is
  var roomId = Number(box.dataset.room);
  var me = Number(box.dataset.user);
  var list = document.getElementById("chat-messages");
  var form = document.getElementById("chat-post");
  var text = document.getElementById("chat-body");
  var errorLine = document.getElementById("chat-error");
  var typingLine = document.getElementById("chat-typing");
  var onlineLine = document.getElementById("chat-online");
  var older = document.getElementById("chat-older");
  var t = box.dataset;
  var lastSeq = 0;
  // Changes are numbered per room; they may arrive out of order from several processes,
  // so the number advances only over changes seen without a gap (a reconnect asks for
  // what is above it: some arrive twice, none are lost).
  var lastChange = Number(box.dataset.lastChange) || 0;
  var aheadChanges = {};
  function sawChange(n) {
    if (!n || n <= lastChange) return;
    aheadChanges[n] = true;
    while (aheadChanges[lastChange + 1]) { delete aheadChanges[lastChange + 1]; lastChange += 1; }
  }

  function known(seq) { return list.querySelector('li[data-seq="' + seq + '"]'); }
  Array.prototype.forEach.call(list.querySelectorAll("li[data-seq]"), function (li) {
    lastSeq = Math.max(lastSeq, Number(li.dataset.seq));
  });

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function el(tag, className, textContent) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (textContent !== undefined) node.textContent = textContent;
    return node;
  }

  // A file's size in the page's language (the templates come from the server's translations).
  function sizeText(bytes) {
    var number = function (n) { return n.toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 }); };
    if (bytes >= 1048576) return t.tMb.replace("{n}", number(Math.round(bytes / 104857.6) / 10));
    if (bytes >= 1024) return t.tKb.replace("{n}", number(Math.round(bytes / 102.4) / 10));
    return t.tBytes.replace("{n}", String(bytes));
  }

  function draw(m) {
    var li = el("li", "chat-message" + (m.deleted ? " chat-deleted" : "") + (m.author.id === me ? " chat-mine" : ""));
    li.id = "m" + m.seq;
    li.dataset.seq = m.seq;
    li.dataset.author = m.author.id;
    var meta = el("div", "chat-meta");
    meta.appendChild(el("strong", "chat-author", m.author.name));
    meta.appendChild(document.createTextNode(" "));
    var when = el("a", "chat-time muted");
    when.href = "#m" + m.seq;
    var time = el("time", "", new Date(m.created_at).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "medium" }));
    time.setAttribute("datetime", m.created_at);
    when.appendChild(time);
    meta.appendChild(when);
    if (m.edited && !m.deleted) meta.appendChild(el("span", "chat-edited muted", " " + t.tEdited));
    if (m.pinned) meta.appendChild(el("span", "tag", t.tPinned));
    li.appendChild(meta);
    if (m.reply_to) {
      var quote = el("blockquote", "chat-quote");
      var link = el("a", "", m.reply_to.author);
      link.href = "#m" + m.reply_to.seq;
      quote.appendChild(link);
      quote.appendChild(document.createTextNode(": " + m.reply_to.excerpt));
      li.appendChild(quote);
    }
    if (m.deleted) {
      li.appendChild(el("p", "chat-body muted", t.tDeleted));
      return li;
    }
    var body = el("div", "chat-body");
    body.innerHTML = m.html; // sanitised on the server, exactly as lesson content is
    li.appendChild(body);
    if (m.file) {
      var file = el("p", "chat-file");
      if (m.file.image) { // only a type verified by its content is shown inline
        var big = el("a");
        big.href = m.file.url;
        var img = el("img");
        img.src = m.file.url + "?inline=1";
        img.alt = m.file.name;
        img.loading = "lazy";
        big.appendChild(img);
        file.appendChild(big);
        file.appendChild(el("br"));
      }
      var download = el("a", "", m.file.name);
      download.href = m.file.url;
      download.setAttribute("download", "");
      file.appendChild(download);
      file.appendChild(document.createTextNode(" "));
      file.appendChild(el("span", "muted", sizeText(m.file.size)));
      li.appendChild(file);
    }
    var reactions = Object.keys(m.reactions || {});
    if (reactions.length) {
      var line = el("p", "chat-reactions");
      reactions.forEach(function (emoji) { line.appendChild(el("span", "tag", emoji + " " + m.reactions[emoji])); line.appendChild(document.createTextNode(" ")); });
      li.appendChild(line);
    }
    var actions = el("p", "actions chat-live-actions");
    var reply = el("button", "link chat-reply", t.tReply);
    reply.type = "button";
    reply.dataset.seq = m.seq;
    reply.dataset.author = m.author.name;
    actions.appendChild(reply);
    li.appendChild(actions);
    return li;
  }

  function put(m, where) {
    if (m.room !== roomId) return;
    sawChange(m.change);
    var empty = list.querySelector(".chat-empty");
    if (empty) empty.remove();
    var old = known(m.seq);
    var fresh = draw(m);
    if (old) { old.replaceWith(fresh); return; } // one copy per number: a replay never duplicates
    if (where === "top") { list.insertBefore(fresh, list.firstChild); return; }
    var next = null; // keep the numbers in order even if a replay overlaps a live message
    Array.prototype.some.call(list.querySelectorAll("li[data-seq]"), function (li) {
      if (Number(li.dataset.seq) > m.seq) { next = li; return true; }
      return false;
    });
    list.insertBefore(fresh, next);
    lastSeq = Math.max(lastSeq, m.seq);
  }

  function atBottom() { return window.innerHeight + window.scrollY >= document.body.offsetHeight - 80; }

  function showOnline(people) {
    if (!onlineLine) return;
    onlineLine.textContent = t.tOnline.replace("{names}", people.map(function (p) { return p.name; }).join(", "));
  }

  function showError(message) {
    if (!errorLine) return;
    errorLine.textContent = message || "";
    errorLine.hidden = !message;
    if (text) { if (message) text.setAttribute("aria-invalid", "true"); else text.removeAttribute("aria-invalid"); }
  }

  var socket = io("/chat", { transports: ["websocket", "polling"] });
  var pending = null; // the message being sent: resent with the same id after a reconnect

  socket.on("connect", function () {
    box.classList.remove("chat-offline");
    socket.emit("join", { room: roomId, since: lastChange }, function (answer) {
      if (!answer || !answer.ok) { showError(answer && answer.error); return; }
      var follow = atBottom();
      replay(answer);
      showOnline(answer.online || []);
      if (follow) window.scrollTo(0, document.body.scrollHeight);
      socket.emit("read", { room: roomId });
      if (pending) send(pending);
    });
  });
  // A replayed change: a new message is added, a message on the page is redrawn, an
  // older one not on the page is left to the history.
  function replay(answer) {
    answer.messages.forEach(function (m) { if (m.seq > lastSeq || known(m.seq)) put(m); else sawChange(m.change); });
    sawChange(answer.last_change);
    if (answer.last_change > lastChange) lastChange = answer.last_change;
    if (answer.more) socket.emit("changes", { room: roomId, since: lastChange }, function (next) { if (next && next.ok) replay(next); });
  }
  socket.on("chat:closed", function (d) {
    if (d.room !== roomId) return;
    socket.emit("join", { room: roomId, since: lastChange }, function (answer) {
      if (!answer || !answer.ok) { box.classList.add("chat-offline"); typingLine.textContent = t.tClosed; if (form) form.hidden = true; return; }
      replay(answer);
    });
  });
  socket.on("disconnect", function () { box.classList.add("chat-offline"); typingLine.textContent = t.tOffline; });
  socket.on("chat:message", function (m) {
    var follow = atBottom();
    put(m);
    if (follow) window.scrollTo(0, document.body.scrollHeight);
    if (document.visibilityState === "visible") socket.emit("read", { room: roomId });
  });
  socket.on("chat:edited", function (m) { if (known(m.seq)) put(m); else sawChange(m.change); });
  socket.on("chat:deleted", function (m) { if (known(m.seq)) put(m); else sawChange(m.change); });
  socket.on("chat:presence", function (d) { if (d.room === roomId) showOnline(d.online); });
  var typingTimer = null;
  socket.on("chat:typing", function (d) {
    if (d.room !== roomId || d.user.id === me) return;
    typingLine.textContent = t.tTyping.replace("{name}", d.user.name);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 3000);
  });

  function send(message) {
    pending = message;
    socket.timeout(10000).emit("send", message, function (err, answer) {
      if (err) return; // no answer: sent again, with the same id, on the next connection
      if (pending === message) pending = null;
      if (!answer.ok) { showError(answer.error); text.value = message.body; return; }
      showError("");
      put(answer.message);
      window.scrollTo(0, document.body.scrollHeight);
    });
  }

  if (form && text) {
    var replyTo = form.querySelector('input[name="reply_to"]');
    var clientId = form.querySelector('input[name="client_id"]');
    form.addEventListener("submit", function (event) {
      if (!socket.connected) return; // the plain form post still works
      var chosen = form.querySelector('input[type="file"]');
      if (chosen && chosen.files && chosen.files.length) return; // a file goes with the plain form post
      event.preventDefault();
      var body = text.value.trim();
      if (!body) return;
      send({ room: roomId, body: body, client_id: clientId.value, reply_to: replyTo.value || null });
      clientId.value = newId();
      text.value = "";
      replyTo.value = "";
      var note = form.querySelector(".chat-replying");
      if (note) note.remove();
    });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    var lastTyping = 0;
    text.addEventListener("input", function () {
      if (Date.now() - lastTyping > 2000 && socket.connected) {
        lastTyping = Date.now();
        socket.emit("typing", { room: roomId });
      }
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest(".chat-reply");
      if (!button) return;
      replyTo.value = button.dataset.seq;
      var note = form.querySelector(".chat-replying") || el("p", "chat-replying");
      note.textContent = t.tReplying.replace("{name}", button.dataset.author) + " · ";
      var cancel = el("button", "link", t.tCancel);
      cancel.type = "button";
      cancel.addEventListener("click", function () { replyTo.value = ""; note.remove(); });
      note.appendChild(cancel);
      form.insertBefore(note, form.firstChild);
      text.focus();
    });
  }

  if (older) {
    older.addEventListener("click", function (event) {
      if (!socket.connected) return;
      event.preventDefault();
      var height = document.body.scrollHeight;
      socket.emit("history", { room: roomId, before: Number(older.dataset.before) }, function (answer) {
        if (!answer || !answer.ok) return;
        answer.messages.slice().reverse().forEach(function (m) { if (!known(m.seq)) put(m, "top"); });
        window.scrollBy(0, document.body.scrollHeight - height); // keep the reader's place
        if (answer.more && answer.messages.length) older.dataset.before = answer.messages[0].seq;
        else older.parentNode.remove();
      });
    });
  }
})();
