// Before a quiz is submitted with questions left unanswered, say which ones and ask
// once more: the first click shows the warning, "Submit anyway" sends the form.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  var warning = document.getElementById("unanswered-warning");
  if (!form || !warning) { return; }

  function answered(fieldset) {
    var inputs = fieldset.querySelectorAll("input, select, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { return true; }
      } else if (el.value && el.value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.confirmed === "1" || form.dataset.sent === "1") { return; }
    var missing = [];
    form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
      if (!answered(fieldset)) { missing.push(fieldset.dataset.question); }
    });
    if (!missing.length) { return; }
    event.preventDefault();
    var text = (missing.length === 1 ? warning.dataset.one : warning.dataset.many)
      .replace("{numbers}", missing.join(", "));
    warning.textContent = text + " ";
    var again = document.createElement("button");
    again.type = "submit";
    again.id = "submit-anyway";
    again.className = "secondary small";
    again.textContent = warning.dataset.confirm;
    again.addEventListener("click", function () { form.dataset.confirmed = "1"; });
    warning.appendChild(again);
    warning.hidden = false;
    again.focus();
  });
})();
