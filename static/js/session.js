// Club sessions without websockets: a student's (or projector's) screen asks a small JSON
// endpoint every few seconds and swaps in the new step when the leader moves on; the leader's
// poll panel refreshes its tallies; a timer ticks; arrow keys move between steps.
// Without JavaScript every page has a refresh link and plain buttons.
(function () {
  "use strict";
  var EVERY_MS = 3000;

  function get(url, asJson) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return asJson ? response.json() : response.text();
    });
  }

  // The state endpoint answers 304 while nothing changed: null means "as before".
  var stateTags = {};
  function getState(url) {
    var headers = stateTags[url] ? { "If-None-Match": stateTags[url] } : {};
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: headers }).then(
      function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        stateTags[url] = response.headers.get("ETag");
        return response.json();
      }
    );
  }

  var follow = document.querySelector("[data-follow]");
  if (follow) {
    var version = follow.getAttribute("data-version");
    var busy = false;
    var polling = window.setInterval(function () {
      if (busy || document.hidden) {
        return; // a tab in the background doesn't ask; it catches up when shown again
      }
      busy = true;
      getState(follow.getAttribute("data-state-url"))
        .then(function (state) {
          if (state === null || String(state.version) === version) {
            return null;
          }
          return get(follow.getAttribute("data-stage-url"), false).then(function (html) {
            var before = follow.querySelector("[data-step]");
            var hadPoll = Boolean(follow.querySelector("#poll-follow"));
            follow.innerHTML = html;
            version = String(state.version);
            var after = follow.querySelector("[data-step]");
            var newStep = !before || !after || before.getAttribute("data-step") !== after.getAttribute("data-step");
            var poll = follow.querySelector("#poll-follow");
            if (newStep) {
              follow.scrollIntoView({ block: "start" }); // a new step starts at its top, where
              // the "A poll is open" link sits when the step comes with a poll
            } else if (poll && !hadPoll) {
              poll.scrollIntoView({ block: "start" }); // a poll opened below what they read
            }
            if (!state.live) {
              window.clearInterval(polling);
            }
          });
        })
        .catch(function () {})
        .then(function () {
          busy = false;
        });
    }, EVERY_MS);

    // "A poll is open: go to the poll" moves focus to the poll (it works as a plain link too).
    follow.addEventListener("click", function (event) {
      var jump = event.target.closest && event.target.closest("[data-poll-jump]");
      var poll = jump && follow.querySelector("#poll-follow");
      if (poll) {
        event.preventDefault();
        poll.scrollIntoView({ block: "start" });
        poll.focus({ preventScroll: true });
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-refresh-url]"), function (panel) {
    window.setInterval(function () {
      if (panel.contains(document.activeElement)) {
        return; // don't pull a button out from under the keyboard
      }
      get(panel.getAttribute("data-refresh-url"), false)
        .then(function (html) {
          panel.innerHTML = html;
        })
        .catch(function () {});
    }, EVERY_MS);
  });

  var timer = document.querySelector("[data-started]");
  if (timer) {
    var started = Date.parse(timer.getAttribute("data-started"));
    var tick = function () {
      var seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
      var minutes = Math.floor(seconds / 60);
      timer.textContent = minutes + ":" + String(seconds % 60).padStart(2, "0");
    };
    tick();
    window.setInterval(tick, 1000);
  }

  var fullscreen = document.querySelector("[data-fullscreen]");
  if (fullscreen && document.documentElement.requestFullscreen) {
    document.documentElement.classList.add("js");
    fullscreen.addEventListener("click", function () {
      document.documentElement.requestFullscreen();
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return; // Alt+← is the browser's Back, not the session's
    }
    if (event.target.closest && event.target.closest("input, select, textarea, button")) {
      return;
    }
    var target = null;
    if (event.key === "ArrowRight") {
      target = document.querySelector("[data-next]");
    } else if (event.key === "ArrowLeft") {
      target = document.querySelector("[data-back]");
    }
    if (target) {
      event.preventDefault();
      target.click();
    }
  });
})();
