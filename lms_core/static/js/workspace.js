// The course workspace's tabs: at phone width they are one row that scrolls inside
// itself; bring the current tab into view so the teacher sees where they are.
(function () {
  var current = document.querySelector("#workspace-tabs [aria-current=page]");
  var strip = document.getElementById("workspace-tabs");
  if (current && strip && strip.scrollWidth > strip.clientWidth) {
    strip.scrollLeft = current.offsetLeft - (strip.clientWidth - current.offsetWidth) / 2; // the strip is position: relative
  }
})();
