/* Firstclass page behaviour. CSP allows no inline script, so the few behaviours pages need are
   switched on by data attributes:
     data-fc-once   on a <form>: disable its submit buttons after the first submit (no double POST)
     data-fc-back   on a link: go back in history when there is history, else follow href
   and failed htmx requests are announced in #fc-live (texts come from its data-* attributes). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-fc-once")) {
      return;
    }
    if (form.dataset.fcSubmitted === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.fcSubmitted = "1";
    // Disable after the browser has collected the submitter's name/value.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("[data-fc-back]") : null;
    if (!link) {
      return;
    }
    if (window.history.length > 1 && document.referrer) {
      event.preventDefault();
      window.history.back();
    } else if (link.getAttribute("href") === "#") {
      event.preventDefault();
      window.location.assign("/");
    }
  });

  function announce(text) {
    var live = document.getElementById("fc-live");
    if (!live || !text) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger alert-dismissible fade show";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", live.dataset.closeText || "Close");
    alert.appendChild(close);
    live.replaceChildren(alert);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var live = document.getElementById("fc-live");
    if (!live) {
      return;
    }
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    var text = live.dataset.errorText;
    if (status === 403) {
      text = live.dataset.forbiddenText;
    } else if (status === 409) {
      text = live.dataset.conflictText;
    }
    announce(text);
  });

  document.addEventListener("htmx:sendError", function () {
    var live = document.getElementById("fc-live");
    announce(live ? live.dataset.errorText : "");
  });
})();
