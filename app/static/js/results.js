// The result page: the review's filters without a reload, expand/collapse all, opening the
// question a grid cell links to, and everything expanded for printing. Without JavaScript
// the filters are plain links (?show=...) and the printable version is ?print=1.
(function () {
  "use strict";
  var review = document.querySelector("[data-review]");
  var items = review ? Array.prototype.slice.call(review.querySelectorAll(".review-item")) : [];

  function matches(item, which) {
    if (which === "incorrect") return item.getAttribute("data-state") !== "correct";
    if (which === "flagged") return item.getAttribute("data-flagged") === "true";
    return true;
  }

  function applyFilter(which) {
    var shown = 0;
    items.forEach(function (item) {
      var on = matches(item, which);
      item.hidden = !on;
      if (on) shown += 1;
    });
    var empty = review.querySelector("[data-review-empty]");
    if (empty) empty.hidden = shown > 0;
    review.querySelectorAll("[data-filter]").forEach(function (link) {
      if (link.getAttribute("data-filter") === which) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
    var url = new URL(window.location.href);
    url.searchParams.set("show", which);
    url.hash = "";
    window.history.replaceState(null, "", url.toString());
  }

  function openTarget(id) {
    var item = id ? document.getElementById(id) : null;
    if (!item || !item.classList.contains("review-item")) return;
    if (item.hidden) applyFilter("all");
    var details = item.querySelector("details");
    if (details) details.open = true;
    item.scrollIntoView();
    var summary = item.querySelector("summary");
    if (summary) summary.focus();
  }

  if (review) {
    review.querySelectorAll("[data-filter]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        applyFilter(link.getAttribute("data-filter"));
      });
    });
    review.querySelectorAll("[data-expand]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var open = button.getAttribute("data-expand") === "open";
        items.forEach(function (item) {
          var details = item.querySelector("details");
          if (details) details.open = open;
        });
      });
    });
  }

  document.querySelectorAll(".result-grid a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var hash = link.getAttribute("href").split("#")[1];
      if (!hash || !document.getElementById(hash)) return;
      event.preventDefault();
      openTarget(hash);
    });
  });
  if (window.location.hash) openTarget(window.location.hash.slice(1));

  var closedBeforePrint = [];
  window.addEventListener("beforeprint", function () {
    closedBeforePrint = Array.prototype.slice.call(document.querySelectorAll("details:not([open])"));
    closedBeforePrint.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closedBeforePrint.forEach(function (d) { d.open = false; });
    closedBeforePrint = [];
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
