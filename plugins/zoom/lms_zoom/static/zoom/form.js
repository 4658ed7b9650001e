// The scheduling form: the weekly fields only for a weekly lecture, and the waiting
// room / passcode only for a video service that has them.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  if (!form) { return; }
  var weekly = form.querySelector("[data-repeat=weekly]");
  var provider = form.querySelector("#provider");

  function update() {
    var repeat = form.querySelector("input[name=repeat]:checked");
    weekly.hidden = !(repeat && repeat.value === "weekly");
    var option = provider && provider.options[provider.selectedIndex];
    form.querySelectorAll("[data-needs]").forEach(function (element) {
      var key = element.getAttribute("data-needs");
      element.hidden = !option || option.getAttribute("data-" + key) !== "1";
    });
  }
  form.addEventListener("change", update);
  update();
})();
