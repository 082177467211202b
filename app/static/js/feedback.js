/* Focus the verdict after "Check answer" (issue 18). The page already lands on it by its
 * fragment (#verdict) without JavaScript; this moves keyboard and screen-reader focus there too,
 * so the next Tab continues from the feedback rather than from the top of the page. */
(function () {
  "use strict";
  function focusVerdict() {
    var verdict = document.querySelector("[data-focus-verdict]");
    if (!verdict) return;
    verdict.focus({ preventScroll: false });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusVerdict);
  } else {
    focusVerdict();
  }
})();
