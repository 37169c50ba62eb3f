// Reporting-path guide: with JavaScript, each answer replaces the current history entry
// (location.replace), so Back does not replay the questions a student answered, and focus
// moves to the next step's heading for keyboard and screen-reader users.
// Without JavaScript the answers are plain #links and the guide works the same.
(function () {
  "use strict";
  var guide = document.querySelector(".guide");
  if (!guide) {
    return;
  }

  function focusStep() {
    var step = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var heading = step && step.querySelector("h2");
    if (heading) {
      heading.focus();
    }
  }

  guide.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    event.preventDefault();
    window.location.replace(link.getAttribute("href"));
    focusStep();
  });
  window.addEventListener("hashchange", focusStep);
})();
