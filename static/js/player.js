// The lesson player without full reloads: Back and Next fetch the next part's HTML fragment and
// swap it in, update the address (history.pushState; Back in the browser works too), the title,
// move focus to the part's heading and announce "Part 3 of 6". A "check yourself" answer is
// posted in the background and its feedback swapped in place. The server records the position
// on every fetch, as it does for a full page. Without JavaScript every link and form works as a
// normal page.
(function () {
  "use strict";

  var player = document.querySelector("[data-player]");
  if (!player || !window.fetch || !window.history || !window.history.pushState) {
    return;
  }
  var status = player.querySelector("[data-player-status]");
  var busy = false;

  function withFragment(url) {
    var address = new URL(url, window.location.href);
    address.searchParams.set("fragment", "1");
    address.hash = "";
    return address.toString();
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function setTitle(part) {
    // The page title ends with " · <site name>": keep that ending.
    var title = document.title;
    var cut = title.lastIndexOf(" · ");
    var ending = cut >= 0 ? title.slice(cut) : "";
    document.title = part.getAttribute("data-title") + ending;
  }

  function show(part, focus) {
    var current = player.querySelector("[data-part]");
    current.replaceWith(part);
    setTitle(part);
    if (focus) {
      var heading = part.querySelector("h1");
      if (heading) {
        heading.focus();
      }
      window.scrollTo(0, 0);
    }
    // Cleared first so the same words are read out again when they come back.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = part.getAttribute("data-announce");
    }, 50);
  }

  function load(url, push) {
    if (busy) {
      return Promise.resolve();
    }
    busy = true;
    return fetch(withFragment(url), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var part = parse(html).querySelector("[data-part]");
        if (!part) {
          throw new Error("no part in the answer");
        }
        if (push) {
          window.history.pushState({ playerPart: url }, "", url);
        }
        show(part, true);
      })
      .catch(function () {
        window.location.assign(url); // a normal page load shows what happened
      })
      .finally(function () {
        busy = false;
      });
  }

  player.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-part-link]");
    if (!link || event.defaultPrevented || event.button !== 0) {
      return;
    }
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return; // opening in a new tab or window stays the browser's
    }
    event.preventDefault();
    load(link.href, true);
  });

  player.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-check-form]");
    if (!form) {
      return;
    }
    event.preventDefault();
    var check = form.closest("[data-check]");
    fetch(withFragment(form.action), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = parse(html).querySelector("[data-check]");
        if (!fresh) {
          throw new Error("no check in the answer");
        }
        check.replaceWith(fresh);
        var target =
          fresh.querySelector("[data-check-feedback]") || fresh.querySelector(".error-message");
        if (target) {
          if (!target.hasAttribute("tabindex")) {
            target.setAttribute("tabindex", "-1");
          }
          target.focus();
        }
      })
      .catch(function () {
        form.submit(); // the page itself shows the feedback
      });
  });

  var first = player.querySelector("[data-part]");
  var here = new URL(first.getAttribute("data-url"), window.location.href).toString();
  window.history.replaceState({ playerPart: here }, "", window.location.href);
  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.playerPart) {
      load(event.state.playerPart, false);
    }
  });
})();
