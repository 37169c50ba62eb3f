// Quick exit, after the GOV.UK "Exit this page" pattern: leave for a neutral site with
// location.replace, so Back does not bring this page back; pressing Escape twice does the same.
// Without JavaScript the button is a plain link to the same site.
(function () {
  "use strict";
  document.documentElement.classList.add("js"); // shows hints that need JavaScript
  var link = document.querySelector("[data-quick-exit]");
  if (!link) {
    return;
  }
  var lastEscape = 0;

  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    document.documentElement.classList.add("exiting"); // hide the page while the next loads
    window.location.replace(link.href);
  }

  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var now = event.timeStamp; // when the key was pressed, even if the page was busy
    if (lastEscape && now - lastEscape < 1000) {
      leave(event);
    }
    lastEscape = now;
  });
})();
