// Behaviour every page shares, kept out of the templates so the Content-Security-Policy
// can forbid inline script: the language menu submits itself, and a form with
// data-confirm asks before it is sent.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var language = document.getElementById("language");
    if (language) {
      language.addEventListener("change", function () { language.form.submit(); });
    }
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  });
})();
