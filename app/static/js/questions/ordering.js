/* Ordering answers: "Up" and "Down" buttons beside each item, which renumber the position
 * selects (pos-<item>). Loaded before quiz.js, which sets the widget up on [data-ordering]. */
(function () {
  "use strict";

  function initOrdering(list, onChange) {
    var items = function () { return Array.prototype.slice.call(list.children); };
    if (list.querySelector("select[disabled]")) return;
    function renumber() {
      items().forEach(function (li, i) { li.querySelector("select").value = String(i + 1); });
    }
    function button(label, text, handler) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button secondary small";
      b.textContent = text;
      b.setAttribute("aria-label", label);
      b.addEventListener("click", handler);
      return b;
    }
    items().forEach(function (li) {
      var name = li.querySelector(".ordering-text").textContent.trim();
      var controls = li.querySelector(".ordering-controls");
      var up = button("Move up: " + name, "↑ Up", function () {
        var prev = li.previousElementSibling;
        if (prev) { list.insertBefore(li, prev); renumber(); up.focus(); onChange(); }
      });
      var down = button("Move down: " + name, "↓ Down", function () {
        var next = li.nextElementSibling;
        if (next) { list.insertBefore(next, li); renumber(); down.focus(); onChange(); }
      });
      controls.appendChild(up);
      controls.appendChild(down);
    });
  }

  window.questionWidgets = window.questionWidgets || [];
  window.questionWidgets.push({ selector: "[data-ordering]", init: initOrdering, readOnly: false });
})();
