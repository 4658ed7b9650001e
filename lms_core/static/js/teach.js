// Teacher pages: the question form (confirmations are js/confirm.js, on every page).
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("question-form");
    if (!form) { return; }
    var kind = form.querySelector("select[name=kind]");
    function showParts() {
      form.querySelectorAll("[data-for-kinds]").forEach(function (part) {
        part.hidden = part.dataset.forKinds.split(" ").indexOf(kind.value) === -1;
      });
    }
    kind.addEventListener("change", showParts);
    showParts();

    // "Another option" copies the last row with the next index (choices-N-...).
    var rows = document.getElementById("choice-rows");
    var add = document.getElementById("add-choice");
    add.hidden = false;
    add.addEventListener("click", function () {
      var last = rows.lastElementChild;
      var index = rows.children.length;
      var copy = last.cloneNode(true);
      copy.querySelectorAll("input, label").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/choices-\d+-/, "choices-" + index + "-")); }
        });
        if (el.type === "checkbox") { el.checked = false; } else if (el.tagName === "INPUT") { el.value = ""; }
      });
      var text = copy.querySelector("input[type=text]");
      text.placeholder = text.placeholder.replace(/\d+$/, String(index + 1));
      rows.appendChild(copy);
      text.focus();
    });
  });
})();
