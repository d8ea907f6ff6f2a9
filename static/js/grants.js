/* Grants pages. CSP allows no inline script, so these behaviours are switched on by data attributes:
     [data-fc-claim] radios      show [data-fc-best-in-class] fields only for a best-in-class claim
     .fc-budget-amount inputs    ask the server for the live total (#budget-total, event fc:amounts-changed)
     form[data-fc-progress]      show upload progress in its [data-fc-progress-bar] (htmx:xhr:progress) */
(function () {
  "use strict";

  function toggleBestInClass(form) {
    var checked = form.querySelector("input[data-fc-claim]:checked");
    var best = checked !== null && checked.value === "best_in_class";
    form.querySelectorAll("[data-fc-best-in-class]").forEach(function (block) {
      block.hidden = !best;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-fc-claim") && target.form) {
      toggleBestInClass(target.form);
    }
  });

  var totalTimer = null;
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.classList.contains("fc-budget-amount")) {
      return;
    }
    window.clearTimeout(totalTimer);
    totalTimer = window.setTimeout(function () {
      var total = document.getElementById("budget-total");
      if (total && window.htmx) {
        window.htmx.trigger(total, "fc:amounts-changed");
      }
    }, 300);
  });

  function progressOf(form) {
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-fc-progress")) {
      return null;
    }
    var box = form.querySelector("[data-fc-progress-bar]");
    if (!box) {
      return null;
    }
    return { box: box, meter: box.querySelector(".progress"), bar: box.querySelector(".progress-bar") };
  }

  function show(progress, percent) {
    progress.box.hidden = false;
    // Setting a style property from script is allowed by the CSP; inline style attributes are not.
    progress.bar.style.width = percent + "%";
    progress.bar.textContent = percent + " %";
    progress.meter.setAttribute("aria-valuenow", String(percent));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var progress = progressOf(event.target);
    if (progress) {
      show(progress, 0);
    }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var progress = progressOf(event.target);
    var detail = event.detail || {};
    if (progress && detail.lengthComputable && detail.total > 0) {
      show(progress, Math.min(100, Math.round((detail.loaded / detail.total) * 100)));
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var progress = progressOf(event.target);
    if (progress) {
      progress.box.hidden = true;
    }
  });
})();
