// Behaviour every page shares, kept out of the templates so the Content-Security-Policy
// can forbid inline script: the language menu submits itself, the header's menus fold
// on narrow screens, and a form with data-confirm asks before it is sent.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var language = document.getElementById("language");
    if (language) {
      language.addEventListener("change", function () { language.form.submit(); });
    }
    // On narrow screens the header's menus fold behind one button (CSS shows it).
    var toggle = document.getElementById("menu-toggle");
    var header = document.querySelector(".topbar");
    if (toggle && header) {
      header.classList.add("foldable");
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = header.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    // The header's "More" and "Administration" menus close when the reader clicks
    // elsewhere or presses Escape (then the focus goes back to the menu's name).
    var groups = document.querySelectorAll(".menu-group");
    document.addEventListener("click", function (event) {
      groups.forEach(function (group) { if (!group.contains(event.target)) { group.open = false; } });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      groups.forEach(function (group) {
        if (group.open) { group.open = false; group.querySelector("summary").focus(); }
      });
    });
    // A search box in front of a long list (time zones): typing keeps the matching options.
    document.querySelectorAll("input[data-filter-select]").forEach(function (box) {
      var select = document.getElementById(box.dataset.filterSelect);
      if (!select) { return; }
      box.addEventListener("input", function () {
        var words = box.value.trim().toLowerCase().replace(/ /g, "_");
        var first = null;
        Array.prototype.forEach.call(select.options, function (option) {
          var hit = !words || option.value.toLowerCase().indexOf(words) !== -1 || option.selected;
          option.hidden = !hit;
          if (hit && !first && option.value.toLowerCase().indexOf(words) !== -1) { first = option; }
        });
        if (first && words) { select.value = first.value; }
      });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  });
})();
