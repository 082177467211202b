/* The studio's module preview: set up the question types' widgets (hotspot, ordering) on the
 * preview form, as quiz.js does on an attempt's page, without its autosave (a preview records
 * nothing). A checked answer is read-only: only the widgets that have a read-only mode. */
(function () {
  "use strict";
  var form = document.getElementById("preview-form");
  if (!form) return;
  var locked = form.hasAttribute("data-locked");
  (window.questionWidgets || []).forEach(function (w) {
    if (locked && !w.readOnly) return;
    Array.prototype.forEach.call(form.querySelectorAll(w.selector), function (root) {
      w.init(root, function () {});
    });
  });
})();
