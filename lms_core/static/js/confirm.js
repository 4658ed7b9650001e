// Every page: a form with data-confirm="question" asks before it is sent (deleting,
// unpublishing). The core's pages and the plugins' use it the same way.
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
